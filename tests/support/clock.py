"""The tests' "now" and "today": the widget's one clock, so tests, widget and sandbox agree.

`BOOKING_NOW=2026-12-31T23:20:00Z make test` runs the whole suite as of that instant:
the root conftest fixes `BOOKING_NOW_SINCE` once, every sandbox and widget process the
tests start inherits both, and this module reads the same clock. Dates that mean a
business day are the business's (the demo seed's zone, Europe/Berlin), never UTC's.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from booking_app import clock

BUSINESS_ZONE = ZoneInfo("Europe/Berlin")  # the demo organization's zone


def now() -> datetime:
    """The current instant (aware, UTC) of the one clock."""
    return clock.now()


def today(zone: ZoneInfo = BUSINESS_ZONE) -> date:
    """Today in `zone` (default: the business's)."""
    return clock.today(zone)


def this_year() -> int:
    """The business's current year: the first of the two bookable years."""
    return today().year


def last_bookable_day() -> date:
    """Dec 31 of the business's next year: the API serves no later day."""
    return date(this_year() + 1, 12, 31)


def weekday_ahead(weeks: int, weekday: int = 2) -> date:
    """A working day (`weekday`: 0 = Monday … 4 = Friday; default Wednesday) about
    `weeks` weeks from today, never in the past and never past the bookable range."""
    start = today() + timedelta(weeks=weeks)
    day = start + timedelta(days=(weekday - start.weekday()) % 7)
    while day > last_bookable_day():
        day -= timedelta(weeks=1)
    return day


def environ_without_settings() -> dict[str, str]:
    """This process's environment without its `BOOKING_*` settings, except the clock's:
    a widget or sandbox the tests start runs on the tests' timeline."""
    keep = {clock.NOW_VARIABLE, clock.SINCE_VARIABLE}
    return {k: v for k, v in os.environ.items() if not k.startswith("BOOKING_") or k in keep}
