"""Reading entities from the store and shaping them as the API shows them."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from booking_app.sandbox import ids
from booking_app.sandbox.availability import (
    Busy,
    Resource,
    Slot,
    TemplateRules,
    WorkingInterval,
)
from booking_app.sandbox.messages import fail
from booking_app.sandbox.slot_ids import SlotRef, encode_slot_id
from booking_app.sandbox.store import loads


def check_id(value: str, prefix: str, parameter: str) -> None:
    """400 when `value` is not a well-formed id of this entity."""
    if not ids.is_valid_id(value, prefix):
        raise fail(400, "invalid_id", parameter)


def organization(db: sqlite3.Connection, org_id: str) -> sqlite3.Row:
    """The organization row, or 404."""
    check_id(org_id, ids.ORGANIZATION, "organizationId")
    row = db.execute("SELECT * FROM organization WHERE id = ?", (org_id,)).fetchone()
    if row is None:
        raise fail(404, "not_found", "organizationId")
    return row  # type: ignore[no-any-return]


def render_organization(db: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
    """An ORGANIZATION as the API shows it."""
    data: dict[str, Any] = {"class": "ORGANIZATION", **loads(row["data"])}
    parent = None
    if row["parent_rowid"] is not None:
        parent = db.execute(
            "SELECT id FROM organization WHERE rowid = ?", (row["parent_rowid"],)
        ).fetchone()["id"]
    data["parentId"] = parent
    return data


def owned(
    db: sqlite3.Connection,
    table: str,
    entity_id: str,
    org: sqlite3.Row,
    parameter: str,
    prefix: str,
) -> sqlite3.Row:
    """A row of `table` that belongs to `org`, or 400 / 404."""
    check_id(entity_id, prefix, parameter)
    row = db.execute(
        f"SELECT * FROM {table} WHERE id = ? AND organization_rowid = ?",  # noqa: S608
        (entity_id, org["rowid"]),
    ).fetchone()
    if row is None:
        raise fail(404, "not_found", parameter)
    return row  # type: ignore[no-any-return]


def render_resource(row: sqlite3.Row) -> dict[str, Any]:
    """A BOOKING_RESOURCE as the API shows it."""
    return {"class": "BOOKING_RESOURCE", **loads(row["data"])}


def render_template(db: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
    """A BOOKING_TEMPLATE with its steps and their resources."""
    data: dict[str, Any] = {"class": "BOOKING_TEMPLATE", **loads(row["data"])}
    steps = []
    for step in db.execute(
        "SELECT * FROM booking_step WHERE template_rowid = ? ORDER BY position", (row["rowid"],)
    ):
        resources = db.execute(
            "SELECT r.* FROM step_resource s JOIN booking_resource r ON r.rowid = s.resource_rowid"
            " WHERE s.step_rowid = ? ORDER BY s.position",
            (step["rowid"],),
        ).fetchall()
        steps.append(
            {
                "class": "BOOKING_STEP",
                **loads(step["data"]),
                "bookingResourceList": [render_resource(r) for r in resources],
            }
        )
    data["bookingStepList"] = steps
    return data


def listing(records: list[Any]) -> dict[str, Any]:
    """A LIST collection."""
    return {
        "class": "LIST",
        "recordTotal": len(records),
        "recordLimit": 9999,
        "recordList": records,
    }


def template_rules(db: sqlite3.Connection, row: sqlite3.Row) -> TemplateRules:
    """The availability rules of a template row."""
    data = loads(row["data"])
    steps: list[tuple[int, ...]] = []
    for step in db.execute(
        "SELECT rowid FROM booking_step WHERE template_rowid = ? ORDER BY position", (row["rowid"],)
    ):
        members = db.execute(
            "SELECT resource_rowid FROM step_resource WHERE step_rowid = ? ORDER BY position",
            (step["rowid"],),
        ).fetchall()
        steps.append(tuple(m[0] for m in members))
    return TemplateRules(
        rowid=row["rowid"],
        duration_min=int(data["duration"]),
        slot_step_min=int(row["slot_step"]),
        lead_time_min=int(data["bookingLeadTime"]),
        day_earliest=int(data["bookingDayEarliest"]),
        day_latest=int(data["bookingDayLatest"]),
        step_resources=tuple(steps),
        seats=int(row["seats"]),
        course_times=tuple((int(d), time.fromisoformat(t)) for d, t in loads(row["course_times"])),
    )


def resources(db: sqlite3.Connection, rules: TemplateRules) -> dict[int, Resource]:
    """The engine's view of every resource a template can use."""
    wanted = sorted({r for step in rules.step_resources for r in step})
    out: dict[int, Resource] = {}
    for rowid in wanted:
        row = db.execute("SELECT hours FROM booking_resource WHERE rowid = ?", (rowid,)).fetchone()
        out[rowid] = Resource(
            rowid=rowid,
            hours=tuple(
                WorkingInterval(int(d), time.fromisoformat(a), time.fromisoformat(b))
                for d, a, b in loads(row["hours"])
            ),
        )
    return out


