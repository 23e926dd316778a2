"""The week view of free times of one service, in the customer's time zone: shared by
the booking flow and the move of a booked appointment."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_name
from flask import abort, redirect, render_template, request

from booking_app import clock
from booking_app.moduleapi import ModuleApiError, NotFoundError, models
from booking_app.web.dates import day_label, when_label
from booking_app.web.i18n import _
from booking_app.web.lookup import Service, get_client, unavailable
from booking_app.web.month import (
    FREE,
    Bookable,
    day_param,
    month_key,
    month_param,
    month_slots,
    month_view,
)
from booking_app.web.slot_choice import SlotChoice, bookable, bookable_days, format_time, offered
from booking_app.web.timezones import business_zone, customer_zone, valid_zone
from booking_app.web.viewmodels import resource_name, service_view

WEEK = re.compile(r"^([0-9]{4})-W([0-9]{2})$")  # ASCII digits: \d takes any script's


@dataclass(frozen=True)
class DayView:
    """One day of the week view."""

    label: str
    iso: str
    slots: tuple[SlotChoice, ...]


@dataclass(frozen=True)
class StaffOption:
    """A resource the customer may choose (or "anyone", id "")."""

    id: str
    name: str
    selected: bool


def week_of(moment: datetime, org_zone: ZoneInfo) -> str:
    """The ISO week label (`2026-W53`) of `moment`'s day in the business's zone."""
    iso = moment.astimezone(org_zone).isocalendar()
    return week_label(iso.year, iso.week)


def week_param(value: str | None, today: date) -> tuple[int, int]:
    """The (ISO year, week) asked for, or this week; 404 on a malformed value."""
    if not value:
        iso = today.isocalendar()
        return iso.year, iso.week
    match = WEEK.match(value)
    if not match:
        abort(404)
    year, week = int(match[1]), int(match[2])
    if year < 1 or not 1 <= week <= date(year, 12, 28).isocalendar().week:
        abort(404)
    return year, week


def week_label(year: int, week: int) -> str:
    """`2026-W49`."""
    return f"{year}-W{week:02d}"


def staff_step(template: models.BookingTemplate) -> tuple[int, models.BookingStep] | None:
    """The booking step where the customer chooses (e.g. an employee), if any."""
    for index, step in enumerate(template.steps):
        if len(step.resources) > 1 and step.selection_display.upper() != "HIDDEN":
            return index, step
    return None


def group_by_day(
    slots: Iterable[models.BookingSlot],
    zone: ZoneInfo,
    first: date,
    lang: str,
    staff: str,
    allowed: frozenset[str] | None = None,
    *,
    count: int = 7,
) -> list[DayView]:
    """`count` days from `first`, each with its distinct free times in `zone` (with
    `staff`, or with any of the `allowed` resources, when given)."""
    by_day: dict[date, dict[datetime, models.BookingSlot]] = {}
    for slot in slots:
        if not offered(slot, staff, allowed):
            continue
        local = slot.start.astimezone(zone)
        by_day.setdefault(local.date(), {}).setdefault(local, slot)  # one entry per time
    days = []
    for offset in range(count):
        day = first + timedelta(days=offset)
        times = sorted(by_day.get(day, {}).items())
        days.append(
            DayView(
                label=day_label(day, lang),
                iso=day.isoformat(),
                slots=tuple(
                    SlotChoice(
                        s.id,
                        s.start,
                        format_time(t, format="short", locale=lang),
                        s.seats_total,
                        s.seats_left,
                    )
                    for t, s in times
                ),
            )
        )
    return days


@dataclass(frozen=True)
class WeekLinks:
    """Where the week view's controls lead, so the booking flow and the reschedule
    page share one week view."""

    week_url: Callable[..., str]  # the week page with these query arguments
    earliest_url: Callable[..., str]  # the jump to the first free week
    pick_action: str  # where a chosen time is sent (GET, `s=<slot id>.<start>`)
    back_url: str
    back_text: str


def staff_options(
    step: models.BookingStep | None,
    staff: str,
    service: Service,
    allowed: frozenset[str] | None,
) -> list[StaffOption]:
    """The staff choice of the week view: "anyone", then each resource of the booking
    `step` (those `allowed`, when given); none without a step to choose in."""
    if step is None:
        return []
    language = service.organization.language
    return [
        StaffOption("", "", not staff),
        *(
            StaffOption(r.id, resource_name(r, service.lang, language), r.id == staff)
            for r in step.resources
            if allowed is None or r.id in allowed
        ),
    ]


@dataclass(frozen=True)
class TimesContext:
    """What both layouts of the times page share: the service, the zones, the staff
    choice and the bookable range."""

    service: Service
    links: WeekLinks
    zone: ZoneInfo
    org_zone: ZoneInfo
    staff: str
    staff_options: list[StaffOption]
    allowed: frozenset[str] | None
    today: date  # the business's
    last_day: date


def times_page(
    service: Service,
    links: WeekLinks,
    *,
    hidden: Mapping[str, str] | None = None,
    zone_hint: str | None = None,
    allowed: frozenset[str] | None = None,
    notice: str = "",
    status: int = 200,
    default_day: date | None = None,
    default_staff: str = "",
    current: datetime | None = None,
) -> Any:
    """Render the free times: the month grid and one day's times (`day`, `month`), or
    with `week` in the query the week's list; `staff`, `tz`, `btz` from the query too.
    404 outside the bookable range, 503 when the upstream cannot answer. `hidden` goes
    into the pick form unchanged; `zone_hint` is the zone to use when the query names
    none; `default_day` the day (in the customer's zone) to open on when the query
    names none (the day of a time just taken, the booked day of a move; else the
    earliest free day); `default_staff` the staff chosen when the query names none
    (moving keeps the booked stylist; the query's `staff=` empty means "anyone");
    `current` the appointment's time being moved, marked on the page."""
    lang, organization, template = service.lang, service.organization, service.template
    org_zone = business_zone(organization.time_zone)
    asked = request.args.get("tz", "")
    zone = customer_zone(asked or zone_hint, request.args.get("btz"), organization.time_zone)
    if asked and valid_zone(asked) is None:  # a visible error, not a silent reset
        unknown = _(
            "We do not know the time zone “%(asked)s”. Times are shown in %(zone)s.",
            asked=asked[:64],
            zone=get_timezone_name(zone, locale=lang),
        )
        notice = f"{notice} {unknown}".strip()
    today, last_day = bookable_days(org_zone)
    step = staff_step(template)
    staff = request.args.get("staff", default_staff)
    if step is None or staff not in {r.id for r in step[1].resources}:
        staff = ""
    options = staff_options(step[1] if step else None, staff, service, allowed)
    ctx = TimesContext(service, links, zone, org_zone, staff, options, allowed, today, last_day)
    page = _week_layout(ctx) if request.args.get("week") else _month_layout(ctx, default_day)
    chosen_staff = next((o.name for o in options if o.selected and o.id), "")
    return render_template(
        "slots.html",
        organization=organization,
        service=service_view(template, lang, organization.language),
        zone=zone.key,
        zone_name=get_timezone_name(zone, locale=lang),
        org_zone=org_zone.key,
        staff_options=options,
        staff_name=chosen_staff,
        args={"tz": zone.key, "staff": staff or None},
        week_links=links,
        hidden=hidden or {},
        notice=notice,
        current=current_marker(current, zone, lang) if current else None,
        **page,
    ), status


@dataclass(frozen=True)
class CurrentTime:
    """The appointment being moved: its day and its time, as the page marks them."""

    iso: str  # its day in the customer's zone
    label: str  # the full date and time


def current_marker(start: datetime, zone: ZoneInfo, lang: str) -> CurrentTime:
    """How the move's times page names the appointment's current time."""
    local = start.astimezone(zone)
    return CurrentTime(local.date().isoformat(), when_label(local, zone, lang))


def _week_layout(ctx: TimesContext) -> dict[str, Any]:
    """The week's list (`week=2026-W49`): seven days of times."""
    lang, organization = ctx.service.lang, ctx.service.organization
    year, week = week_param(request.args.get("week"), ctx.today)
    monday = date.fromisocalendar(year, week, 1)
    this_monday = ctx.today - timedelta(days=ctx.today.weekday())
    if monday < this_monday or monday > ctx.last_day:
        abort(404)
    try:
        found = get_client().list_week(
            organization.id, ctx.service.template.id, year, week, lang=lang
        )
    except ModuleApiError:
        unavailable()
    previous = monday - timedelta(days=7)
    following = monday + timedelta(days=7)
    return {
        "layout": "week",
        "days": group_by_day(found.slots, ctx.zone, monday, lang, ctx.staff, ctx.allowed),
        "week": week_label(year, week),
        "month_of_week": month_key(monday.year, monday.month),
        "previous_week": week_label(*previous.isocalendar()[:2])
        if previous >= this_monday
        else None,
        "next_week": week_label(*following.isocalendar()[:2])
        if following <= ctx.last_day
        else None,
    }


def _opening_day(ctx: TimesContext, default_day: date | None) -> tuple[date | None, int, int]:
    """The day (or None: the month's first free day) and the month the grid opens on:
    the query's `day` or `month`, else `default_day`, else the earliest free time's."""
    day = day_param(request.args.get("day"))
    asked = month_param(request.args.get("month"))
    if day is None and asked is None:
        day = default_day
    if day is not None:
        return day, day.year, day.month
    if asked is not None:
        return None, *asked
    try:
        earliest = get_client().earliest_slot(
            ctx.service.organization.id, ctx.service.template.id, lang=ctx.service.lang
        )
    except ModuleApiError:
        unavailable()
    first = earliest.start.astimezone(ctx.zone).date() if earliest else clock.today(ctx.zone)
    return None, first.year, first.month


def _month_layout(ctx: TimesContext, default_day: date | None) -> dict[str, Any]:
    """The month grid and the chosen day's times (`day=2026-12-04` or `month=2026-12`,
    whose first free day is chosen)."""
    lang, organization = ctx.service.lang, ctx.service.organization
    span = Bookable.of(ctx.today, ctx.last_day, ctx.org_zone, ctx.zone)
    day, year, month = _opening_day(ctx, default_day)
    if not span.has_month(year, month):
        if day is not None and day == default_day:  # e.g. a move's day, past the range
            day, year, month = None, span.today.year, span.today.month
        else:
            abort(404)
    try:
        slots = month_slots(
            organization.id,
            ctx.service.template.id,
            year=year,
            month=month,
            zone=ctx.zone,
            org_zone=ctx.org_zone,
            org_range=(ctx.today, ctx.last_day),
            lang=lang,
        )
    except ModuleApiError:
        unavailable()
    view = month_view(
        year,
        month,
        slots,
        zone=ctx.zone,
        lang=lang,
        span=span,
        staff=ctx.staff,
        allowed=ctx.allowed,
    )
    if day is None:
        first_free = view.first_free
        day = first_free.day if first_free else None
    chosen = None
    if day is not None:
        chosen = group_by_day(slots, ctx.zone, day, lang, ctx.staff, ctx.allowed, count=1)[0]
    cells = [c for week in view.weeks for c in week if c is not None]
    state = next((c.state for c in cells if c.day == day), None)
    later_free = next((c for c in cells if day and c.day > day and c.state == FREE), None)
    iso = (day or span.today).isocalendar()
    return {
        "layout": "month",
        "month": view,
        "month_key": month_key(year, month),
        "chosen": chosen,
        "chosen_state": state,
        "chosen_iso": day.isoformat() if day else "",
        "next_free": later_free,
        "week": week_label(iso.year, iso.week),
    }


NARROW_WEEKS = 8  # how far past the first free slot to look for the chosen staff's


def earliest_redirect(
    lang: str,
    org_id: str,
    template_id: str,
    week_url: Callable[..., str],
    *,
    allowed: frozenset[str] | None = None,
) -> Any:
    """303 to the day of the first free slot in the customer's zone (keeping `tz`,
    `btz`, `staff`, `c`, `e`), or to this month with `none=1` when nothing is free any
    more. With a staff choice or a custom entity's `allowed` resources, the first day
    that has one of theirs (within NARROW_WEEKS of the first free slot; else that
    slot's day)."""
    client = get_client()
    try:
        slot = client.earliest_slot(org_id, template_id, lang=lang)
        org = client.get_organization(org_id, lang=lang)
    except NotFoundError:
        abort(404)
    except ModuleApiError:
        unavailable()
    kept = ("tz", "btz", "staff", "c", "e")
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k in kept}
    if slot is None:
        return redirect(week_url(**args, none="1"), 303)
    org_zone = business_zone(org.time_zone)
    zone = customer_zone(args.get("tz"), args.get("btz"), org.time_zone)
    _today, last_day = bookable_days(org_zone)
    start = _first_start_with(
        org_id,
        template_id,
        slot,
        org_zone,
        last_day,
        lang=lang,
        staff=args.get("staff", ""),
        allowed=allowed,
    )
    return redirect(week_url(**args, day=start.astimezone(zone).date().isoformat()), 303)


def _first_start_with(
    org_id: str,
    template_id: str,
    earliest: models.BookingSlot,
    org_zone: ZoneInfo,
    last_day: date,
    *,
    lang: str,
    staff: str,
    allowed: frozenset[str] | None,
) -> datetime:
    """The start of the first free slot of `staff` / `allowed` from the `earliest` one
    (looking NARROW_WEEKS ahead, up to `last_day`, the last bookable day); else the
    earliest one's."""
    if not staff and allowed is None:
        return earliest.start
    day = earliest.start.astimezone(org_zone).date()
    for _week in range(NARROW_WEEKS):
        if day > last_day:
            break
        iso = day.isocalendar()
        try:
            found = get_client().list_week(org_id, template_id, iso.year, iso.week, lang=lang)
        except ModuleApiError:
            break
        starts = [c.start for c in found.slots if bookable(c) and offered(c, staff, allowed)]
        if starts:
            return min(starts)
        day += timedelta(days=7)
    return earliest.start
