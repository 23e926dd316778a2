"""Custom entities (`6T…`): an operator's own things (a car, a room, a hair length) of
types the operator names (the SDK's examples: `car`, `rentalCar`; the demo's:
`hairLength`), tied to services and resources.

The routes are the SDK's, every one with the type as a path segment (module-api.md);
so are the shapes: a single entity is a CUSTOM_ENTITY, a list entry a
CUSTOM_ENTITY_SHORT. The rest is the sandbox's choice (docs/sandbox.md): an entity
whose type is not the path's is absent (404), an unknown type lists nothing, and an
appointment's entities are those of its service.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from marshmallow import fields, validate

from booking_app.sandbox import ids, repository
from booking_app.sandbox.api import Json, bp, ok, org_request, store
from booking_app.sandbox.appointments_api import json_body
from booking_app.sandbox.messages import fail
from booking_app.sandbox.schemas import KEYS, StrictSchema, load
from booking_app.sandbox.store import dumps, loads

ROOT = "/organization/<org_id>/customEntity"
TYPED = f"{ROOT}/<entity_type>"
# A CUSTOM_ENTITY's fields after `class`, in the order the API shows them.
ENTITY_FIELDS = (
    *("id", "customId", "type", "name", "nameI18nList"),
    *("description", "descriptionI18nList", "image", "additionalData"),
)
APPOINTMENT_PREFIXES = (ids.APPOINTMENT, ids.EVENT_ATTENDANCE)


class CustomEntityAddSchema(StrictSchema):
    """The body of `customEntity/{customEntityType}/add`: `{customId, name}`."""

    customId = fields.String(
        allow_none=True,
        error_messages=KEYS,
        validate=validate.Length(max=100, error="too_long"),
    )
    name = fields.String(
        required=True,
        error_messages=KEYS,
        validate=[
            validate.Length(min=1, error="missing"),
            validate.Length(max=255, error="too_long"),
        ],
    )


def render_entity(row: sqlite3.Row) -> dict[str, Any]:
    """A CUSTOM_ENTITY as `show`, `identify` and `add` answer it."""
    data = loads(row["data"])
    return {"class": "CUSTOM_ENTITY", **{name: data.get(name) for name in ENTITY_FIELDS}}


def render_short(row: sqlite3.Row) -> dict[str, Any]:
    """A CUSTOM_ENTITY_SHORT, a list's entry: the fields of the SDK's sample and no
    others (no translations: a client that wants them calls `show`). What the sample's
    `appointment`, `bookingResource`, `bookingTemplate` and `customEntity` hold
    besides null is not known: the sandbox leaves them null."""
    data = loads(row["data"])
    return {
        "class": "CUSTOM_ENTITY_SHORT",
        "id": data["id"],
        "customId": data.get("customId"),
        "name": data.get("name"),
        "image": data.get("image"),
        "appointment": None,
        "bookingResource": None,
        "bookingTemplate": None,
        "customEntity": None,
        "additionalData": data.get("additionalData") or [],  # PHP's empty array
    }


def _listing(rows: list[sqlite3.Row]) -> Json:
    return ok(repository.listing([render_short(r) for r in rows]))


def _check_type(entity_type: str) -> None:
    """400 unless the path's type can be a type name (a letter, then letters, digits,
    `_`, `.`, `-`; at most 100). A well-formed type nothing has is simply empty."""
    if not ids.is_entity_type(entity_type):
        raise fail(400, "invalid_value", "customEntityType")


def _entity(
    db: sqlite3.Connection, org: sqlite3.Row, entity_type: str, entity_id: str
) -> sqlite3.Row:
    """The organization's entity of this type: 400 for a malformed id, 404 for an
    unknown one or one of another type (as if it did not exist)."""
    row = repository.owned(db, "custom_entity", entity_id, org, "customEntityId", ids.CUSTOM_ENTITY)
    if row["type"] != entity_type:
        raise fail(404, "not_found", "customEntityId")
    return row


def _typed_request(org_id: str, entity_type: str) -> tuple[sqlite3.Connection, sqlite3.Row]:
    """`org_request`, then the type's check."""
    db, org = org_request(org_id)
    _check_type(entity_type)
    return db, org


