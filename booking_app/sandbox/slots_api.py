"""Slot routes: earliest, listDay, listWeek, listMonth of one booking template."""

from __future__ import annotations

import calendar
import sqlite3
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from booking_app.sandbox import ids, repository
from booking_app.sandbox.api import Json, bp, clock, ok, org_request, store
from booking_app.sandbox.availability import Slot, bookable_window, compute_slots
from booking_app.sandbox.messages import fail

SLOT_ROOT = "/organization/<org_id>/bookingTemplate/<template_id>/bookingSlot"


def _template(org_id: str, template_id: str) -> tuple[sqlite3.Connection, sqlite3.Row, sqlite3.Row]:
    db, org = org_request(org_id)
    row = repository.owned(
        db, "booking_template", template_id, org, "bookingTemplateId", ids.BOOKING_TEMPLATE
    )
    return db, org, row


def slots_between(
    db: sqlite3.Connection, org: sqlite3.Row, template: sqlite3.Row, first: date, last: date
) -> list[Slot]:
    """Free slots of `template` on the local days first … last (inclusive)."""
    tz = repository.org_zone(org)
    rules = repository.template_rules(db, template)
    resources = repository.resources(db, rules)
    start = datetime.combine(first - timedelta(days=1), time(), tz)
    end = datetime.combine(last + timedelta(days=2), time(), tz)
    busy = repository.busy(db, set(resources), start, end)
    seats = repository.seats_taken(db, rules.rowid, start, end) if rules.seats > 1 else {}
    return compute_slots(rules, resources, busy, seats, tz, first, last, clock().now())


def _range_list(
    db: sqlite3.Connection, org: sqlite3.Row, template: sqlite3.Row, first: date, last: date
) -> dict[str, Any]:
    tz = repository.org_zone(org)
    slots = slots_between(db, org, template, first, last)
    course = int(template["seats"]) > 1
    key = store().slot_key
    names = repository.resource_ids(db, {r for s in slots for r in s.resource_rowids})
    return {
        "class": "RANGE_LIST",
        "rangeStart": datetime.combine(first, time(), tz).isoformat(timespec="seconds"),
        "rangeEnd": datetime.combine(last, time(23, 59, 59), tz).isoformat(timespec="seconds"),
        "timeZone": tz.key,
        "list": [repository.render_slot(s, key, course, names) for s in slots],
    }


def _number(value: str, parameter: str) -> int:
    # ASCII only: str.isdigit() also accepts superscripts (int() then fails) and
    # full-width or Arabic-Indic digits.
    if not (value.isascii() and value.isdigit()) or len(value) > 4:
        raise fail(400, "invalid_type", parameter)
    return int(value)


def _year(value: str, tz: ZoneInfo) -> int:
    year = _number(value, "year")
    current = clock().now().astimezone(tz).year
    if year not in (current, current + 1):
        raise fail(400, "year_out_of_range", "year")
    return year


def _month(value: str) -> int:
    month = _number(value, "month")
    if not 1 <= month <= 12:
        raise fail(400, "month_out_of_range", "month")
    return month


@bp.get(f"{SLOT_ROOT}/year/<year>/month/<month>/day/<day>/listDay")
def list_day(org_id: str, template_id: str, year: str, month: str, day: str) -> Json:
    db, org, template = _template(org_id, template_id)
    y, m = _year(year, repository.org_zone(org)), _month(month)
    d = _number(day, "day")
    if not 1 <= d <= calendar.monthrange(y, m)[1]:
        raise fail(400, "day_out_of_range", "day")
    the_day = date(y, m, d)
    return ok(_range_list(db, org, template, the_day, the_day))


@bp.get(f"{SLOT_ROOT}/year/<year>/week/<week>/listWeek")
def list_week(org_id: str, template_id: str, year: str, week: str) -> Json:
    db, org, template = _template(org_id, template_id)
    tz = repository.org_zone(org)
    y, w = _number(year, "year"), _number(week, "week")
    current = clock().now().astimezone(tz).year
    # `year` is the ISO year: a week counts when one of its days is in the current
    # or the next calendar year (2026-W53 holds 2027-01-01, 2030-W01 2029-12-31).
    if not current - 1 <= y <= current + 2:
        raise fail(400, "year_out_of_range", "year")
    if not 1 <= w <= date(y, 12, 28).isocalendar().week:
        raise fail(400, "week_out_of_range", "week")
    monday = date.fromisocalendar(y, w, 1)
    sunday = monday + timedelta(days=6)
    if sunday.year < current or monday.year > current + 1:
        raise fail(400, "year_out_of_range", "year")
    return ok(_range_list(db, org, template, monday, sunday))


@bp.get(f"{SLOT_ROOT}/year/<year>/month/<month>/listMonth")
def list_month(org_id: str, template_id: str, year: str, month: str) -> Json:
    db, org, template = _template(org_id, template_id)
    y, m = _year(year, repository.org_zone(org)), _month(month)
    last = calendar.monthrange(y, m)[1]
    return ok(_range_list(db, org, template, date(y, m, 1), date(y, m, last)))


@bp.get(f"{SLOT_ROOT}/earliest")
def earliest(org_id: str, template_id: str) -> Json:
    db, org, template = _template(org_id, template_id)
    rules = repository.template_rules(db, template)
    window = bookable_window(rules, repository.org_zone(org), clock().now())
    if window is None:
        return ok(None)
    first, last = window
    while first <= last:
        chunk_end = min(first + timedelta(days=13), last)
        slots = [s for s in slots_between(db, org, template, first, chunk_end) if s.seats_left]
        if slots:
            names = repository.resource_ids(db, set(slots[0].resource_rowids))
            return ok(repository.render_slot(slots[0], store().slot_key, rules.seats > 1, names))
        first = chunk_end + timedelta(days=1)
    return ok(None)
