"""The availability engine: working hours, rules, DST, busy resources, courses.

Every test pins `now` and derives its dates from the current year, so nothing rots
with the calendar.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking_app.sandbox.availability import (
    Busy,
    Resource,
    Slot,
    TemplateRules,
    WorkingInterval,
    bookable_window,
    compute_slots,
    is_slot_free,
)
from tests.support.clock import this_year

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
YEAR = this_year()  # any year works: every test pins `now` itself
ALL_DAYS = tuple(range(7))
# A winter Monday early in the year, and a `now` a week before it.
MONDAY = date(YEAR, 1, 8) + timedelta(days=-date(YEAR, 1, 8).weekday() % 7)
NOW = datetime.combine(MONDAY - timedelta(days=7), time(), tzinfo=UTC)


def at(day: date, hhmm: str, tz: ZoneInfo = BERLIN) -> datetime:
    """The UTC instant of a local wall time (first occurrence)."""
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=tz).astimezone(UTC)


def last_sunday(year: int, month: int) -> date:
    end = date(year, month + 1, 1) - timedelta(days=1)
    return end - timedelta(days=(end.weekday() + 1) % 7)


def hours(days: Sequence[int], *spans: tuple[str, str]) -> tuple[WorkingInterval, ...]:
    return tuple(
        WorkingInterval(d, time.fromisoformat(a), time.fromisoformat(b))
        for d in days
        for a, b in spans
    )


def resources(**by_rowid: tuple[WorkingInterval, ...]) -> dict[int, Resource]:
    """resources(r1=hours(...), r2=...) keyed by rowid."""
    return {int(k[1:]): Resource(int(k[1:]), v) for k, v in by_rowid.items()}


def rules(**kw: object) -> TemplateRules:
    fields: dict[str, object] = {
        "rowid": 1,
        "duration_min": 60,
        "slot_step_min": 60,
        "lead_time_min": 0,
        "day_earliest": 0,
        "day_latest": 0,
        "step_resources": ((1,),),
    }
    fields.update(kw)
    return TemplateRules(**fields)  # type: ignore[arg-type]


def slots(
    tpl: TemplateRules,
    res: Mapping[int, Resource],
    first: date,
    last: date | None = None,
    *,
    busy: Sequence[Busy] = (),
    taken: Mapping[datetime, int] | None = None,
    tz: ZoneInfo = BERLIN,
    now: datetime = NOW,
) -> list[Slot]:
    return compute_slots(tpl, res, busy, taken or {}, tz, first, last or first, now)


def local(found: Sequence[Slot], tz: ZoneInfo = BERLIN) -> list[str]:
    return [s.start.astimezone(tz).strftime("%H:%M") for s in found]


# --- working hours, steps, durations ---------------------------------------------


def test_working_hours_with_a_break() -> None:
    res = resources(r1=hours([0], ("09:00", "12:00"), ("13:00", "15:00")))
    found = slots(rules(slot_step_min=30), res, MONDAY)
    assert local(found) == ["09:00", "09:30", "10:00", "10:30", "11:00", "13:00", "13:30", "14:00"]
    assert found[0].start == at(MONDAY, "09:00") == datetime.combine(MONDAY, time(8), UTC)
    assert found[0].end == found[0].start + timedelta(minutes=60)
    assert all(s.resource_rowids == (1,) and s.seats_left == s.seats_total == 1 for s in found)
    assert slots(rules(), res, MONDAY + timedelta(days=1)) == []  # not working on Tuesday


def test_slot_step_and_a_duration_that_does_not_fit_the_end() -> None:
    res = resources(r1=hours([0], ("09:00", "10:30")))
    found = slots(rules(duration_min=45, slot_step_min=20), res, MONDAY)
    assert local(found) == ["09:00", "09:20", "09:40"]  # 10:00 + 45 min passes 10:30


def test_touching_intervals_form_one_shift_and_midnight_ends_the_day() -> None:
    res = resources(r1=hours([0], ("22:00", "23:00"), ("23:00", "00:00")))
    found = slots(rules(duration_min=90, slot_step_min=30), res, MONDAY)
    assert local(found) == ["22:00", "22:30"]


def test_no_steps_or_unknown_resources_give_no_slots() -> None:
    res = resources(r1=hours(ALL_DAYS, ("09:00", "17:00")))
    assert slots(rules(step_resources=()), res, MONDAY) == []
    assert slots(rules(step_resources=((9,),)), res, MONDAY) == []


# --- lead time, bookable days and the year rule -------------------------------------


def test_lead_time_drops_early_starts() -> None:
    res = resources(r1=hours([0], ("09:00", "12:00")))
    now = at(MONDAY, "09:10")
    found = slots(rules(slot_step_min=30, lead_time_min=60), res, MONDAY, now=now)
    assert local(found) == ["10:30", "11:00"]
    assert slots(rules(slot_step_min=30), res, MONDAY, now=now)[0].start == at(MONDAY, "09:30")


def test_day_earliest_and_day_latest() -> None:
    res = resources(r1=hours(ALL_DAYS, ("09:00", "10:00")))
    now = at(MONDAY, "08:00")
    tpl = rules(day_earliest=2, day_latest=4)
    assert bookable_window(tpl, BERLIN, now) == (
        MONDAY + timedelta(days=2),
        MONDAY + timedelta(days=4),
    )
    found = slots(tpl, res, MONDAY - timedelta(days=3), MONDAY + timedelta(days=10), now=now)
    assert [s.start.astimezone(BERLIN).date() for s in found] == [
        MONDAY + timedelta(days=n) for n in (2, 3, 4)
    ]
    assert bookable_window(rules(day_earliest=5, day_latest=4), BERLIN, now) is None
    assert bookable_window(rules(day_earliest=10**9), BERLIN, now) is None


def test_today_is_judged_in_the_organizations_zone() -> None:
    # 23:30 UTC on Sunday is already Monday in Berlin.
    now = datetime.combine(MONDAY - timedelta(days=1), time(23, 30), UTC)
    assert bookable_window(rules(), BERLIN, now) == (MONDAY, date(YEAR + 1, 12, 31))
    assert bookable_window(rules(), NEW_YORK, now) == (
        MONDAY - timedelta(days=1),
        date(YEAR + 1, 12, 31),
    )


def test_year_rule_ends_with_next_year_and_nothing_is_in_the_past() -> None:
    res = resources(r1=hours(ALL_DAYS, ("09:00", "10:00"), ("15:00", "16:00")))
    now = at(date(YEAR, 12, 30), "12:00")
    tpl = rules(day_latest=1000)
    assert bookable_window(tpl, BERLIN, now) == (date(YEAR, 12, 30), date(YEAR + 1, 12, 31))
    early = slots(tpl, res, date(YEAR, 12, 27), date(YEAR, 12, 31), now=now)
    assert early[0].start == at(date(YEAR, 12, 30), "15:00")  # 09:00 today is past
    late = slots(tpl, res, date(YEAR + 1, 12, 30), date(YEAR + 2, 1, 5), now=now)
    assert {s.start.astimezone(BERLIN).date() for s in late} == {
        date(YEAR + 1, 12, 30),
        date(YEAR + 1, 12, 31),
    }
    assert slots(tpl, res, date(YEAR + 2, 1, 1), date(YEAR + 2, 1, 7), now=now) == []
    assert slots(tpl, res, date(YEAR - 1, 1, 1), date(YEAR, 12, 29), now=now) == []


# --- daylight saving time -----------------------------------------------------------


def test_berlin_spring_forward_keeps_the_grid_and_skips_the_gap() -> None:
    sunday = last_sunday(YEAR, 3)
    res = resources(r1=hours([6], ("00:00", "06:00"), ("09:00", "10:00")))
    found = slots(rules(), res, sunday - timedelta(days=7), sunday)
    before = [s for s in found if s.start.astimezone(BERLIN).date() != sunday]
    after = [s for s in found if s.start.astimezone(BERLIN).date() == sunday]
    assert before[-1].start == datetime.combine(sunday - timedelta(days=7), time(8), UTC)
    assert local(after) == ["00:00", "01:00", "03:00", "04:00", "05:00", "09:00"]
    assert after[-1].start == datetime.combine(sunday, time(7), UTC)  # 09:00 CEST
    # 01:00 CET lasts an absolute hour and ends at 03:00 CEST, still inside the shift.
    assert after[1].end.astimezone(BERLIN).strftime("%H:%M") == "03:00"


def test_berlin_spring_forward_end_must_stay_inside_the_shift() -> None:
    sunday = last_sunday(YEAR, 3)
    res = resources(r1=hours([6], ("01:00", "03:15")))
    # 01:30 looks like it ends at 02:30 on the wall grid, but really ends 03:30 CEST.
    assert local(slots(rules(slot_step_min=30), res, sunday)) == ["01:00"]


def test_berlin_fall_back_has_no_duplicates() -> None:
    sunday = last_sunday(YEAR, 10)
    res = resources(r1=hours([6], ("00:00", "06:00"), ("09:00", "10:00")))
    found = slots(rules(), res, sunday)
    assert local(found) == ["00:00", "01:00", "02:00", "03:00", "04:00", "05:00", "09:00"]
    assert len({s.start for s in found}) == len(found)
    utc_hours = [s.start.astimezone(UTC).strftime("%H:%M") for s in found]
    # 02:00 is taken in its first (summer) reading; 01:00Z, the repeated hour, stays free.
    assert utc_hours == ["22:00", "23:00", "00:00", "02:00", "03:00", "04:00", "08:00"]
    week_before = slots(rules(), res, sunday - timedelta(days=7))
    assert week_before[-1].start == datetime.combine(sunday - timedelta(days=7), time(7), UTC)


def test_new_york_spring_forward() -> None:
    sunday = date(YEAR, 3, 8) + timedelta(days=(6 - date(YEAR, 3, 8).weekday()) % 7)
    res = resources(r1=hours([6], ("00:00", "04:00"), ("09:00", "10:00")))
    found = slots(rules(), res, sunday - timedelta(days=7), sunday, tz=NEW_YORK)
    before, after = found[:5], found[5:]
    assert local(before, NEW_YORK) == ["00:00", "01:00", "02:00", "03:00", "09:00"]
    assert local(after, NEW_YORK) == ["00:00", "01:00", "03:00", "09:00"]  # 02:00 never was
    assert before[-1].start == datetime.combine(sunday - timedelta(days=7), time(14), UTC)
    assert after[-1].start == datetime.combine(sunday, time(13), UTC)  # 09:00 EDT


# --- busy resources and combinations ----------------------------------------------


def test_busy_blocks_only_its_resource_with_half_open_intervals() -> None:
    res = resources(
        r1=hours([0], ("09:00", "13:00")),
        r2=hours([0], ("09:00", "13:00")),
    )
    busy = [
        Busy(1, at(MONDAY, "08:00"), at(MONDAY, "10:00"), 99),  # ends as 10:00 begins
        Busy(1, at(MONDAY, "11:30"), at(MONDAY, "11:45"), 99),  # a partial overlap
        Busy(2, at(MONDAY, "12:00"), at(MONDAY, "12:00"), 99),  # empty: blocks nothing
    ]
    found = slots(rules(step_resources=((1, 2),)), res, MONDAY, busy=busy)
    pairs = [(t, s.resource_rowids) for t, s in zip(local(found), found, strict=True)]
    assert pairs == [
        ("09:00", (2,)),
        ("10:00", (1,)),
        ("10:00", (2,)),
        ("11:00", (2,)),
        ("12:00", (1,)),
        ("12:00", (2,)),
    ]


def test_two_steps_need_one_distinct_resource_each() -> None:
    res = resources(
        r1=hours([0], ("09:00", "11:00")),
        r2=hours([0], ("09:00", "12:00")),
        r3=hours([0], ("10:00", "12:00")),
    )
    found = slots(rules(step_resources=((1, 2), (3,))), res, MONDAY)
    assert [(t, s.resource_rowids) for t, s in zip(local(found), found, strict=True)] == [
        ("10:00", (1, 3)),
        ("10:00", (2, 3)),
        ("11:00", (2, 3)),
    ]
    busy = [Busy(3, at(MONDAY, "10:00"), at(MONDAY, "11:00"), 5)]
    assert local(slots(rules(step_resources=((1, 2), (3,))), res, MONDAY, busy=busy)) == ["11:00"]
    same = slots(rules(step_resources=((1, 2), (1, 2))), res, MONDAY)
    assert {s.resource_rowids for s in same} == {(1, 2), (2, 1)}


# --- courses -------------------------------------------------------------------------


def course(**kw: object) -> TemplateRules:
    defaults: dict[str, object] = {
        "rowid": 7,
        "duration_min": 90,
        "seats": 5,
        "course_times": ((0, time(18)), (0, time(20, 30)), (2, time(18))),
        "step_resources": ((1, 2),),
    }
    return rules(**{**defaults, **kw})


def test_courses_count_seats_and_list_full_ones_with_no_seat_left() -> None:
    res = resources(r1=hours([0, 2], ("17:00", "21:00")), r2=hours([0], ("17:00", "21:00")))
    six = at(MONDAY, "18:00")
    found = slots(course(), res, MONDAY, MONDAY + timedelta(days=6), taken={six: 3})
    # 20:30 + 90 min passes 21:00: not held.
    assert [(s.start, s.resource_rowids, s.seats_left) for s in found] == [
        (six, (1,), 2),
        (at(MONDAY + timedelta(days=2), "18:00"), (1,), 5),
    ]
    assert all(s.seats_total == 5 for s in found)
    full = slots(course(), res, MONDAY, taken={six: 5})
    assert [(s.start, s.seats_left) for s in full] == [(six, 0)]
    assert not is_slot_free(course(), res, [], {six: 5}, BERLIN, six, (1,), NOW)


def test_attendances_do_not_block_their_own_course() -> None:
    res = resources(r1=hours([0], ("17:00", "21:00")), r2=hours([0], ("17:00", "21:00")))
    six, end = at(MONDAY, "18:00"), at(MONDAY, "19:30")
    attendances = [Busy(1, six, end, 7), Busy(1, six, end, 7)]
    found = slots(course(), res, MONDAY, busy=attendances, taken={six: 2})
    assert [(s.resource_rowids, s.seats_left) for s in found] == [((1,), 3)]
    # Another template's appointment blocks resource 1; the course moves to resource 2.
    other = [*attendances, Busy(1, at(MONDAY, "19:00"), at(MONDAY, "20:00"), 8)]
    assert [s.resource_rowids for s in slots(course(), res, MONDAY, busy=other)] == [(2,)]
    # So does the same template at another start overlapping this one.
    shifted = [Busy(1, at(MONDAY, "17:00"), at(MONDAY, "18:30"), 7)]
    assert [s.resource_rowids for s in slots(course(), res, MONDAY, busy=shifted)] == [(2,)]


def test_course_time_in_the_spring_forward_gap_is_skipped() -> None:
    sunday = last_sunday(YEAR, 3)
    res = resources(r1=hours([6], ("00:00", "06:00")))
    tpl = course(course_times=((6, time(2, 30)), (6, time(3))), step_resources=((1,),))
    assert local(slots(tpl, res, sunday)) == ["03:00"]


# --- is_slot_free agrees with compute_slots -----------------------------------------


def test_is_slot_free_rejects_what_is_not_listed() -> None:
    res = resources(r1=hours([0], ("09:00", "12:00")), r2=hours([0], ("09:00", "12:00")))
    tpl = rules(step_resources=((1, 2),), lead_time_min=30)
    now = at(MONDAY, "08:45")

    def free(start: datetime, combo: tuple[int, ...]) -> bool:
        return is_slot_free(tpl, res, [], {}, BERLIN, start, combo, now)

    assert free(at(MONDAY, "10:00"), (1,))
    assert not free(at(MONDAY, "09:00"), (1,))  # inside the lead time
    assert not free(at(MONDAY, "10:30"), (1,))  # off the grid
    assert not free(at(MONDAY, "10:00") + timedelta(seconds=1), (1,))
    assert not free(at(MONDAY, "10:00"), (3,))
    assert not free(at(MONDAY, "10:00"), (1, 2))
    assert not free(at(MONDAY, "10:00").replace(tzinfo=None), (1,))
    assert not free(at(MONDAY, "11:00") + timedelta(days=7 * 200), (1,))  # past next year


Scenario = tuple[TemplateRules, dict[int, Resource], list[Busy], dict[datetime, int], date]


def _scenario(seed: int) -> Scenario:
    """A random week (often with a DST change): resources, template, bookings."""
    rnd = random.Random(seed)
    # Half of the weeks contain a DST change in Berlin.
    sunday = rnd.choice([last_sunday(YEAR, 3), last_sunday(YEAR, 10), MONDAY + timedelta(6)])
    first = sunday - timedelta(days=rnd.randrange(7))
    res: dict[int, Resource] = {}
    for rowid in range(1, 5):
        spans = []
        for day in range(7):
            a = rnd.randrange(0, 12 * 60, 30)
            mid = a + rnd.randrange(60, 8 * 60, 30)
            for lo, hi in ((a, mid), (mid + rnd.choice([0, 30, 60]), mid + 300)):
                hi = min(hi, 24 * 60)
                spans.append(WorkingInterval(day, _t(lo), _t(hi % (24 * 60))))
        res[rowid] = Resource(rowid, tuple(spans))
    steps: tuple[tuple[int, ...], ...] = (tuple(rnd.sample(range(1, 5), rnd.randint(1, 3))),)
    if rnd.random() < 0.5:  # a second step, with at least one resource the first lacks
        others = [r for r in range(1, 5) if r != steps[0][0]]
        steps += (tuple(rnd.sample(others, rnd.randint(1, 3))),)
    seats = rnd.choice([1, 1, 3])
    times = tuple((rnd.randrange(7), _t(rnd.randrange(0, 20 * 60, 30))) for _ in range(10))
    tpl = rules(
        rowid=seed % 3 + 1,
        duration_min=rnd.choice([30, 45, 60, 90]),
        slot_step_min=rnd.choice([15, 30, 60]),
        lead_time_min=rnd.choice([0, 120]),
        step_resources=steps,
        seats=seats,
        course_times=times if seats > 1 else (),
    )
    busy: list[Busy] = []
    taken: dict[datetime, int] = {}
    week_start = at(first, "00:00")
    for _ in range(rnd.randint(0, 40)):
        start = week_start + timedelta(minutes=rnd.randrange(0, 7 * 24 * 60, 15))
        busy.append(
            Busy(rnd.randint(1, 4), start, start + timedelta(minutes=rnd.choice([15, 60])), 9)
        )
    if seats > 1:  # attendances of this course, on its own resources
        for slot in compute_slots(tpl, res, busy, {}, BERLIN, first, first + timedelta(6), NOW):
            n = rnd.randint(0, 3)
            taken[slot.start] = n
            busy += [Busy(r, slot.start, slot.end, tpl.rowid) for r in slot.resource_rowids] * n
    return tpl, res, busy, taken, first


def _t(minute: int) -> time:
    return time(minute // 60, minute % 60)


@pytest.mark.parametrize("seed", range(24))
def test_is_slot_free_is_consistent_with_compute_slots(seed: int) -> None:
    tpl, res, busy, taken, first = _scenario(seed)
    now = at(first, "01:00") if seed % 2 else NOW
    last = first + timedelta(days=6)
    listed = {  # bookable ones: a full course date is listed with no seat left
        (s.start, s.resource_rowids)
        for s in compute_slots(tpl, res, busy, taken, BERLIN, first, last, now)
        if s.seats_left
    }
    # Every ordered choice of resources of the right length, valid or not, plus a wrong length.
    combos = [*itertools.product(sorted(res), repeat=len(tpl.step_resources)), (1, 2, 3)]
    instant = at(first, "00:00")
    while instant < at(last + timedelta(days=1), "00:00"):
        for combo in combos:
            expected = (instant, combo) in listed
            got = is_slot_free(tpl, res, busy, taken, BERLIN, instant, combo, now)
            assert got == expected, (instant, combo)
        instant += timedelta(minutes=15)
    assert listed  # the generator makes weeks with something to check
