"""A free time and the slot behind it: the short value a week view's button sends,
and the slot found again when the customer chooses it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_time as babel_format_time
from flask import abort

from booking_app import clock
from booking_app.moduleapi import ModuleApiError, models
from booking_app.web.lookup import get_client, unavailable
from booking_app.web.timezones import business_zone


@lru_cache(maxsize=4096)
def _short_time(hour: int, minute: int, locale: str) -> str:
    return babel_format_time(time(hour, minute), format="short", locale=locale)


def format_time(moment: datetime, format: str = "short", locale: str = "en") -> str:
    """babel's `format_time`, cached for short labels. A short time shows only hour and
    minute, and babel takes ~60 µs per call: half the week view's work, with hundreds
    of times in a week, before this cache (bench/README.md)."""
    if format != "short":
        return babel_format_time(moment, format=format, locale=locale)
    return _short_time(moment.hour, moment.minute, locale)


@dataclass(frozen=True)
class SlotChoice:
    """A free time the customer can pick."""

    slot_id: str
    start: datetime
    label: str
    seats_total: int | None = None  # courses only
    seats_left: int | None = None

    @property
    def full(self) -> bool:
        """A course date with no seat left (listed, not bookable)."""
        return self.seats_left is not None and self.seats_left <= 0

    @property
    def value(self) -> str:
        """What the week view's button sends: the start, short (`encode_start`), because
        a busy week has hundreds of buttons. The slot id is found again from the cached
        week when a time is chosen (`find_slot`), not repeated in every button."""
        return encode_start(self.start)

    @property
    def start_iso(self) -> str:
        """The start as ISO 8601."""
        return self.start.isoformat()


HEX_DIGITS = frozenset("0123456789abcdef")


def encode_start(start: datetime) -> str:
    """A start time as minutes since the Unix epoch in hexadecimal (`1c8a9c6`): short,
    and formatted by C code, for the hundreds of buttons of a busy week."""
    return format(int(start.timestamp()) // 60, "x")


def decode_start(value: str) -> datetime | None:
    """The start `encode_start` made, or None for anything else."""
    if not 1 <= len(value) <= 8 or not HEX_DIGITS.issuperset(value):
        return None
    try:
        return datetime.fromtimestamp(int(value, 16) * 60, UTC)
    except (OverflowError, OSError, ValueError):  # past the year 9999
        return None


def offered(
    slot: models.BookingSlot, staff: str = "", allowed: frozenset[str] | None = None
) -> bool:
    """Whether the week view offers `slot` for this staff choice and these `allowed`
    resources (a custom entity's)."""
    if staff and staff not in slot.resource_ids:
        return False
    return allowed is None or not allowed.isdisjoint(slot.resource_ids)


def bookable(slot: models.BookingSlot) -> bool:
    """Not a fully booked course date."""
    return slot.seats_left is None or slot.seats_left > 0


def find_slot(
    org_id: str,
    template_id: str,
    start: datetime,
    org_zone: ZoneInfo,
    lang: str,
    *,
    staff: str = "",
    allowed: frozenset[str] | None = None,
) -> models.BookingSlot | None:
    """A bookable slot starting at `start` (with `staff`, or one of the `allowed`
    resources, when given), from the month's (cached) slot list; None when there is none
    any more. Raises ModuleApiError when the upstream cannot answer. The month's list:
    the one the date-first view has just shown (and cached)."""
    local = start.astimezone(org_zone)
    found = get_client().list_month(org_id, template_id, local.year, local.month, lang=lang)
    for slot in found.slots:
        if slot.start == start and bookable(slot) and offered(slot, staff, allowed):
            return slot
    return None


def bookable_days(org_zone: ZoneInfo) -> tuple[date, date]:
    """Today and the last bookable day in the business's zone: the API serves the
    current and the next year only, so the range jumps at local midnight on Jan 1."""
    today = clock.today(org_zone)
    return today, date(today.year + 1, 12, 31)


def chosen_time(value: str) -> datetime:
    """The start a week view's button sent (`encode_start`), or 404."""
    start = decode_start(value)
    if start is None:
        abort(404)
    return start


def chosen_slot(
    lang: str,
    org_id: str,
    template: models.BookingTemplate,
    org_time_zone: str,
    start: datetime,
    *,
    staff: str = "",
    allowed: frozenset[str] | None = None,
) -> models.BookingSlot | None:
    """The bookable slot at `start` (with `staff`, among the `allowed` resources when
    given, e.g. a custom entity's); None when that time is no longer free, 503 when the
    upstream cannot say; 404 for a start outside the weeks the week view offers (the
    upstream would refuse to list them)."""
    today, last = bookable_days(business_zone(org_time_zone))
    day = start.astimezone(business_zone(org_time_zone)).date()
    if not today - timedelta(days=today.weekday()) <= day <= last:
        abort(404)
    try:
        return find_slot(
            org_id,
            template.id,
            start,
            business_zone(org_time_zone),
            lang,
            staff=staff,
            allowed=allowed,
        )
    except ModuleApiError:
        unavailable()