@bp.get(f"{TYPED}/list")
def entity_list(org_id: str, entity_type: str) -> Json:
    db, org = _typed_request(org_id, entity_type)
    rows = db.execute(
        "SELECT * FROM custom_entity WHERE organization_rowid = ? AND type = ? ORDER BY position",
        (org["rowid"], entity_type),
    ).fetchall()
    return _listing(rows)


@bp.get(f"{TYPED}/<entity_id>/show")
def entity_show(org_id: str, entity_type: str, entity_id: str) -> Json:
    db, org = _typed_request(org_id, entity_type)
    return ok(render_entity(_entity(db, org, entity_type, entity_id)))


@bp.get(f"{TYPED}/<custom_id>/identify")
def entity_identify(org_id: str, entity_type: str, custom_id: str) -> Json:
    db, org = _typed_request(org_id, entity_type)
    if len(custom_id) > 100:
        raise fail(400, "too_long", "customId")
    row = db.execute(
        "SELECT * FROM custom_entity WHERE organization_rowid = ? AND type = ? AND custom_id = ?",
        (org["rowid"], entity_type, custom_id),
    ).fetchone()
    if row is None:
        raise fail(404, "not_found", "customId")
    return ok(render_entity(row))


@bp.post(f"{TYPED}/add")
def entity_add(org_id: str, entity_type: str) -> Json:
    """A new entity of this type. A customId is unique per organization and type (the
    sandbox's choice: `identify` answers one entity), a repeat is 409 `customId`."""
    db, org = _typed_request(org_id, entity_type)
    body = load(CustomEntityAddSchema(), json_body())
    custom_id = body.get("customId") or None
    document = {
        "id": ids.new_id(ids.CUSTOM_ENTITY),
        "customId": custom_id,
        "type": entity_type,
        "name": body["name"],
        "nameI18nList": [],
        "description": "",
        "descriptionI18nList": [],
        "image": None,
        "additionalData": {},
    }
    with store().transaction() as tx:
        taken = tx.execute(
            "SELECT 1 FROM custom_entity"
            " WHERE organization_rowid = ? AND type = ? AND custom_id = ?",
            (org["rowid"], entity_type, custom_id),
        ).fetchone()
        if taken:  # never for a body without customId: NULL equals nothing
            raise fail(409, "invalid_value", "customId")
        (position,) = tx.execute(
            "SELECT COALESCE(MAX(position) + 1, 0) FROM custom_entity WHERE organization_rowid = ?",
            (org["rowid"],),
        ).fetchone()
        tx.execute(
            "INSERT INTO custom_entity (id, custom_id, organization_rowid, position, data, type,"
            " parent_rowid) VALUES (?,?,?,?,?,?,NULL)",
            (document["id"], custom_id, org["rowid"], position, dumps(document), entity_type),
        )
    row = db.execute("SELECT * FROM custom_entity WHERE id = ?", (document["id"],)).fetchone()
    return ok(render_entity(row), 201)


# Entities tied to a template, a resource or an appointment ------------------------------
def _tied_to_template(db: sqlite3.Connection, template_rowid: int, entity_type: str) -> Json:
    rows = db.execute(
        "SELECT e.* FROM custom_entity e JOIN custom_entity_template ct"
        " ON ct.entity_rowid = e.rowid WHERE ct.template_rowid = ?"
        " AND e.type = ? ORDER BY e.position",
        (template_rowid, entity_type),
    ).fetchall()
    return _listing(rows)


@bp.get("/organization/<org_id>/bookingTemplate/<template_id>/customEntity/<entity_type>/list")
def template_entities(org_id: str, template_id: str, entity_type: str) -> Json:
    db, org = org_request(org_id)
    template = repository.owned(
        db, "booking_template", template_id, org, "bookingTemplateId", ids.BOOKING_TEMPLATE
    )
    _check_type(entity_type)
    return _tied_to_template(db, template["rowid"], entity_type)


