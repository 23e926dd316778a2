"""Appointment routes: add, show, identify, move, cancel, and file uploads.

Every write checks availability and writes inside one exclusive transaction, so
two requests racing for the last free place can never both succeed.
"""

from __future__ import annotations

import base64
import binascii
import sqlite3
import time as wall
from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask import request

from booking_app.sandbox import ids, repository
from booking_app.sandbox.api import Json, bp, clock, org_request, store
from booking_app.sandbox.availability import is_slot_free
from booking_app.sandbox.behaviour import behaviour, sdk_appointment
from booking_app.sandbox.messages import ApiError, envelope, fail, message
from booking_app.sandbox.schemas import AppointmentAddSchema, FileAddSchema, MoveSchema, load
from booking_app.sandbox.slot_ids import SlotRef, decode_slot_id
from booking_app.sandbox.store import dumps, loads

MAX_FILE_BYTES = 5 * 1024 * 1024
APPOINTMENT_PREFIXES = (ids.APPOINTMENT, ids.EVENT_ATTENDANCE)
# Where a further appointment with a customId already taken keeps it
# (`repeated_custom_id=accepted`): the `custom_id` column is unique per organization.
REPEATED_CUSTOM_ID = "repeatedCustomId"


def json_body() -> dict[str, Any]:
    """The request's JSON object, or 400."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested too deeply for the parser: still just bad JSON
        body = None
    if body is None:
        raise fail(400, "invalid_json")
    if not isinstance(body, dict):
        raise fail(400, "body_not_object")
    return body


def _done(key: str, content: Any, status: int = 200) -> Json:
    from flask import g

    return envelope(content, [message(key, g.lang, kind="success")]), status


def _slot(db: sqlite3.Connection, org: sqlite3.Row, slot_id: str) -> tuple[SlotRef, sqlite3.Row]:
    ref = decode_slot_id(slot_id, store().slot_key)
    if ref is None:
        raise fail(400, "slot_invalid", "bookingSlotId")
    template = db.execute(
        "SELECT * FROM booking_template WHERE rowid = ? AND organization_rowid = ?",
        (ref.template_rowid, org["rowid"]),
    ).fetchone()
    if template is None:
        raise fail(400, "slot_invalid", "bookingSlotId")
    return ref, template


def _check_free(
    db: sqlite3.Connection, org: sqlite3.Row, template: sqlite3.Row, ref: SlotRef, exclude: int = 0
) -> None:
    """Refused (409, or the `taken_slot` switch's status) unless the slot can be booked
    right now (call inside the transaction)."""
    tz = repository.org_zone(org)
    rules = repository.template_rules(db, template)
    if len(ref.resource_rowids) != len(rules.step_resources):
        raise fail(400, "slot_invalid", "bookingSlotId")
    resources = repository.resources(db, rules)
    day_start = datetime.combine(ref.start.astimezone(tz).date(), time(), tz) - timedelta(days=1)
    day_end = day_start + timedelta(days=3)
    busy = repository.busy(db, set(resources), day_start, day_end, exclude)
    seats = repository.seats_taken(db, rules.rowid, day_start, day_end, exclude)
    now = clock().now()
    if not is_slot_free(rules, resources, busy, seats, tz, ref.start, ref.resource_rowids, now):
        raise fail(behaviour().taken_slot_status, "slot_taken", "bookingSlotId")


def _required_customer_fields(template: sqlite3.Row, customer: dict[str, Any]) -> None:
    flags = loads(template["data"])
    missing: list[tuple[str | None, str]] = []
    for flag, name in (
        ("customerEmailRequired", "email"),
        ("customerMobileRequired", "mobile"),
        ("customerAddressRequired", "address"),
    ):
        if flags.get(flag) and not customer.get(name):
            missing.append((f"customer.{name}", "missing"))
    if missing:
        raise ApiError(400, missing)


@bp.post("/organization/<org_id>/appointment/add")
def appointment_add(org_id: str) -> Json:
    db, org = org_request(org_id)
    body = load(AppointmentAddSchema(), json_body())
    ref, template = _slot(db, org, body["bookingSlotId"])
    customer = body["customer"]
    _required_customer_fields(template, customer)
    if loads(template["data"]).get("appointmentAddressRequired") and not body.get("address"):
        raise fail(400, "missing", "address")
    custom_id = body.get("customId") or None
    course = int(template["seats"]) > 1
    duration = int(loads(template["data"])["duration"])
    switches = behaviour()
    with store().transaction() as tx:
        repeated = bool(
            custom_id
            and tx.execute(
                "SELECT 1 FROM appointment WHERE organization_rowid = ? AND custom_id = ?",
                (org["rowid"], custom_id),
            ).fetchone()
        )
        if repeated and switches.repeated_custom_id == "refused":
            raise fail(409, "custom_id_taken", "customId")
        _check_free(tx, org, template, ref)
        start = int(ref.start.timestamp())
        data: dict[str, Any] = {
            "customer": {**_jsonable(customer), "id": ids.new_id(ids.CUSTOMER)},
            "notes": body.get("notes") or "",
            "address": _jsonable(body.get("address")),
            "additionalData": body.get("additionalData") or {},
        }
        if repeated:
            # The column is unique per organization: a repeat keeps its customId here.
            data[REPEATED_CUSTOM_ID] = custom_id
        appointment_id = ids.new_id(ids.EVENT_ATTENDANCE if course else ids.APPOINTMENT)
        rowid = tx.execute(
            "INSERT INTO appointment (id, custom_id, organization_rowid, template_rowid, start,"
            " end, data, created) VALUES (?,?,?,?,?,?,?,?)",
            (
                appointment_id,
                None if repeated else custom_id,
                org["rowid"],
                template["rowid"],
                start,
                start + duration * 60,
                dumps(data),
                int(wall.time()),
            ),
        ).lastrowid
        tx.executemany(
            "INSERT INTO appointment_resource (appointment_rowid, resource_rowid, position)"
            " VALUES (?,?,?)",
            [(rowid, r, i) for i, r in enumerate(ref.resource_rowids)],
        )
        row = tx.execute("SELECT * FROM appointment WHERE rowid = ?", (rowid,)).fetchone()
        content = render(tx, row, protected=True)
    if switches.add_answer == "id":
        content = {"id": content["id"]}
    elif switches.add_answer == "sdk":
        content = sdk_appointment(content)
    return _done("appointment_added", content, 201)


def render(db: sqlite3.Connection, row: sqlite3.Row, protected: bool) -> dict[str, Any]:
    """An APPOINTMENT as the API shows it, with its customId also when it is a repeat."""
    content = repository.render_appointment(db, row, protected=protected)
    if row["custom_id"] is None:
        repeated = loads(row["data"]).get(REPEATED_CUSTOM_ID)
        if repeated:
            content["customId"] = repeated
    return content


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _appointment(db: sqlite3.Connection, org: sqlite3.Row, appointment_id: str) -> sqlite3.Row:
    if not ids.is_valid_id(appointment_id, *APPOINTMENT_PREFIXES):
        raise fail(400, "invalid_id", "appointmentId")
    row = db.execute(
        "SELECT * FROM appointment WHERE id = ? AND organization_rowid = ?",
        (appointment_id, org["rowid"]),
    ).fetchone()
    if row is None:
        raise fail(404, "not_found", "appointmentId")
    return row  # type: ignore[no-any-return]


@bp.get("/organization/<org_id>/appointment/<appointment_id>/show")
def appointment_show(org_id: str, appointment_id: str) -> Json:
    db, org = org_request(org_id)
    row = _appointment(db, org, appointment_id)
    return envelope(render(db, row, protected=False)), 200


@bp.get("/organization/<org_id>/appointment/<appointment_id>/showProtected")
def appointment_show_protected(org_id: str, appointment_id: str) -> Json:
    db, org = org_request(org_id)
    row = _appointment(db, org, appointment_id)
    return envelope(render(db, row, protected=True)), 200


@bp.get("/organization/<org_id>/appointment/<custom_id>/identify")
def appointment_identify(org_id: str, custom_id: str) -> Json:
    db, org = org_request(org_id)
    if len(custom_id) > 100:
        raise fail(400, "too_long", "customId")
    switches = behaviour()
    rows = db.execute(
        "SELECT * FROM appointment WHERE organization_rowid = ?"
        " AND (custom_id = ? OR (custom_id IS NULL AND json_extract(data, ?) = ?))"
        " ORDER BY rowid DESC",
        (org["rowid"], custom_id, f"$.{REPEATED_CUSTOM_ID}", custom_id),
    ).fetchall()  # newest first
    if switches.identify_cancelled == "hidden":
        rows = [r for r in rows if not r["canceled"]]
    if not rows:
        raise fail(404, "not_found", "customId")
    if switches.identify == "list":
        return envelope(repository.listing([render(db, r, protected=True) for r in rows])), 200
    row = next((r for r in rows if not r["canceled"]), rows[0])
    return envelope(render(db, row, protected=True)), 200


def _changeable(row: sqlite3.Row) -> None:
    if row["canceled"]:
        raise fail(409, "already_canceled", "appointmentId")
    if datetime.fromtimestamp(row["start"], UTC) <= clock().now():
        raise fail(400, "already_started", "appointmentId")


@bp.put("/organization/<org_id>/appointment/<appointment_id>/move")
def appointment_move(org_id: str, appointment_id: str) -> Json:
    db, org = org_request(org_id)
    _appointment(db, org, appointment_id)
    body = load(MoveSchema(), json_body())
    ref, template = _slot(db, org, body["bookingSlotId"])
    with store().transaction() as tx:
        row = _appointment(tx, org, appointment_id)
        _changeable(row)
        if template["rowid"] != row["template_rowid"]:
            raise fail(400, "slot_other_template", "bookingSlotId")
        _check_free(tx, org, template, ref, exclude=row["rowid"])
        start = int(ref.start.timestamp())
        tx.execute(
            "UPDATE appointment SET start = ?, end = ?, moved = 1 WHERE rowid = ?",
            (start, start + (row["end"] - row["start"]), row["rowid"]),
        )
        tx.execute("DELETE FROM appointment_resource WHERE appointment_rowid = ?", (row["rowid"],))
        tx.executemany(
            "INSERT INTO appointment_resource (appointment_rowid, resource_rowid, position)"
            " VALUES (?,?,?)",
            [(row["rowid"], r, i) for i, r in enumerate(ref.resource_rowids)],
        )
        fresh = tx.execute("SELECT * FROM appointment WHERE rowid = ?", (row["rowid"],)).fetchone()
        content = render(tx, fresh, protected=True)
    return _done("appointment_moved", content)


@bp.put("/organization/<org_id>/appointment/<appointment_id>/cancel")
def appointment_cancel(org_id: str, appointment_id: str) -> Json:
    db, org = org_request(org_id)
    _appointment(db, org, appointment_id)
    with store().transaction() as tx:
        row = _appointment(tx, org, appointment_id)
        _changeable(row)
        tx.execute("UPDATE appointment SET canceled = 1 WHERE rowid = ?", (row["rowid"],))
        fresh = tx.execute("SELECT * FROM appointment WHERE rowid = ?", (row["rowid"],)).fetchone()
        content = render(tx, fresh, protected=True)
    return _done("appointment_canceled", content)


@bp.post("/organization/<org_id>/file/add")
def file_add(org_id: str) -> Json:
    db, org = org_request(org_id)
    body = load(FileAddSchema(), json_body())
    appointment = _appointment(db, org, body["appointmentId"])
    try:
        content = base64.b64decode(body["fileContent"], validate=True)
    except (binascii.Error, ValueError):
        raise fail(400, "invalid_base64", "fileContent") from None
    if len(content) > MAX_FILE_BYTES:
        raise fail(400, "file_too_large", "fileContent")
    file_id = ids.new_id(ids.FILE)
    with store().transaction() as tx:
        tx.execute(
            "INSERT INTO file (id, custom_id, organization_rowid, appointment_rowid, name,"
            " file_name, size, content, created) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                file_id,
                body.get("customId") or None,
                org["rowid"],
                appointment["rowid"],
                body["name"],
                body["fileName"],
                len(content),
                content,
                int(wall.time()),
            ),
        )
    return _done(
        "file_added",
        {
            "class": "FILE",
            "id": file_id,
            "customId": body.get("customId") or None,
            "name": body["name"],
            "fileName": body["fileName"],
            "size": len(content),
            "appointmentId": appointment["id"],
        },
        201,
    )
