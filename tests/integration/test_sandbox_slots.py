"""Slot routes over HTTP: week/day/month agree, the bookable range, lead time, DST.

Every date is computed from today or from a pinned clock, never hard-coded, so the
tests don't rot with the calendar.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support.api import ModuleApi, assert_error, iso_week, last_sunday, local_date
from tests.support.clock import today
from tests.support.sandbox import SandboxProcess, running_sandbox

pytestmark = pytest.mark.integration


def next_year() -> int:
    """The second of the two bookable years (the business's)."""
    return today().year + 1


@pytest.fixture(scope="module")
def private(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """A sandbox of this module's own, whose clock the tests pin (nobody books in it)."""
    with running_sandbox(tmp_path_factory.mktemp("slots"), "--control") as proc:
        yield proc


@pytest.fixture
def clock(private: SandboxProcess) -> Iterator[SandboxProcess]:
    """The private sandbox; its clock is let go after the test."""
    yield private
    private.set_clock(None)


def pin(sb: SandboxProcess, moment: datetime) -> None:
    sb.set_clock(moment.isoformat())


def stamp(moment: datetime) -> str:
    """How the API writes a UTC instant."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


# --- week, day and month lists agree ----------------------------------------------------


@pytest.mark.parametrize(
    ("org", "custom_id"),
    [
        ("main", "haircut"),
        ("main", "colouring"),
        ("main", "wedding-styling"),
        ("main", "styling-workshop"),
        ("wien", "wien-haircut"),
    ],
)
def test_week_day_and_month_lists_agree(sandbox: SandboxProcess, org: str, custom_id: str) -> None:
    api = ModuleApi(sandbox, sandbox.main_org if org == "main" else sandbox.branches[1])
    tz = "Europe/Vienna" if org == "wien" else "Europe/Berlin"
    tpl = api.template_id(custom_id)
    monday = monday_of(today() + timedelta(weeks=5))
    sunday = monday + timedelta(days=6)
    week = api.week(tpl, monday)
    assert week["rangeStart"].startswith(f"{monday.isoformat()}T00:00:00")
    assert week["rangeEnd"].startswith(f"{sunday.isoformat()}T23:59:59")
    assert week["list"], f"{custom_id} has free slots five weeks ahead"
    assert all(monday <= local_date(s["timestamp"], tz) <= sunday for s in week["list"])

    by_day: list[dict[str, Any]] = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        listing = api.day(tpl, day)
        assert listing["rangeStart"].startswith(f"{day.isoformat()}T00:00:00")
        assert listing["rangeEnd"].startswith(f"{day.isoformat()}T23:59:59")
        assert all(local_date(s["timestamp"], tz) == day for s in listing["list"])
        by_day.extend(listing["list"])
    assert by_day == week["list"]

    in_months: list[dict[str, Any]] = []
    for year, month in sorted({(monday.year, monday.month), (sunday.year, sunday.month)}):
        listing = api.month(tpl, year, month)
        last = calendar.monthrange(year, month)[1]
        assert listing["rangeStart"].startswith(f"{date(year, month, 1).isoformat()}T00:00:00")
        assert listing["rangeEnd"].startswith(f"{date(year, month, last).isoformat()}T23:59:59")
        in_months.extend(listing["list"])
    assert [s for s in in_months if monday <= local_date(s["timestamp"], tz) <= sunday] == week[
        "list"
    ]
    if custom_id == "styling-workshop":
        assert all(s["seatsTotal"] == 5 and 0 < s["seatsLeft"] <= 5 for s in week["list"])


# --- the bookable range ----------------------------------------------------------------


def test_nothing_in_the_past_and_lead_time_respected(clock: SandboxProcess) -> None:
    api = ModuleApi(clock)
    haircut = api.template_id("haircut")  # lead time 120 min, 15 min steps
    wednesday = monday_of(today()) + timedelta(weeks=1, days=2)
    now = datetime.combine(wednesday, time(9, 7), UTC)
    pin(clock, now)
    slots = api.free_slots(haircut, wednesday)
    assert slots
    earliest = now + timedelta(minutes=120)
    assert min(s["timestamp"] for s in slots) == stamp(
        datetime.combine(wednesday, time(11, 15), UTC)
    )
    assert all(s["timestamp"] >= stamp(earliest) for s in slots)
    assert api.day(haircut, wednesday - timedelta(days=1))["list"] == []  # yesterday
    first = api.content(api.slot_path(haircut, "earliest"))
    assert first["timestamp"] == stamp(datetime.combine(wednesday, time(11, 15), UTC))
    month = api.month(haircut, wednesday.year, wednesday.month)["list"]
    assert month
    assert min(s["timestamp"] for s in month) >= stamp(earliest)

    # Nine minutes later the earliest start is 11:16, so 11:15 is gone.
    pin(clock, now.replace(minute=16))
    later = api.free_slots(haircut, wednesday)
    assert min(s["timestamp"] for s in later) == stamp(
        datetime.combine(wednesday, time(11, 30), UTC)
    )


def test_course_lead_time_of_a_day(clock: SandboxProcess) -> None:
    api = ModuleApi(clock)
    course = api.template_id("styling-workshop")  # Saturdays 12:00 local, lead time 24 h
    saturday = monday_of(today()) + timedelta(weeks=2, days=5)
    start = datetime.combine(saturday, time(12), ZoneInfo("Europe/Berlin"))
    pin(clock, start - timedelta(hours=24, minutes=1))
    slots = api.free_slots(course, saturday)
    assert [s["timestamp"] for s in slots] == [stamp(start)]
    pin(clock, start - timedelta(hours=23, minutes=59))
    assert api.free_slots(course, saturday) == []


def test_booking_day_earliest_and_latest(clock: SandboxProcess) -> None:
    api = ModuleApi(clock)
    colouring = api.template_id("colouring")  # bookingDayEarliest 1, bookingDayLatest 90
    wednesday = monday_of(today()) + timedelta(weeks=1, days=2)
    pin(clock, datetime.combine(wednesday, time(6), UTC))
    assert api.day(colouring, wednesday)["list"] == []
    thursday = wednesday + timedelta(days=1)
    assert api.day(colouring, thursday)["list"]
    first = api.content(api.slot_path(colouring, "earliest"))
    assert local_date(first["timestamp"], "Europe/Berlin") == thursday
    latest = wednesday + timedelta(days=90)
    tail = api.free_slots(colouring, latest) + api.free_slots(colouring, latest + timedelta(days=7))
    assert tail
    assert max(local_date(s["timestamp"], "Europe/Berlin") for s in tail) <= latest


def test_range_ends_on_december_31_of_next_year(clock: SandboxProcess) -> None:
    api = ModuleApi(clock)
    haircut = api.template_id("haircut")
    this_year = today().year
    pin(clock, datetime(this_year, 12, 28, 12, tzinfo=UTC))  # late December of this year
    last_day = date(next_year(), 12, 31)
    for day in (date(next_year(), 12, 28), last_day):  # next year's last ISO week(s)
        slots = api.free_slots(haircut, day)
        assert slots, day
        assert max(local_date(s["timestamp"], "Europe/Berlin") for s in slots) <= last_day
    december = api.month(haircut, next_year(), 12)["list"]
    assert local_date(december[-1]["timestamp"], "Europe/Berlin") <= last_day
    assert api.day(haircut, last_day)["list"] or last_day.weekday() == 6

    # The year after next, and last year: out of range.
    after = next_year() + 1
    slot = f"organization/{clock.main_org}/bookingTemplate/{haircut}/bookingSlot/"
    for path in (
        f"year/{after}/week/10/listWeek",
        f"year/{after}/month/1/listMonth",
        f"year/{after}/month/1/day/1/listDay",
        f"year/{this_year - 1}/week/10/listWeek",
        f"year/{this_year - 1}/month/12/listMonth",
        f"year/{this_year - 1}/month/12/day/31/listDay",
    ):
        assert_error(api.get(slot + path), 400, "year")


def test_current_week_is_listable_on_new_years_day(clock: SandboxProcess) -> None:
    """Jan 1 may fall in the last ISO week of the year before (2027-01-01 is 2026-W53)."""
    api = ModuleApi(clock)
    tpl = api.template_id("colouring")  # also works on Saturdays (Chloé)
    new_year = date(next_year(), 1, 1)
    pin(clock, datetime.combine(new_year, time(0, 30), UTC))
    year, week = iso_week(new_year)
    resp = api.get(api.slot_path(tpl, f"year/{year}/week/{week}/listWeek"))
    assert resp.status_code == 200, resp.text
    slots = resp.json()["content"]["list"]
    assert all(local_date(s["timestamp"], "Europe/Berlin") > new_year for s in slots)
    sunday = monday_of(new_year) + timedelta(days=6)
    days: list[dict[str, Any]] = []
    for offset in range((sunday - new_year).days + 1):
        days.extend(api.day(tpl, new_year + timedelta(days=offset))["list"])
    assert days == slots


# --- daylight saving time --------------------------------------------------------------


@pytest.mark.parametrize("month", [3, 10], ids=["spring", "autumn"])
@pytest.mark.parametrize(
    ("org", "tpl_name", "staff", "tz", "first_local"),
    [
        ("main", "haircut", "anna", "Europe/Berlin", time(9)),
        ("wien", "wien-haircut", "emil", "Europe/Vienna", time(8)),
    ],
    ids=["berlin-anna", "wien-emil"],
)
def test_dst_weeks_keep_local_hours(
    clock: SandboxProcess,
    month: int,
    org: str,
    tpl_name: str,
    staff: str,
    tz: str,
    first_local: time,
) -> None:
    api = ModuleApi(clock, clock.main_org if org == "main" else clock.branches[1])
    tpl = api.template_id(tpl_name)
    person = api.resources()[staff]["id"]
    switch = last_sunday(next_year(), month)  # always inside the bookable range
    before_monday, after_monday = switch - timedelta(days=6), switch + timedelta(days=1)
    week_before, week_after = api.week(tpl, before_monday), api.week(tpl, after_monday)

    summer, winter = "+02:00", "+01:00"
    offsets = (winter, summer) if month == 3 else (summer, winter)
    assert week_before["timeZone"] == tz
    assert week_before["rangeStart"] == f"{before_monday.isoformat()}T00:00:00{offsets[0]}"
    assert week_before["rangeEnd"] == f"{switch.isoformat()}T23:59:59{offsets[1]}"
    assert week_after["rangeStart"] == f"{after_monday.isoformat()}T00:00:00{offsets[1]}"

    def first_start(week: dict[str, Any], day: date) -> str:
        mine = [
            s["timestamp"]
            for s in week["list"]
            if s["bookingResourceCombination"] == [person] and local_date(s["timestamp"], tz) == day
        ]
        assert mine, (staff, day)
        return str(min(mine))

    def utc(day: date, offset: str) -> str:
        local = datetime.combine(day, first_local, UTC)
        return stamp(local - timedelta(hours=int(offset[1:3])))

    # e.g. Anna's 09:00 is 08:00Z in winter time and 07:00Z in summer time.
    assert first_start(week_before, before_monday) == utc(before_monday, offsets[0])
    assert first_start(week_after, after_monday) == utc(after_monday, offsets[1])

    def local_times(week: dict[str, Any]) -> set[tuple[int, str]]:
        out = set()
        for s in week["list"]:
            if s["bookingResourceCombination"] == [person]:
                local = datetime.fromisoformat(s["timestamp"]).astimezone(ZoneInfo(tz))
                out.add((local.weekday(), local.strftime("%H:%M")))
        return out

    # The same wall-clock hours on both sides of the switch, in UTC an hour apart.
    assert local_times(week_before) == local_times(week_after)
