"""Custom entities (`6T…`): an operator's own things (a car model, a room, a hair
length) that services and resources are tied to, and the list routes that follow
those ties. The public documentation names the entity and its prefix only; the
routes and fields here are the sandbox's choice (docs/sandbox.md).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from booking_app.sandbox import ids, repository
from booking_app.sandbox.api import Json, bp, ok, org_request
from booking_app.sandbox.store import loads

ROOT = "/organization/<org_id>/customEntity"


def render_entity(row: sqlite3.Row) -> dict[str, Any]:
    """A CUSTOM_ENTITY as the API shows it."""
    return {"class": "CUSTOM_ENTITY", **loads(row["data"])}


def _entity(db: sqlite3.Connection, org: sqlite3.Row, entity_id: str) -> sqlite3.Row:
    return repository.owned(
        db, "custom_entity", entity_id, org, "customEntityId", ids.CUSTOM_ENTITY
    )


@bp.get(f"{ROOT}/list")
def entity_list(org_id: str) -> Json:
    db, org = org_request(org_id)
    rows = db.execute(
        "SELECT * FROM custom_entity WHERE organization_rowid = ? ORDER BY position",
        (org["rowid"],),
    ).fetchall()
    return ok(repository.listing([render_entity(r) for r in rows]))


@bp.get(f"{ROOT}/<entity_id>/show")
def entity_show(org_id: str, entity_id: str) -> Json:
    db, org = org_request(org_id)
    return ok(render_entity(_entity(db, org, entity_id)))


@bp.get(f"{ROOT}/<entity_id>/bookingTemplate/list")
def entity_templates(org_id: str, entity_id: str) -> Json:
    db, org = org_request(org_id)
    entity = _entity(db, org, entity_id)
    rows = db.execute(
        "SELECT t.* FROM booking_template t JOIN custom_entity_template ct"
        " ON ct.template_rowid = t.rowid WHERE ct.entity_rowid = ? ORDER BY t.position",
        (entity["rowid"],),
    ).fetchall()
    return ok(repository.listing([repository.render_template(db, r) for r in rows]))


@bp.get(f"{ROOT}/<entity_id>/bookingResource/list")
def entity_resources(org_id: str, entity_id: str) -> Json:
    db, org = org_request(org_id)
    entity = _entity(db, org, entity_id)
    rows = db.execute(
        "SELECT r.* FROM booking_resource r JOIN custom_entity_resource cr"
        " ON cr.resource_rowid = r.rowid WHERE cr.entity_rowid = ? ORDER BY r.rowid",
        (entity["rowid"],),
    ).fetchall()
    return ok(repository.listing([repository.render_resource(r) for r in rows]))
