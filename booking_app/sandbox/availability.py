"""The sandbox's availability engine: free slots from working hours, bookings and rules.

Pure functions over plain data (no Flask, no database). Working hours are wall time in
the organization's zone; every instant going in or out is an aware UTC datetime.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

_DAY = 24 * 60

Combo = tuple[int, ...]
# A candidate start: its minute of the local day and the end minute of the working
# window that holds it (the appointment's local end must not pass it).
_Candidate = tuple[int, int]
_DayPlan = tuple[tuple[Combo, tuple[_Candidate, ...]], ...]  # per combination, in step order


@dataclass(frozen=True)
class WorkingInterval:
    """A weekly working window in the organization's local wall time.

    Breaks are gaps between intervals of the same day; `end` 00:00 means midnight.
    """

    weekday: int  # 0 = Monday … 6 = Sunday
    start: time
    end: time


@dataclass(frozen=True)
class Resource:
    """A bookable resource and its weekly working hours."""

    rowid: int
    hours: tuple[WorkingInterval, ...]


@dataclass(frozen=True)
class Busy:
    """An existing, not-cancelled appointment occupying a resource (aware UTC)."""

    resource_rowid: int
    start: datetime
    end: datetime
    template_rowid: int


@dataclass(frozen=True)
class TemplateRules:
    """What the engine needs to know about a booking template."""

    rowid: int
    duration_min: int
    slot_step_min: int
    lead_time_min: int  # earliest start = now + this
    day_earliest: int  # first bookable local date = today + this
    day_latest: int  # last bookable local date = today + this; 0 = no limit
    step_resources: tuple[tuple[int, ...], ...]  # per step, the allowed resource rowids
    seats: int = 1  # > 1: a course
    course_times: tuple[tuple[int, time], ...] = ()  # courses: (weekday, local start)


@dataclass(frozen=True)
class Slot:
    """A free start on one resource combination (one resource per step, in step order)."""

    template_rowid: int
    start: datetime
    end: datetime
    resource_rowids: tuple[int, ...]
    seats_total: int = 1
    seats_left: int = 1


def bookable_window(rules: TemplateRules, tz: ZoneInfo, now: datetime) -> tuple[date, date] | None:
    """The inclusive local date range bookable at `now`, or None when it is empty.

    Only today onwards, at most until Dec 31 of next year, narrowed by the template's
    bookingDayEarliest / bookingDayLatest.
    """
    today = now.astimezone(tz).date()
    last = date(today.year + 1, 12, 31)
    span = (last - today).days
    if rules.day_latest > 0:
        span = min(span, rules.day_latest)
    earliest = max(rules.day_earliest, 0)
    if earliest > span:  # also keeps `today + earliest` from overflowing
        return None
    return today + timedelta(days=earliest), today + timedelta(days=span)


def compute_slots(
    rules: TemplateRules,
    resources: Mapping[int, Resource],
    busy: Sequence[Busy],
    seats_taken: Mapping[datetime, int],
    tz: ZoneInfo,
    first_day: date,
    last_day: date,
    now: datetime,
) -> list[Slot]:
    """Every free slot starting on the local dates first_day..last_day (inclusive).

    Standard templates give one slot per start and free combination; courses give one
    per start (its first free combination), full ones with seats_left 0. Sorted by start, then
    resource rowids. Raises ValueError for a non-positive duration or slot step.
    """
    window = bookable_window(rules, tz, now)
    if window is None or not rules.step_resources:
        return []
    first, last = max(first_day, window[0]), min(last_day, window[1])
    if first > last:
        return []
    plan = _plan(rules, _relevant(rules, resources))
    # Busy entries far outside the range can't matter; drop them before indexing.
    lo = datetime.combine(first, time(), tzinfo=tz) - timedelta(days=2)
    hi = datetime.combine(last, time(), tzinfo=tz) + timedelta(days=3)
    index = _BusyIndex(b for b in busy if b.start < hi and b.end > lo)
    earliest = now + timedelta(minutes=max(rules.lead_time_min, 0))
    out: list[Slot] = []
    day = first
    while day <= last:
        out.extend(_day_slots(rules, plan[day.weekday()], index, seats_taken, tz, day, earliest))
        day += timedelta(days=1)
    out.sort(key=lambda s: (s.start, s.resource_rowids))
    return out


def is_slot_free(
    rules: TemplateRules,
    resources: Mapping[int, Resource],
    busy: Sequence[Busy],
    seats_taken: Mapping[datetime, int],
    tz: ZoneInfo,
    start_utc: datetime,
    resource_rowids: tuple[int, ...],
    now: datetime,
) -> bool:
    """Whether compute_slots would list exactly this (start, combination); looks at one day.

    For a course that means the start's first free combination, as compute_slots lists it.
    """
    if start_utc.tzinfo is None or not rules.step_resources:
        return False
    day = start_utc.astimezone(tz).date()
    window = bookable_window(rules, tz, now)
    if window is None or not window[0] <= day <= window[1]:
        return False
    after = start_utc - timedelta(days=1)
    before = start_utc + timedelta(days=2)
    index = _BusyIndex(b for b in busy if b.start < before and b.end > after)
    earliest = now + timedelta(minutes=max(rules.lead_time_min, 0))
    entries = _plan(rules, _relevant(rules, resources))[day.weekday()]
    slots = _day_slots(rules, entries, index, seats_taken, tz, day, earliest, only=start_utc)
    return any(s.resource_rowids == resource_rowids for s in slots)


def _day_slots(
    rules: TemplateRules,
    entries: _DayPlan,
    index: _BusyIndex,
    seats_taken: Mapping[datetime, int],
    tz: ZoneInfo,
    day: date,
    earliest: datetime,
    only: datetime | None = None,
) -> list[Slot]:
    """The free slots of one local date (just those starting at `only`, when given)."""
    course = rules.seats > 1
    duration = timedelta(minutes=rules.duration_min)
    midnight = datetime.combine(day, time())
    times: dict[int, tuple[datetime, datetime] | None] = {}  # minute → (start UTC, local end)
    wall = only.astimezone(tz) if only is not None else None
    taken_starts: set[datetime] = set()  # courses: starts that already have their slot
    out: list[Slot] = []
    for combo, candidates in entries:
        for minute, bound in candidates:
            if wall is not None and minute != wall.hour * 60 + wall.minute:
                continue  # is_slot_free: don't convert the day's other starts
            if minute not in times:
                times[minute] = _local_to_utc(midnight + timedelta(minutes=minute), tz, duration)
            got = times[minute]
            if got is None:
                continue
            start, local_end = got
            if start < earliest or (only is not None and start != only):
                continue
            if local_end > midnight + timedelta(minutes=bound):  # DST stretched it past the end
                continue
            seats_left = 1
            if course:
                # A full course date stays listed (seatsLeft 0) so customers see it is
                # fully booked; it cannot be booked (`only` asks whether it can).
                seats_left = max(rules.seats - seats_taken.get(start, 0), 0)
                if (seats_left == 0 and only is not None) or start in taken_starts:
                    continue
            # A course's own attendances at this start take seats, not the resource.
            skip = (rules.rowid, start) if course else None
            if not all(index.is_free(r, start, start + duration, skip) for r in combo):
                continue
            if course:
                taken_starts.add(start)
            out.append(Slot(rules.rowid, start, start + duration, combo, rules.seats, seats_left))
    return out


def _local_to_utc(
    local: datetime, tz: ZoneInfo, duration: timedelta
) -> tuple[datetime, datetime] | None:
    """(start in UTC, local wall-clock end) of a naive local start; None in a DST gap.

    Ambiguous local times (fall-back) use their first occurrence only (fold=0).
    """
    start = local.replace(tzinfo=tz).astimezone(UTC)
    if start.astimezone(tz).replace(tzinfo=None) != local:
        return None
    return start, (start + duration).astimezone(tz).replace(tzinfo=None)


class _BusyIndex:
    """Busy entries per resource, sorted by start, answering overlap queries by bisection."""

    def __init__(self, busy: Iterable[Busy]) -> None:
        rows: dict[int, list[tuple[datetime, datetime, int]]] = {}
        for b in busy:
            if b.end > b.start:  # an empty half-open interval overlaps nothing
                rows.setdefault(b.resource_rowid, []).append((b.start, b.end, b.template_rowid))
        self._rows = {r: sorted(v) for r, v in rows.items()}
        self._starts = {r: [e[0] for e in v] for r, v in self._rows.items()}
        # Running maximum of ends: "anything starting before t ends after s?" in one lookup.
        self._max_end = {
            r: list(itertools.accumulate((e[1] for e in v), max)) for r, v in self._rows.items()
        }
        self._longest = {r: max(e[1] - e[0] for e in v) for r, v in self._rows.items()}

    def is_free(
        self, rowid: int, start: datetime, end: datetime, skip: tuple[int, datetime] | None
    ) -> bool:
        """No entry of `rowid` overlaps [start, end), ignoring (template, start) == skip."""
        starts = self._starts.get(rowid)
        if starts is None:
            return True
        k = bisect_left(starts, end)  # entries [0, k) start before `end`
        if k == 0 or self._max_end[rowid][k - 1] <= start:
            return True
        if skip is None:
            return False
        # Only entries starting after start - longest can still reach past `start`.
        lo = bisect_right(starts, start - self._longest[rowid])
        return not any(e > start and (tpl, s) != skip for s, e, tpl in self._rows[rowid][lo:k])


def _relevant(rules: TemplateRules, resources: Mapping[int, Resource]) -> tuple[Resource, ...]:
    """The template's resources, as a hashable cache key."""
    wanted = sorted({r for step in rules.step_resources for r in step})
    return tuple(resources[r] for r in wanted if r in resources)


