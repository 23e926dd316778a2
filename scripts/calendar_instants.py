"""The hard instants of the calendar, computed from today so that they never rot.

`make test-calendar` runs the integration and sandbox tests (and one browser booking)
with `BOOKING_NOW` at each of them: a booking product must be right when weekends have
no times, when the clocks jump, and when the bookable range jumps at local midnight on
New Year's Day (still Dec 31 in UTC).

    python scripts/calendar_instants.py            # one `name instant` per line
    python scripts/calendar_instants.py --from 2026-12-01T09:00:00Z
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from booking_app.clock import Clock, parse_instant

BERLIN = ZoneInfo("Europe/Berlin")  # the demo organization's zone


def next_weekday(today: date, weekday: int) -> date:
    """The first day after `today` that is `weekday` (0 = Monday)."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def last_sunday(year: int, month: int) -> date:
    """The last Sunday of a month: the EU's clocks change on those of March and October."""
    end = (date(year, month, 28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return end - timedelta(days=(end.weekday() + 1) % 7)


def next_at(now: datetime, when: datetime, a_year_on: datetime) -> datetime:
    """`when` if it is still ahead of `now`, else the same moment a year on."""
    return when if when > now else a_year_on


def instants(now: datetime) -> Iterator[tuple[str, datetime]]:
    """(name, instant in UTC) of each hard moment after `now`."""
    today = now.astimezone(BERLIN).date()

    def local(day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour), BERLIN).astimezone(UTC)

    yield "wednesday-10-berlin", local(next_weekday(today, 2), 10)
    yield "saturday-16-berlin", local(next_weekday(today, 5), 16)
    yield "sunday-12-berlin", local(next_weekday(today, 6), 12)
    year = now.year
    new_year = datetime(year, 12, 31, 23, 20, tzinfo=UTC)  # 00:20 on Jan 1 in Berlin
    yield "new-year-23-20-utc", next_at(now, new_year, new_year.replace(year=year + 1))
    for name, month in (("spring-dst-00-40-utc", 3), ("autumn-dst-00-40-utc", 10)):
        this = datetime.combine(last_sunday(year, month), time(0, 40), UTC)
        following = datetime.combine(last_sunday(year + 1, month), time(0, 40), UTC)
        yield name, next_at(now, this, following)


def main() -> None:
    """Print `name instant` lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="start", help="compute from this instant (default: now)")
    args = parser.parse_args()
    now = parse_instant(args.start, "--from") if args.start else Clock.from_environ().now()
    for name, moment in instants(now):
        print(name, moment.strftime("%Y-%m-%dT%H:%M:%SZ"))


if __name__ == "__main__":
    main()
