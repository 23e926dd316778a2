"""The anonymous two-step OAuth flow and the bearer-token check of API requests.

A module is found by its own `client_id`, which is not its id (`23…`, the `moduleId`
of `module/{moduleId}/…` routes): the SDK configures the two separately. An access
token is bound to its module and to the `organization_id` it was asked for; asked
without one (as the SDK does for paths without `organization/{f6…}/`) it has no
organization and serves only the routes outside `organization/{orgId}/…`.

Token lifetimes follow the real clock, not the pinnable booking clock, so that a
test which moves the booking clock does not expire every token by accident.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from booking_app.sandbox import ids
from booking_app.sandbox.messages import fail
from booking_app.sandbox.store import Store

REFRESH_TTL = 30 * 24 * 3600

bp = Blueprint("oauth", __name__)


def _oauth_error(status: int, error: str, description: str) -> ResponseReturnValue:
    return jsonify({"error": error, "error_description": description}), status


def _store() -> Store:
    store: Store = current_app.extensions["sandbox_store"]
    return store


@bp.post("/oauth/token")
def token() -> ResponseReturnValue:
    """Issue a refresh token (client_credentials) or an access token (refresh_token)."""
    try:
        form: dict[str, Any] = dict(request.form) or (request.get_json(silent=True) or {})
    except RecursionError:  # JSON nested too deeply for the parser
        return _oauth_error(400, "invalid_request", "send a form-encoded body")
    if not isinstance(form, dict):
        return _oauth_error(400, "invalid_request", "send a form-encoded body")
    grant = form.get("grant_type")
    db = _store().connection()
    # The client id is the module's own value, not its id (`23…`): the SDK keeps two.
    module = db.execute(
        "SELECT * FROM module WHERE client_id = ?", (str(form.get("client_id", "")),)
    )
    module_row = module.fetchone()
    if grant not in {"client_credentials", "refresh_token"}:
        return _oauth_error(
            400, "unsupported_grant_type", "use client_credentials or refresh_token"
        )
    if module_row is None:
        return _oauth_error(401, "invalid_client", "unknown client_id")
    if grant == "client_credentials":
        if form.get("client_secret", ""):
            return _oauth_error(401, "invalid_client", "anonymous modules send an empty secret")
        refresh = _issue(db, "refresh", module_row["rowid"], None, REFRESH_TTL)
        return jsonify(
            {"token_type": "Bearer", "refresh_token": refresh, "expires_in": REFRESH_TTL}
        )
    return _access(db, form, module_row)


def _access(
    db: sqlite3.Connection, form: dict[str, Any], module: sqlite3.Row
) -> ResponseReturnValue:
    refresh = db.execute(
        "SELECT * FROM token WHERE token = ? AND kind = 'refresh'",
        (str(form.get("refresh_token")),),
    ).fetchone()
    if (
        refresh is None
        or refresh["module_rowid"] != module["rowid"]
        or refresh["expires"] < time.time()
    ):
        return _oauth_error(400, "invalid_grant", "unknown or expired refresh_token")
    ttl = int(current_app.config["SANDBOX_TOKEN_TTL"])
    if "organization_id" not in form:
        # The SDK's grant for paths without `organization/{f6…}/` (`static/…`,
        # `module/{moduleId}/organization/filter`): a token without an organization.
        access = _issue(db, "access", module["rowid"], None, ttl)
        return jsonify({"token_type": "Bearer", "access_token": access, "expires_in": ttl})
    org_id = str(form.get("organization_id", ""))
    if not ids.is_valid_id(org_id, ids.ORGANIZATION):
        return _oauth_error(400, "invalid_request", "organization_id is missing or malformed")
    org = db.execute(
        "SELECT rowid, parent_rowid FROM organization WHERE id = ?", (org_id,)
    ).fetchone()
    if org is None or module["organization_rowid"] not in {org["rowid"], org["parent_rowid"]}:
        return _oauth_error(400, "invalid_grant", "this module does not serve that organization")
    access = _issue(db, "access", module["rowid"], org["rowid"], ttl)
    return jsonify({"token_type": "Bearer", "access_token": access, "expires_in": ttl})


def _issue(db: sqlite3.Connection, kind: str, module: int, org: int | None, ttl: int) -> str:
    value = secrets.token_urlsafe(32)
    with _store().write_lock:
        db.execute(
            "INSERT INTO token (token, kind, module_rowid, organization_rowid, expires)"
            " VALUES (?,?,?,?,?)",
            # Not truncated to whole seconds: a 1 s token must not be born expired.
            (value, kind, module, org, time.time() + ttl),
        )
    return value


def authenticate(db: sqlite3.Connection) -> sqlite3.Row:
    """The access token row of this request, or ApiError 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise fail(401, "unauthorized")
    row = db.execute(
        "SELECT t.*, m.id AS module_id, o.id AS organization_id FROM token t"
        " JOIN module m ON m.rowid = t.module_rowid"
        " LEFT JOIN organization o ON o.rowid = t.organization_rowid"
        " WHERE t.token = ? AND t.kind = 'access'",
        (value.strip(),),
    ).fetchone()
    if row is None:
        raise fail(401, "unauthorized")
    if row["expires"] < time.time():
        raise fail(401, "token_expired")
    return row  # type: ignore[no-any-return]


def require_organization(token: sqlite3.Row, org_id: str) -> None:
    """401 unless the token was issued for this organization (a token without an
    organization serves only `static/…` and `module/{moduleId}/organization/filter`)."""
    if token["organization_id"] != org_id:
        raise fail(401, "token_other_organization", "organizationId")