@lru_cache(maxsize=256)
def _plan(rules: TemplateRules, resources: tuple[Resource, ...]) -> tuple[_DayPlan, ...]:
    """Per weekday, the combinations in step order with their candidate local starts."""
    if rules.duration_min <= 0 or (rules.seats <= 1 and rules.slot_step_min <= 0):
        raise ValueError(f"template {rules.rowid}: duration and slot step must be positive")
    hours = {r.rowid: _weekly_hours(r) for r in resources}
    combos = [
        c
        for c in itertools.product(*rules.step_resources)
        if len(set(c)) == len(c) and all(r in hours for r in c)
    ]
    plan = []
    for weekday in range(7):
        entries = []
        for combo in combos:
            common = hours[combo[0]][weekday]
            for rowid in combo[1:]:
                common = _intersect(common, hours[rowid][weekday])
            candidates = _candidates(rules, weekday, common)
            if candidates:
                entries.append((combo, candidates))
        plan.append(tuple(entries))
    return tuple(plan)


def _candidates(
    rules: TemplateRules, weekday: int, windows: list[tuple[int, int]]
) -> tuple[_Candidate, ...]:
    """Local starts (minute of day) whose whole duration fits one window, in wall time."""
    duration = rules.duration_min
    if rules.seats > 1:
        starts = sorted({t.hour * 60 + t.minute for d, t in rules.course_times if d == weekday})
        return tuple((m, b) for m in starts for a, b in windows if a <= m and m + duration <= b)
    step = rules.slot_step_min
    return tuple((m, b) for a, b in windows for m in range(a, b - duration + 1, step))


def _weekly_hours(resource: Resource) -> list[list[tuple[int, int]]]:
    """Per weekday, sorted working windows in minutes with touching ones joined."""
    days: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for h in resource.hours:
        a = h.start.hour * 60 + h.start.minute
        b = h.end.hour * 60 + h.end.minute or _DAY
        if 0 <= h.weekday < 7 and a < b:
            days[h.weekday].append((a, b))
    merged: list[list[tuple[int, int]]] = []
    for spans in days:
        out: list[tuple[int, int]] = []
        for a, b in sorted(spans):
            if out and a <= out[-1][1]:  # 09-12 and 12-17 is one shift 09-17
                out[-1] = (out[-1][0], max(out[-1][1], b))
            else:
                out.append((a, b))
        merged.append(out)
    return merged


def _intersect(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The intersection of two sorted, disjoint lists of windows."""
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out
