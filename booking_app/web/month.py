"""The date-first view: a month grid of days, in the customer's time zone, that marks
which days have free times, and the chosen day's times in one column.

The grid is a server-rendered table of links (`?day=2026-12-04`), so it works without
JavaScript; widget.js only swaps the page in place. Its days are the customer's days:
a business's evening time may be the next morning in Tokyo, so a customer's month can
draw on two of the business's months (`month_slots`), each one cached `listMonth`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_skeleton
from flask import abort

from booking_app import clock
from booking_app.moduleapi import ModuleApiError, models
from booking_app.web.dates import day_label
from booking_app.web.i18n import _, ngettext
from booking_app.web.lookup import get_client
from booking_app.web.slot_choice import bookable, bookable_days, offered

MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")  # ASCII digits: \d takes any script's
DAY = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")

# What a day of the grid is, as the page tells them apart (class and words).
FREE, FULL, NONE, PAST, LATER = "free", "full", "none", "past", "later"


@dataclass(frozen=True)
class DayCell:
    """One day of the month grid."""

    day: date
    state: str  # FREE, FULL (only fully booked dates), NONE, PAST, LATER (not bookable yet)
    free: int  # free times that day
    label: str  # what a screen reader says: the full date and its state

    @property
    def iso(self) -> str:
        """`2026-12-04`: the day's query value."""
        return self.day.isoformat()


@dataclass(frozen=True)
class MonthView:
    """A month of the grid: its weeks (None pads the days of other months)."""

    title: str  # "December 2026"
    weekdays: tuple[tuple[str, str], ...]  # (short, full) names, from the locale's first day
    weeks: tuple[tuple[DayCell | None, ...], ...]
    previous: str | None  # "2026-11", when bookable
    next: str | None

    @property
    def first_free(self) -> DayCell | None:
        """The month's first day with a free time."""
        return next((c for week in self.weeks for c in week if c and c.state == FREE), None)


def month_key(year: int, month: int) -> str:
    """`2026-12`."""
    return f"{year:04d}-{month:02d}"