@bp.get("/organization/<org_id>/bookingResource/<resource_id>/customEntity/<entity_type>/list")
def resource_entities(org_id: str, resource_id: str, entity_type: str) -> Json:
    db, org = org_request(org_id)
    resource = repository.owned(
        db, "booking_resource", resource_id, org, "bookingResourceId", ids.BOOKING_RESOURCE
    )
    _check_type(entity_type)
    rows = db.execute(
        "SELECT e.* FROM custom_entity e JOIN custom_entity_resource cr"
        " ON cr.entity_rowid = e.rowid WHERE cr.resource_rowid = ?"
        " AND e.type = ? ORDER BY e.position",
        (resource["rowid"], entity_type),
    ).fetchall()
    return _listing(rows)


@bp.get("/organization/<org_id>/appointment/<appointment_id>/customEntity/<entity_type>/list")
def appointment_entities(org_id: str, appointment_id: str, entity_type: str) -> Json:
    """An appointment's entities are its service's (the sandbox's choice: it records no
    entity of its own on an appointment); a cancelled appointment keeps them."""
    db, org = org_request(org_id)
    if not ids.is_valid_id(appointment_id, *APPOINTMENT_PREFIXES):
        raise fail(400, "invalid_id", "appointmentId")
    appointment = db.execute(
        "SELECT template_rowid FROM appointment WHERE id = ? AND organization_rowid = ?",
        (appointment_id, org["rowid"]),
    ).fetchone()
    if appointment is None:
        raise fail(404, "not_found", "appointmentId")
    _check_type(entity_type)
    return _tied_to_template(db, appointment["template_rowid"], entity_type)


# What an entity is tied to ---------------------------------------------------------------
@bp.get(f"{TYPED}/<entity_id>/bookingTemplate/list")
def entity_templates(org_id: str, entity_type: str, entity_id: str) -> Json:
    """The services tied to the entity, in service order."""
    db, org = _typed_request(org_id, entity_type)
    entity = _entity(db, org, entity_type, entity_id)
    rows = db.execute(
        "SELECT t.* FROM booking_template t JOIN custom_entity_template ct"
        " ON ct.template_rowid = t.rowid WHERE ct.entity_rowid = ? ORDER BY t.position",
        (entity["rowid"],),
    ).fetchall()
    return ok(repository.listing([repository.render_template(db, r) for r in rows]))


@bp.get(f"{TYPED}/<entity_id>/bookingResource/list")
def entity_resources(org_id: str, entity_type: str, entity_id: str) -> Json:
    """The resources tied to the entity, in resource order."""
    db, org = _typed_request(org_id, entity_type)
    entity = _entity(db, org, entity_type, entity_id)
    rows = db.execute(
        "SELECT r.* FROM booking_resource r JOIN custom_entity_resource cr"
        " ON cr.resource_rowid = r.rowid WHERE cr.entity_rowid = ? ORDER BY r.rowid",
        (entity["rowid"],),
    ).fetchall()
    return ok(repository.listing([repository.render_resource(r) for r in rows]))


@bp.get(f"{ROOT}/<entity_id>/customEntity/<entity_type>/list")
def entity_children(org_id: str, entity_id: str, entity_type: str) -> Json:
    """The entities of this type under an entity (of any type): those whose parent it
    is. The demo seed has none."""
    db, org = org_request(org_id)
    parent = repository.owned(
        db, "custom_entity", entity_id, org, "customEntityId", ids.CUSTOM_ENTITY
    )
    _check_type(entity_type)
    rows = db.execute(
        "SELECT * FROM custom_entity WHERE parent_rowid = ? AND type = ? ORDER BY position",
        (parent["rowid"], entity_type),
    ).fetchall()
    return _listing(rows)