def busy(
    db: sqlite3.Connection,
    resource_rowids: set[int],
    start: datetime,
    end: datetime,
    exclude: int = 0,
) -> list[Busy]:
    """Not-cancelled appointments (but `exclude`) on these resources overlapping [start, end)."""
    if not resource_rowids:
        return []
    marks = ",".join("?" * len(resource_rowids))  # only placeholders are interpolated
    sql = (
        "SELECT a.start, a.end, a.template_rowid, ar.resource_rowid FROM appointment a"  # noqa: S608
        " JOIN appointment_resource ar ON ar.appointment_rowid = a.rowid"
        " WHERE a.canceled = 0 AND a.rowid != ? AND a.start < ? AND a.end > ?"
        f" AND ar.resource_rowid IN ({marks})"
    )
    rows = db.execute(
        sql,
        (exclude, int(end.timestamp()), int(start.timestamp()), *sorted(resource_rowids)),
    ).fetchall()
    return [
        Busy(
            resource_rowid=r["resource_rowid"],
            start=datetime.fromtimestamp(r["start"], UTC),
            end=datetime.fromtimestamp(r["end"], UTC),
            template_rowid=r["template_rowid"],
        )
        for r in rows
    ]


def seats_taken(
    db: sqlite3.Connection, template_rowid: int, start: datetime, end: datetime, exclude: int = 0
) -> dict[datetime, int]:
    """Booked seats per course start between start and end (not counting `exclude`)."""
    rows = db.execute(
        "SELECT start, COUNT(*) AS n FROM appointment WHERE template_rowid = ? AND canceled = 0"
        " AND rowid != ? AND start >= ? AND start < ? GROUP BY start",
        (template_rowid, exclude, int(start.timestamp()), int(end.timestamp())),
    ).fetchall()
    return {datetime.fromtimestamp(r["start"], UTC): int(r["n"]) for r in rows}


def resource_ids(db: sqlite3.Connection, rowids: set[int]) -> dict[int, str]:
    """Public ids of resource rowids, in one query."""
    if not rowids:
        return {}
    marks = ",".join("?" * len(rowids))  # only placeholders are interpolated
    sql = f"SELECT rowid, id FROM booking_resource WHERE rowid IN ({marks})"  # noqa: S608
    return {r[0]: r[1] for r in db.execute(sql, sorted(rowids))}


def render_slot(slot: Slot, key: bytes, course: bool, names: dict[int, str]) -> dict[str, Any]:
    """A BOOKING_SLOT with its verifiable id; `names` maps resource rowids to ids."""
    ref = SlotRef(slot.template_rowid, slot.start, slot.resource_rowids)
    data: dict[str, Any] = {
        "class": "BOOKING_SLOT",
        "id": encode_slot_id(ref, key),
        "timestamp": iso_utc(slot.start),
        "bookingResourceCombination": [names[r] for r in slot.resource_rowids],
    }
    if course:
        data["seatsTotal"] = slot.seats_total
        data["seatsLeft"] = slot.seats_left
    return data


def iso_utc(moment: datetime) -> str:
    """`2026-03-30T07:00:00+00:00`."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def render_appointment(db: sqlite3.Connection, row: sqlite3.Row, protected: bool) -> dict[str, Any]:
    """An APPOINTMENT; the customer's personal data only when `protected`."""
    data = loads(row["data"])
    template = db.execute(
        "SELECT data FROM booking_template WHERE rowid = ?", (row["template_rowid"],)
    ).fetchone()
    tpl = loads(template["data"])
    org = db.execute(
        "SELECT id, time_zone FROM organization WHERE rowid = ?", (row["organization_rowid"],)
    ).fetchone()
    res = db.execute(
        "SELECT r.* FROM appointment_resource ar JOIN booking_resource r"
        " ON r.rowid = ar.resource_rowid WHERE ar.appointment_rowid = ? ORDER BY ar.position",
        (row["rowid"],),
    ).fetchall()
    files = db.execute(
        "SELECT id, custom_id, name, file_name, size FROM file WHERE appointment_rowid = ?",
        (row["rowid"],),
    ).fetchall()
    start = datetime.fromtimestamp(row["start"], UTC)
    end = datetime.fromtimestamp(row["end"], UTC)
    return {
        "class": "APPOINTMENT",
        "id": row["id"],
        "customId": row["custom_id"],
        "start": iso_utc(start),
        "end": iso_utc(end),
        "duration": (row["end"] - row["start"]) // 60,
        "timeZone": org["time_zone"],
        "protected": protected,
        "name": tpl["publicName"],
        "nameI18nList": tpl["publicNameI18nList"],
        "description": tpl["description"],
        "descriptionI18nList": tpl["descriptionI18nList"],
        "showPrice": tpl["showPrice"],
        "priceGross": tpl["priceGross"],
        "taxRate": tpl["taxRate"],
        "currency": tpl["currency"],
        "customer": data.get("customer") if protected else None,
        "notes": data.get("notes", ""),
        "address": data.get("address"),
        "additionalData": data.get("additionalData", {}),
        "canceled": bool(row["canceled"]),
        "moved": bool(row["moved"]),
        "bookingResourceList": [render_resource(r) for r in res],
        "fileList": [
            {
                "class": "FILE",
                "id": f["id"],
                "customId": f["custom_id"],
                "name": f["name"],
                "fileName": f["file_name"],
                "size": f["size"],
            }
            for f in files
        ],
        "organizationId": org["id"],
    }


def org_zone(row: sqlite3.Row) -> ZoneInfo:
    """The organization's time zone."""
    return ZoneInfo(row["time_zone"])


def search_text(row: sqlite3.Row) -> str:
    """What an organization search matches against: name, custom id and city."""
    data = loads(row["data"])
    address = data.get("address") or {}
    return " ".join(str(x) for x in (data.get("name"), data.get("customId"), address.get("city")))
