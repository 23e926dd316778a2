"""The Module API routes of organizations, module configs, templates, resources and
static lists. Slots and appointments live in `slots_api` and `appointments_api`."""

from __future__ import annotations

import sqlite3
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from babel import Locale
from flask import Blueprint, Response, current_app, g, request

from booking_app.sandbox import ids, repository
from booking_app.sandbox.clock import Clock
from booking_app.sandbox.messages import envelope, fail
from booking_app.sandbox.oauth import authenticate, require_organization
from booking_app.sandbox.store import Store, loads

bp = Blueprint("api", __name__, url_prefix="/module/v3/<lang>")
Json = tuple[dict[str, Any], int]


@bp.url_value_preprocessor
def _language(endpoint: str | None, values: dict[str, Any] | None) -> None:
    lang = (values or {}).pop("lang", "en")
    g.lang = lang if lang in ("en", "de") else "en"
    if lang not in ("en", "de"):
        raise fail(404, "route_not_found")


def store() -> Store:
    """The sandbox's store."""
    value: Store = current_app.extensions["sandbox_store"]
    return value


def clock() -> Clock:
    """The sandbox's clock."""
    value: Clock = current_app.extensions["sandbox_clock"]
    return value


def ok(content: Any, status: int = 200) -> Json:
    """A success envelope."""
    return envelope(content), status


def org_request(org_id: str) -> tuple[sqlite3.Connection, sqlite3.Row]:
    """Authenticate for `org_id` and load it: the start of every organization route."""
    db = store().connection()
    token = authenticate(db)
    repository.check_id(org_id, ids.ORGANIZATION, "organizationId")  # malformed: 400, not 401
    require_organization(token, org_id)
    return db, repository.organization(db, org_id)


@bp.get("/organization/<org_id>/show")
def organization_show(org_id: str) -> Json:
    db, org = org_request(org_id)
    return ok(repository.render_organization(db, org))


def _module_request(module_id: str) -> tuple[sqlite3.Connection, sqlite3.Row]:
    """Authenticate and check that the path's module id (`23…`, not the client id) is
    the token's module: the start of every `module/{moduleId}/…` route."""
    db = store().connection()
    token = authenticate(db)
    repository.check_id(module_id, ids.MODULE, "moduleId")
    if token["module_id"] != module_id:
        raise fail(401, "unauthorized", "moduleId")
    return db, token


def _module_org_request(module_id: str, org_id: str) -> tuple[sqlite3.Connection, sqlite3.Row]:
    """`_module_request`, then the token must be for `org_id`: the start of every
    `module/{moduleId}/organization/{orgId}/…` route."""
    db, token = _module_request(module_id)
    repository.check_id(org_id, ids.ORGANIZATION, "organizationId")
    require_organization(token, org_id)
    return db, repository.organization(db, org_id)


@bp.get("/module/<module_id>/organization/<org_id>/organization/list")
def branch_list(module_id: str, org_id: str) -> Json:
    db, org = _module_org_request(module_id, org_id)
    rows = db.execute(
        "SELECT * FROM organization WHERE parent_rowid = ? ORDER BY rowid", (org["rowid"],)
    ).fetchall()
    return ok(repository.listing([repository.render_organization(db, r) for r in rows]))


@bp.get("/module/<module_id>/organization/filter")
def organization_filter(module_id: str) -> Json:
    db, _token = _module_request(module_id)
    query = request.args.get("searchQuery", "")
    if len(query) > 200:
        raise fail(400, "too_long", "searchQuery")
    rows = db.execute(
        "SELECT o.* FROM organization o JOIN module m ON m.id = ?"
        " WHERE (o.rowid = m.organization_rowid OR o.parent_rowid = m.organization_rowid)"
        " ORDER BY o.rowid",
        (module_id,),
    ).fetchall()
    needle = query.casefold().strip()
    found = [
        repository.render_organization(db, r)
        for r in rows
        if needle in repository.search_text(r).casefold()
    ]
    return ok(repository.listing(found))


