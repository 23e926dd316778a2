"""The week view of free slots of one service, in the customer's time zone."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache, partial
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_timezone_name
from babel.dates import format_time as babel_format_time
from flask import abort, redirect, render_template, request, url_for

from booking_app import clock
from booking_app.booking.blueprint import bp, check_ids, get_client, load_service, unavailable
from booking_app.booking.pagecache import cached_page
from booking_app.booking.timezones import business_zone, customer_zone
from booking_app.booking.viewmodels import OrganizationView, resource_name, service_view
from booking_app.i18n import _
from booking_app.moduleapi import ModuleApiError, NotFoundError, models

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


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


HEX_DIGITS = frozenset("0123456789abcdef")


def encode_start(start: datetime) -> str:
    """A start time as minutes since the Unix epoch in hexadecimal (`1c8a9c6`): short,
    and formatted by C code, for the hundreds of buttons of a busy week."""
    return format(int(start.timestamp()) // 60, "x")


def decode_start(value: str) -> datetime | None:
    """The start `encode_start` made, or None for anything else."""
    if not 1 <= len(value) <= 8 or not HEX_DIGITS.issuperset(value):
        return None
    return datetime.fromtimestamp(int(value, 16) * 60, UTC)


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
    resources, when given), from the week's (cached) slot list; None when there is none
    any more. Raises ModuleApiError when the upstream cannot answer."""
    iso = start.astimezone(org_zone).isocalendar()
    found = get_client().list_week(org_id, template_id, iso.year, iso.week, lang=lang)
    for slot in found.slots:
        if slot.start == start and bookable(slot) and offered(slot, staff, allowed):
            return slot
    return None


def bookable_days(org_zone: ZoneInfo) -> tuple[date, date]:
    """Today and the last bookable day in the business's zone: the API serves the
    current and the next year only, so the range jumps at local midnight on Jan 1."""
    today = clock.today(org_zone)
    return today, date(today.year + 1, 12, 31)


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
    if not 1 <= week <= date(year, 12, 28).isocalendar().week:
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
                label=format_date(day, format="full", locale=lang),
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


def week_page(
    lang: str,
    organization: OrganizationView,
    template: models.BookingTemplate,
    links: WeekLinks,
    *,
    hidden: Mapping[str, str] | None = None,
    zone_hint: str | None = None,
    allowed: frozenset[str] | None = None,
    notice: str = "",
    status: int = 200,
    default_week: str | None = None,
) -> Any:
    """Render the free times of the week asked for in the query string (`week`,
    `staff`, `tz`, `btz`); 404 outside this week .. Dec 31 next year, 503 when the
    upstream cannot answer. `hidden` goes into the pick form unchanged; `zone_hint`
    is the zone to use when the query names none; `default_week` (`2026-W53`) the week to show
    when the query names none (e.g. the week of a time just taken)."""
    org_zone = business_zone(organization.time_zone)
    zone = customer_zone(
        request.args.get("tz") or zone_hint, request.args.get("btz"), organization.time_zone
    )
    today, last_day = bookable_days(org_zone)
    year, week = week_param(request.args.get("week") or default_week, today)
    monday = date.fromisocalendar(year, week, 1)
    this_monday = today - timedelta(days=today.weekday())
    if monday < this_monday or monday > last_day:
        abort(404)
    step = staff_step(template)
    staff = request.args.get("staff", "")
    if step is None or staff not in {r.id for r in step[1].resources}:
        staff = ""
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
        staff_options=[
            StaffOption("", "", not staff),
            *(
                StaffOption(r.id, resource_name(r, lang, organization.language), r.id == staff)
                for r in (step[1].resources if step else ())
                if allowed is None or r.id in allowed
            ),
        ]
        if step
        else [],
        week=week_label(year, week),
        previous_week=week_label(*previous.isocalendar()[:2]) if previous >= this_monday else None,
        next_week=week_label(*following.isocalendar()[:2]) if following <= last_day else None,
        args=args,
        week_links=links,
        hidden=hidden or {},
        notice=notice,
    ), status


def _slot_data(lang: str, org_id: str, template_id: str) -> str:
    """The generation of the service's slot caches: a booking changes it, and with it
    the week pages kept by `cached_page`."""
    return get_client()._slot_kind(org_id, template_id)


@bp.get("/<lang>/o/<org_id>/s/<template_id>/")
@cached_page(_slot_data)
def slots(lang: str, org_id: str, template_id: str) -> Any:
    """Free times of a week; `week`, `staff`, `tz`, the module config `c` (whose
    services the back link returns to) and the custom entity `e` (whose staff the times
    are limited to) come from the query string."""
    from booking_app.booking.configs import valid_config_ref
    from booking_app.booking.entities import chosen_entity, entity_resource_ids

    check_ids(org_id, template_id)
    organization, template = load_service(lang, org_id, template_id)
    config = valid_config_ref(request.args.get("c"))
    entity = chosen_entity(request.args.get("e"))
    allowed = entity_resource_ids(get_client(), org_id, entity, lang)
    ids: dict[str, Any] = {"lang": lang, "org_id": org_id, "template_id": template_id}
    carry: dict[str, Any] = {"c": config, "e": entity}
    links = WeekLinks(
        week_url=partial(url_for, "booking.slots", **ids, **carry),
        earliest_url=partial(url_for, "booking.earliest", **ids, **carry),
        pick_action=url_for("booking.details", **ids),
        back_url=url_for("booking.config_entry", lang=lang, org_id=org_id, config=config, all=1)
        if config
        else url_for(
            "booking.entry", lang=lang, org_id=org_id, here=1 if entity else None, e=entity
        ),
        back_text=_("All services"),
    )
    hidden: dict[str, str] = {name: value for name, value in carry.items() if value}
    return week_page(lang, organization, template, links, hidden=hidden, allowed=allowed)


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
    week = _first_week_with(
        org_id, template_id, first, last_day, lang, args.get("staff", ""), allowed
    )
    iso = (week or first).isocalendar()
    return redirect(week_url(**args, week=week_label(iso.year, iso.week)), 303)


def _first_week_with(
    org_id: str,
    template_id: str,
    first: date,
    last_day: date,
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


@bp.get("/<lang>/o/<org_id>/s/<template_id>/earliest")
def earliest(lang: str, org_id: str, template_id: str) -> Any:
    """Jump to the week of the first free slot."""
    from booking_app.booking.entities import chosen_entity, entity_resource_ids

    check_ids(org_id, template_id)
    week_url = partial(url_for, "booking.slots", lang=lang, org_id=org_id, template_id=template_id)
    entity = chosen_entity(request.args.get("e"))
    allowed = entity_resource_ids(get_client(), org_id, entity, lang)
    return earliest_redirect(lang, org_id, template_id, week_url, allowed=allowed)
