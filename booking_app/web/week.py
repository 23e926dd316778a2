"""The week view of free times of one service, in the customer's time zone: shared by
the booking flow and the move of a booked appointment."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_name
from flask import abort, redirect, render_template, request

from booking_app.moduleapi import ModuleApiError, NotFoundError, models
from booking_app.web.dates import day_label
from booking_app.web.i18n import _
from booking_app.web.lookup import Service, get_client, unavailable
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
    slots: tuple[models.BookingSlot, ...],
    zone: ZoneInfo,
    first: date,
    lang: str,
    staff: str,
    allowed: frozenset[str] | None = None,
) -> list[DayView]:
    """Seven days from `first`, each with its distinct free times in `zone` (with
    `staff`, or with any of the `allowed` resources, when given)."""
    by_day: dict[date, dict[datetime, models.BookingSlot]] = {}
    for slot in slots:
        if not offered(slot, staff, allowed):
            continue
        local = slot.start.astimezone(zone)
        by_day.setdefault(local.date(), {}).setdefault(local, slot)  # one entry per time
    days = []
    for offset in range(7):
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


def week_page(
    service: Service,
    links: WeekLinks,
    *,
    hidden: Mapping[str, str] | None = None,
    zone_hint: str | None = None,
    allowed: frozenset[str] | None = None,
    notice: str = "",
    status: int = 200,
    default_week: str | None = None,
    default_staff: str = "",
) -> Any:
    """Render the free times of the week asked for in the query string (`week`,
    `staff`, `tz`, `btz`); 404 outside this week .. Dec 31 next year, 503 when the
    upstream cannot answer. `hidden` goes into the pick form unchanged; `zone_hint`
    is the zone to use when the query names none; `default_week` (`2026-W53`) the week to show
    when the query names none (e.g. the week of a time just taken); `default_staff` the
    staff chosen when the query names none (moving keeps the booked stylist; the
    query's `staff=` empty means "anyone")."""
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
    year, week = week_param(request.args.get("week") or default_week, today)
    monday = date.fromisocalendar(year, week, 1)
    this_monday = today - timedelta(days=today.weekday())
    if monday < this_monday or monday > last_day:
        abort(404)
    step = staff_step(template)
    staff = request.args.get("staff", default_staff)
    if step is None or staff not in {r.id for r in step[1].resources}:
        staff = ""
    options = staff_options(step[1] if step else None, staff, service, allowed)
    try:
        found = get_client().list_week(organization.id, template.id, year, week, lang=lang)
    except ModuleApiError:
        unavailable()
    previous = monday - timedelta(days=7)
    following = monday + timedelta(days=7)
    args = {"tz": zone.key, "staff": staff or None}
    return render_template(
        "slots.html",
        organization=organization,
        service=service_view(template, lang, organization.language),
        days=group_by_day(found.slots, zone, monday, lang, staff, allowed),
        zone=zone.key,
        zone_name=get_timezone_name(zone, locale=lang),
        org_zone=org_zone.key,
        staff_options=options,
        week=week_label(year, week),
        previous_week=week_label(*previous.isocalendar()[:2]) if previous >= this_monday else None,
        next_week=week_label(*following.isocalendar()[:2]) if following <= last_day else None,
        args=args,
        week_links=links,
        hidden=hidden or {},
        notice=notice,
    ), status


NARROW_WEEKS = 8  # how far past the first free slot to look for the chosen staff's


def earliest_redirect(
    lang: str,
    org_id: str,
    template_id: str,
    week_url: Callable[..., str],
    *,
    allowed: frozenset[str] | None = None,
) -> Any:
    """303 to the week of the first free slot (keeping `tz`, `staff`, `c`, `e`), or to
    this week with `none=1` when nothing is free any more. With a staff choice or a
    custom entity's `allowed` resources, the first week that has one of theirs (within
    NARROW_WEEKS of the first free slot; else that slot's week)."""
    client = get_client()
    try:
        slot = client.earliest_slot(org_id, template_id, lang=lang)
        org = client.get_organization(org_id, lang=lang)
    except NotFoundError:
        abort(404)
    except ModuleApiError:
        unavailable()
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k in ("tz", "staff", "c", "e")}
    if slot is None:
        return redirect(week_url(**args, none="1"), 303)
    org_zone = business_zone(org.time_zone)
    first = slot.start.astimezone(org_zone).date()
    _today, last_day = bookable_days(org_zone)
    staff = args.get("staff", "")
    week = _first_week_with(
        org_id, template_id, first, last_day, lang=lang, staff=staff, allowed=allowed
    )
    iso = (week or first).isocalendar()
    return redirect(week_url(**args, week=week_label(iso.year, iso.week)), 303)


def _first_week_with(
    org_id: str,
    template_id: str,
    first: date,
    last_day: date,
    *,
    lang: str,
    staff: str,
    allowed: frozenset[str] | None,
) -> date | None:
    """A day of the first week from `first` (up to `last_day`, the last bookable day)
    with a free slot of `staff` / `allowed`."""
    if not staff and allowed is None:
        return first
    day = first
    for _week in range(NARROW_WEEKS):
        if day > last_day:
            break
        iso = day.isocalendar()
        try:
            found = get_client().list_week(org_id, template_id, iso.year, iso.week, lang=lang)
        except ModuleApiError:
            return None
        if any(bookable(c) and offered(c, staff, allowed) for c in found.slots):
            return day
        day += timedelta(days=7)
    return None