@bp.get("/module/<module_id>/organization/<org_id>/moduleConfig/show")
def module_organization_config(module_id: str, org_id: str) -> Json:
    """The module's config for an organization. Which one the real API picks is not
    known; the sandbox answers the organization's first module config, and 404
    (`moduleConfigId`) when it has none."""
    db, org = _module_org_request(module_id, org_id)
    row = db.execute(
        "SELECT * FROM module_config WHERE organization_rowid = ? ORDER BY rowid LIMIT 1",
        (org["rowid"],),
    ).fetchone()
    if row is None:
        raise fail(404, "not_found", "moduleConfigId")
    return ok({"class": "MODULE_CONFIG", **loads(row["data"])})


@bp.get("/organization/<org_id>/moduleConfig/<config_id>/show")
def module_config_show(org_id: str, config_id: str) -> Json:
    db, org = org_request(org_id)
    row = repository.owned(db, "module_config", config_id, org, "moduleConfigId", ids.MODULE_CONFIG)
    return ok({"class": "MODULE_CONFIG", **loads(row["data"])})


@bp.get("/organization/<org_id>/moduleConfig/<custom_id>/identify")
def module_config_identify(org_id: str, custom_id: str) -> Json:
    db, org = org_request(org_id)
    row = db.execute(
        "SELECT * FROM module_config WHERE custom_id = ? AND organization_rowid = ?",
        (custom_id, org["rowid"]),
    ).fetchone()
    if row is None:
        raise fail(404, "not_found", "customId")
    return ok({"class": "MODULE_CONFIG", **loads(row["data"])})


@bp.get("/organization/<org_id>/bookingTemplate/list")
def template_list(org_id: str) -> Json:
    db, org = org_request(org_id)
    rows = db.execute(
        "SELECT * FROM booking_template WHERE organization_rowid = ? ORDER BY position",
        (org["rowid"],),
    ).fetchall()
    return ok(repository.listing([repository.render_template(db, r) for r in rows]))


@bp.get("/organization/<org_id>/bookingTemplate/<template_id>/show")
def template_show(org_id: str, template_id: str) -> Json:
    db, org = org_request(org_id)
    row = repository.owned(
        db, "booking_template", template_id, org, "bookingTemplateId", ids.BOOKING_TEMPLATE
    )
    return ok(repository.render_template(db, row))


@bp.get("/organization/<org_id>/bookingResource/list")
def resource_list(org_id: str) -> Json:
    db, org = org_request(org_id)
    rows = db.execute(
        "SELECT * FROM booking_resource WHERE organization_rowid = ? ORDER BY rowid",
        (org["rowid"],),
    ).fetchall()
    return ok(repository.listing([repository.render_resource(r) for r in rows]))


@bp.get("/organization/<org_id>/bookingResource/<resource_id>/show")
def resource_show(org_id: str, resource_id: str) -> Json:
    db, org = org_request(org_id)
    row = repository.owned(
        db, "booking_resource", resource_id, org, "bookingResourceId", ids.BOOKING_RESOURCE
    )
    return ok(repository.render_resource(row))


@bp.get("/organization/<org_id>/bookingResource/<resource_id>/bookingTemplate/list")
def resource_templates(org_id: str, resource_id: str) -> Json:
    db, org = org_request(org_id)
    res = repository.owned(
        db, "booking_resource", resource_id, org, "bookingResourceId", ids.BOOKING_RESOURCE
    )
    rows = db.execute(
        "SELECT DISTINCT t.* FROM booking_template t"
        " JOIN booking_step s ON s.template_rowid = t.rowid"
        " JOIN step_resource sr ON sr.step_rowid = s.rowid WHERE sr.resource_rowid = ?"
        " ORDER BY t.position",
        (res["rowid"],),
    ).fetchall()
    return ok(repository.listing([repository.render_template(db, r) for r in rows]))


@bp.get("/static/<kind>/list")
def static_list(kind: str) -> Json:
    authenticate(store().connection())
    if kind not in _STATIC:
        raise fail(404, "route_not_found")
    return ok(repository.listing(list(_STATIC[kind](g.lang))))


@lru_cache(maxsize=8)
def _time_zones(lang: str) -> tuple[dict[str, Any], ...]:
    return tuple(
        {"class": "TIME_ZONE", "key": z, "name": z}
        for z in sorted(available_timezones())
        if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/"))
    )


@lru_cache(maxsize=8)
def _languages(lang: str) -> tuple[dict[str, Any], ...]:
    names = Locale(lang).languages
    return tuple(
        {"class": "LANGUAGE", "key": k, "name": names[k]} for k in sorted(names) if len(k) == 2
    )