def _shift(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + by
    return index // 12, index % 12 + 1


def day_param(value: str | None) -> date | None:
    """The day asked for (`2026-12-04`), None when none is; 404 on a malformed one."""
    if not value:
        return None
    match = DAY.match(value)
    if not match:
        abort(404)
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        abort(404)


def month_param(value: str | None) -> tuple[int, int] | None:
    """The month asked for (`2026-12`), None when none is; 404 on a malformed one."""
    if not value:
        return None
    match = MONTH.match(value)
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1:
        abort(404)
    return int(match[1]), int(match[2])


@dataclass(frozen=True)
class Bookable:
    """The bookable range (the business's today .. Dec 31 next year) in the customer's
    zone: its first and last day there, and the months between."""

    first_day: date
    last_day: date
    today: date  # the customer's today: the days before it are past

    @classmethod
    def of(cls, today: date, last_day: date, org_zone: ZoneInfo, zone: ZoneInfo) -> Bookable:
        """From the business's first and last bookable day."""
        start = datetime.combine(today, time(), org_zone).astimezone(zone)
        end = datetime.combine(last_day + timedelta(days=1), time(), org_zone)
        last = (end - timedelta(seconds=1)).astimezone(zone).date()
        return cls(start.date(), last, clock.today(zone))

    def has_month(self, year: int, month: int) -> bool:
        """Whether any of the month's days is bookable."""
        first, last = self.first_day, self.last_day
        return (first.year, first.month) <= (year, month) <= (last.year, last.month)


def month_slots(
    org_id: str,
    template_id: str,
    *,
    year: int,
    month: int,
    zone: ZoneInfo,
    org_zone: ZoneInfo,
    org_range: tuple[date, date],
    lang: str,
) -> list[models.BookingSlot]:
    """The slots of the business's months that the customer's month overlaps (one or
    two `listMonth`, cached; never a month outside the bookable `org_range`). Raises
    ModuleApiError when the upstream cannot answer."""
    first = datetime.combine(date(year, month, 1), time(), zone)
    next_year, next_month = _shift(year, month, 1)
    last = datetime.combine(date(next_year, next_month, 1), time(), zone) - timedelta(seconds=1)
    lo, hi = first.astimezone(org_zone).date(), last.astimezone(org_zone).date()
    start, end = org_range
    months = sorted({(lo.year, lo.month), (hi.year, hi.month)})
    found: list[models.BookingSlot] = []
    for y, m in months:
        if (start.year, start.month) <= (y, m) <= (end.year, end.month):
            found.extend(get_client().list_month(org_id, template_id, y, m, lang=lang).slots)
    return [s for s in found if first <= s.start <= last]


@lru_cache(maxsize=16)
def _weekdays(lang: str) -> tuple[int, tuple[tuple[str, str], ...]]:
    locale = Locale.parse(lang)
    first = int(locale.first_week_day)
    names = tuple(
        (
            str(locale.days["format"]["abbreviated"][(first + i) % 7]),
            str(locale.days["format"]["wide"][(first + i) % 7]),
        )
        for i in range(7)
    )
    return first, names


def _state_words(state: str, free: int) -> str:
    if state == FREE:
        return ngettext("%(num)d free time", "%(num)d free times", free)
    return {
        FULL: _("fully booked"),
        NONE: _("no free times"),
        PAST: _("past"),
        LATER: _("not bookable yet"),
    }[state]


def month_view(
    year: int,
    month: int,
    slots: Iterable[models.BookingSlot],
    *,
    zone: ZoneInfo,
    lang: str,
    span: Bookable,
    staff: str = "",
    allowed: frozenset[str] | None = None,
) -> MonthView:
    """The grid of `year`-`month` in `zone`, each day marked from `slots` (those of
    `staff` / the `allowed` resources only)."""
    free: dict[date, set[datetime]] = {}
    listed: set[date] = set()
    for slot in slots:
        if not offered(slot, staff, allowed):
            continue
        day = slot.start.astimezone(zone).date()
        listed.add(day)
        if bookable(slot):
            free.setdefault(day, set()).add(slot.start)
    first_weekday, names = _weekdays(lang)
    first = date(year, month, 1)
    pad = (first.weekday() - first_weekday) % 7
    cells: list[DayCell | None] = [None] * pad
    day = first
    while day.month == month:
        count = len(free.get(day, ()))
        if day < span.today:
            state = PAST
        elif day > span.last_day:
            state = LATER
        elif count:
            state = FREE
        elif day in listed:
            state = FULL
        else:
            state = NONE
        label = f"{day_label(day, lang)}: {_state_words(state, count)}"
        cells.append(DayCell(day, state, count, label))
        day += timedelta(days=1)
    cells.extend([None] * (-len(cells) % 7))
    previous, following = _shift(year, month, -1), _shift(year, month, 1)
    return MonthView(
        title=format_skeleton("yMMMM", first, locale=lang),
        weekdays=names,
        weeks=tuple(tuple(cells[i : i + 7]) for i in range(0, len(cells), 7)),
        previous=month_key(*previous) if span.has_month(*previous) else None,
        next=month_key(*following) if span.has_month(*following) else None,
    )


def next_free_day(
    org_id: str,
    template_id: str,
    after: datetime,
    *,
    zone: ZoneInfo,
    org_zone: ZoneInfo,
    staff: str,
    lang: str,
) -> date | None:
    """The first day after `after`'s (in `zone`) with a free time of `staff`, from the
    cached lists of `after`'s month and the next (in the business's zone, within the
    bookable range); None when they have none or the upstream cannot say."""
    local = after.astimezone(org_zone)
    _today, last_day = bookable_days(org_zone)
    day = after.astimezone(zone).date()
    for year, month in ((local.year, local.month), _shift(local.year, local.month, 1)):
        if (year, month) > (last_day.year, last_day.month):
            break
        try:
            found = get_client().list_month(org_id, template_id, year, month, lang=lang)
        except ModuleApiError:
            return None
        later = [
            s.start.astimezone(zone).date()
            for s in found.slots
            if bookable(s) and offered(s, staff) and s.start.astimezone(zone).date() > day
        ]
        if later:
            return min(later)
    return None