@lru_cache(maxsize=8)
def _countries(lang: str) -> tuple[dict[str, Any], ...]:
    names = Locale(lang).territories
    return tuple(
        {"class": "COUNTRY", "key": k, "name": names[k]}
        for k in sorted(names)
        if len(k) == 2 and k.isalpha() and k not in {"ZZ", "XA", "XB", "EU", "EZ", "UN", "QO"}
    )


@lru_cache(maxsize=8)
def _currencies(lang: str) -> tuple[dict[str, Any], ...]:
    names = Locale(lang).currencies
    return tuple(
        {"class": "CURRENCY", "key": k, "name": names[k]}
        for k in sorted(names)
        if len(k) == 3 and k.isupper()
    )


_STATIC = {
    "timeZone": _time_zones,
    "language": _languages,
    "country": _countries,
    "currency": _currencies,
}


# The rest of module-api.md's table: routes the widget leaves unused, served all the
# same, so that the sandbox imitates the whole API (docs/sandbox.md).
def _identified(
    db: sqlite3.Connection, table: str, org: sqlite3.Row, custom_id: str
) -> sqlite3.Row:
    if len(custom_id) > 100:
        raise fail(400, "too_long", "customId")
    row = db.execute(
        f"SELECT * FROM {table} WHERE custom_id = ? AND organization_rowid = ?",  # noqa: S608
        (custom_id, org["rowid"]),
    ).fetchone()
    if row is None:
        raise fail(404, "not_found", "customId")
    return row  # type: ignore[no-any-return]


@bp.get("/organization/<org_id>/organization/<custom_id>/identify")
def branch_identify(org_id: str, custom_id: str) -> Json:
    """A branch (sub-organization) of `org_id` by its customId."""
    db, org = org_request(org_id)
    row = db.execute(
        "SELECT * FROM organization WHERE custom_id = ? AND parent_rowid = ?",
        (custom_id[:100], org["rowid"]),
    ).fetchone()
    if row is None:
        raise fail(404, "not_found", "customId")
    return ok(repository.render_organization(db, row))


@bp.get("/organization/<org_id>/bookingTemplate/<custom_id>/identify")
def template_identify(org_id: str, custom_id: str) -> Json:
    db, org = org_request(org_id)
    return ok(repository.render_template(db, _identified(db, "booking_template", org, custom_id)))


@bp.get("/organization/<org_id>/bookingResource/<custom_id>/identify")
def resource_identify(org_id: str, custom_id: str) -> Json:
    db, org = org_request(org_id)
    return ok(repository.render_resource(_identified(db, "booking_resource", org, custom_id)))


@bp.get("/organization/<org_id>/bookingCategory/tree")
def category_tree(org_id: str) -> Json:
    """The shape of the real tree is unknown (no sample in the SDK): the sandbox's demo
    has no categories and answers an empty LIST."""
    org_request(org_id)
    return ok(repository.listing([]))


@bp.get("/organization/<org_id>/file/<file_id>/download")
def file_download(org_id: str, file_id: str) -> Any:
    """A file's raw bytes (not JSON), as the SDK's download route returns them."""
    db, org = org_request(org_id)
    row = repository.owned(db, "file", file_id, org, "fileId", ids.FILE)
    return Response(
        bytes(row["content"]),
        mimetype="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{row["id"]}"'},
    )


ERROR_CODES = {
    400: "invalid_value",
    401: "unauthorized",
    403: "route_forbidden",
    404: "not_found",
    405: "method_not_allowed",
    500: "server_error",
}


@bp.get("/static/error/<int:code>/show")
def error_show(code: int) -> Json:
    """The SDK's test route: answers with status = `code` (those of the SDK's tests)."""
    authenticate(store().connection())
    if code not in ERROR_CODES:
        raise fail(404, "route_not_found")
    raise fail(code, ERROR_CODES[code])


@lru_cache(maxsize=8)
def _sectors(lang: str) -> tuple[dict[str, Any], ...]:
    names = {
        "01ab": ("Hair and beauty", "Friseur und Kosmetik"),
        "02cd": ("Health", "Gesundheit"),
        "03ef": ("Public services", "Öffentliche Dienste"),
    }
    return tuple(
        {"class": "SECTOR", "key": key, "name": en if lang == "en" else de}
        for key, (en, de) in names.items()
    )


_STATIC["sector"] = _sectors
