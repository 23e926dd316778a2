"""The manage pages: view an appointment, move it to another time, cancel it.

Every page is reached from a manage link (`/{lang}/o/{org}/m/{token}`) and reads the
appointment live (`appointment/show`, without the customer's personal data), so it
shows what the business has now, whatever happened since the booking. Changes are
POSTs checked like the booking form (Sec-Fetch-Site / Origin, no cookie), sent
upstream once (`once.run_once`), and answered with a redirect to the view.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import partial
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_name
from flask import (
    Blueprint,
    Response,
    abort,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from booking_app import clock
from booking_app.moduleapi import (
    ApiConnectionError,
    ConflictError,
    ModuleApiError,
    NotFoundError,
    ServerError,
    ValidationError,
    models,
)
from booking_app.web.changes import mark_changed
from booking_app.web.csrf import same_origin
from booking_app.web.headers import keep_private
from booking_app.web.i18n import _, pick_translation
from booking_app.web.ics import CalendarEntry, calendar_response, change_sequence
from booking_app.web.lookup import Service, check_ids, get_client, unavailable, url_language
from booking_app.web.manage_links import ManageRef, load_ref, manage_token
from booking_app.web.once import run_once
from booking_app.web.slot_choice import chosen_slot, chosen_time, encode_start
from booking_app.web.timezones import business_zone, customer_zone, valid_zone
from booking_app.web.viewmodels import (
    OrganizationView,
    format_span,
    format_total,
    organization_view,
    resource_name,
    texts,
)
from booking_app.web.week import WeekLinks, earliest_redirect, staff_step, times_page

bp = Blueprint("manage", __name__)
bp.url_value_preprocessor(url_language)
PREFIX = "/<lang>/o/<org_id>/m/<token>"


# The URL is the key to the appointment: keep it out of caches, indexes and referrers.
bp.after_request(keep_private)


@dataclass(frozen=True)
class Managed:
    """One appointment as the manage pages see it."""

    ref: ManageRef
    token: str
    organization: OrganizationView
    appointment: models.Appointment
    zone: ZoneInfo
    org_zone: ZoneInfo

    @property
    def started(self) -> bool:
        """Begun (or over): the business no longer accepts changes."""
        return self.appointment.start <= clock.now()

    @property
    def changeable(self) -> bool:
        """Can still be moved or cancelled."""
        return not self.appointment.canceled and not self.started

    @property
    def movable(self) -> bool:
        """Can be moved: one seat (several seats move only by cancelling and rebooking,
        so a half-moved booking can never happen)."""
        return self.changeable and not self.ref.group


def _load(lang: str, org_id: str, token: str) -> Managed:
    """The appointment a manage link names, read live; 404 for a bad link or an
    appointment that is gone or over, 503 when the upstream cannot answer."""
    check_ids(org_id)
    ref = load_ref(org_id, token)
    client = get_client()
    try:
        org = client.get_organization(org_id, lang=lang)
        appointment = client.get_appointment(org_id, ref.appointment_id, lang=lang)
    except (NotFoundError, ValidationError):
        abort(404)
    except ModuleApiError:
        unavailable()
    if appointment.end <= clock.now():
        abort(404)
    return Managed(
        ref=ref,
        token=token,
        organization=organization_view(org),
        appointment=appointment,
        zone=customer_zone(request.args.get("tz") or ref.zone, None, org.time_zone),
        org_zone=business_zone(org.time_zone),
    )


def _template(lang: str, ref: ManageRef) -> models.BookingTemplate | None:
    """The appointment's service, if the business still offers it (cached)."""
    try:
        templates = get_client().list_booking_templates(ref.org_id, lang=lang)
    except ModuleApiError:
        return None
    return next((t for t in templates if t.id == ref.template_id), None)


def _service_name(lang: str, managed: Managed) -> str:
    appointment = managed.appointment
    return pick_translation(
        texts(appointment.name_i18n),
        lang,
        organization_language=managed.organization.language,
        fallback=appointment.name,
    )


def _status(appointment: models.Appointment) -> str:
    if appointment.canceled:
        return _("Cancelled")
    if appointment.moved:
        return _("Booked (moved)")
    return _("Booked")


def _facts(lang: str, managed: Managed, start: datetime | None = None) -> dict[str, Any]:
    """What every manage page shows about the appointment (at `start` if given)."""
    appointment = managed.appointment
    begin = start or appointment.start
    end = begin + (appointment.end - appointment.start)
    org_lang = managed.organization.language
    return {
        "organization": managed.organization,
        "appointment_id": appointment.id,
        "service_name": _service_name(lang, managed),
        "status": _status(appointment),
        "cancelled": appointment.canceled,
        "started": managed.started,
        "changeable": managed.changeable,
        "movable": managed.movable,
        "seats": 1 + len(managed.ref.group),
        "price": _price(lang, managed),
        "when_customer": format_span(begin, end, managed.zone, lang),
        "when_business": format_span(begin, end, managed.org_zone, lang),
        "zone_name": get_timezone_name(managed.zone, locale=lang),
        "org_zone_name": get_timezone_name(managed.org_zone, locale=lang),
        "staff": [resource_name(r, lang, org_lang) for r in appointment.resources],
        "urls": _links(lang, managed),
    }


def _price(lang: str, managed: Managed) -> str:
    """The booking's price (per seat and total for several seats), "" if not shown."""
    template = _template(lang, managed.ref)
    return format_total(template, 1 + len(managed.ref.group), lang) if template else ""


def _links(lang: str, managed: Managed) -> dict[str, str]:
    ids: dict[str, Any] = {"lang": lang, "org_id": managed.ref.org_id, "token": managed.token}
    tz: dict[str, Any] = {"tz": managed.zone.key}
    return {
        "show": url_for("manage.show", **ids, **tz),
        "move": url_for("manage.move_week", **ids, **tz),
        "cancel": url_for("manage.cancel_form", **ids, **tz),
        "ics": url_for("manage.calendar_file", **ids),
        "book": url_for("booking.entry", lang=lang, org_id=managed.ref.org_id),
    }


def _show(lang: str, managed: Managed, notice: str = "", status: int = 200) -> Any:
    done = request.args.get("done") if not notice else None
    return render_template(
        "manage/show.html",
        **_facts(lang, managed),
        notice=notice,
        event={"moved": "booking-moved", "cancelled": "booking-cancelled"}.get(done or ""),
        done=done,
    ), status


def _refusal(error: ModuleApiError) -> str:
    """The upstream's reason for refusing a change: ours where we know it, else its own
    words (in the API's language)."""
    if error.status == 409 or "appointmentId" in error.parameters:
        return _already_cancelled() if isinstance(error, ConflictError) else _already_started()
    reasons = "; ".join(text for _parameter, text in error.failures if text)
    return _("The booking system refused the change: %(reason)s", reason=reasons or str(error))


def _check_post() -> None:
    if not same_origin():
        abort(403)


@bp.get(PREFIX)
def show(lang: str, org_id: str, token: str) -> Any:
    """The appointment: what, when (both zones), where, with whom, its status."""
    return _show(lang, _load(lang, org_id, token))


@bp.get(f"{PREFIX}/appointment.ics")
def calendar_file(lang: str, org_id: str, token: str) -> Response:
    """The appointment as it is now: same UID as the booking's file; once moved or
    cancelled, a higher SEQUENCE (and METHOD:CANCEL when cancelled)."""
    managed = _load(lang, org_id, token)
    appointment = managed.appointment
    link = url_for("manage.show", lang=lang, org_id=org_id, token=token, _external=True)
    changed = appointment.moved or appointment.canceled
    return calendar_response(
        CalendarEntry(
            uid=f"{appointment.id}@{request.host}",
            start=appointment.start,
            end=appointment.end,
            summary=f"{_service_name(lang, managed)} – {managed.organization.name}",
            location=managed.organization.address_line,
            description=_("Change or cancel: %(url)s", url=link),
            url=link,
            sequence=change_sequence() if changed else 0,
            cancelled=appointment.canceled,
        ),
        _service_name(lang, managed),
    )


# Cancel -------------------------------------------------------------------------------
@bp.get(f"{PREFIX}/cancel")
def cancel_form(lang: str, org_id: str, token: str) -> Any:
    """Ask before cancelling."""
    managed = _load(lang, org_id, token)
    if not managed.changeable:
        return _unchangeable(lang, managed, 200)
    return render_template("manage/cancel.html", **_facts(lang, managed))


@dataclass(frozen=True)
class Change:
    """A change of an appointment, sent upstream once (`run_once` on `key`)."""

    key: str
    send: Callable[[], dict[str, Any]]
    # After a lost answer: the outcome if the live appointment shows the change, else None.
    happened: Callable[[models.Appointment], dict[str, Any] | None]
    # A refusal (409 or 400 from the upstream): the page to show, or None when the
    # refusal means the change is made already (a second cancel).
    refused: Callable[[ModuleApiError], Any]


def _stop(page: tuple[Any, int]) -> NoReturn:
    abort(make_response(*page))


def _apply(lang: str, org_id: str, token: str, change: Change) -> dict[str, Any]:
    """Send `change` once and return its outcome; on any answer that is not a success,
    stop with the page that says what happened (asking the upstream first when the
    answer was lost)."""
    try:
        return run_once(change.key, change.send)
    except (ConflictError, ValidationError) as refused:
        page = change.refused(refused)
        if page is None:
            return {}
        _stop(page)
    except NotFoundError:
        abort(404)
    except (ApiConnectionError, ServerError):
        managed = _load(lang, org_id, token)  # the answer was lost: did it happen?
        outcome = change.happened(managed.appointment)
        if outcome is None:
            _stop(_show(lang, managed, _not_reached(), 503))
        return outcome
    except ModuleApiError:
        unavailable()


@bp.post(f"{PREFIX}/cancel")
def cancel(lang: str, org_id: str, token: str) -> Any:
    """Cancel (`appointment/cancel`, once), then show the cancelled appointment."""
    _check_post()
    check_ids(org_id)
    ref = load_ref(org_id, token)
    client = get_client()

    def send() -> dict[str, Any]:
        for seat in ref.group:  # the further seats first; a cancelled one stays so
            with contextlib.suppress(ConflictError):
                client.cancel_appointment(org_id, seat, lang=lang)
        client.cancel_appointment(org_id, ref.appointment_id, lang=lang)
        return {"cancelled": True}

    def refused(error: ModuleApiError) -> Any:
        if isinstance(error, ConflictError):
            return None  # cancelled already (a double submit, another tab)
        return _show(lang, _load(lang, org_id, token), _refusal(error), 409)

    _apply(
        lang,
        org_id,
        token,
        Change(
            key=f"cancel:{org_id}:{ref.appointment_id}",
            send=send,
            happened=lambda appointment: {"cancelled": True} if appointment.canceled else None,
            refused=refused,
        ),
    )
    for appointment_id in (ref.appointment_id, *ref.group):
        mark_changed(org_id, appointment_id)  # the confirmation page forwards here now
    done = url_for("manage.show", lang=lang, org_id=org_id, token=token, done="cancelled")
    return redirect(done, 303)


def _not_reached() -> str:
    return _(
        "We could not reach the booking system, so nothing has been changed yet. Please try again."
    )


# Move ---------------------------------------------------------------------------------
def _move_week(
    lang: str, managed: Managed, notice: str = "", status: int = 200, day: date | None = None
) -> Any:
    """The times page for choosing a new time: the query's day, month or week, else
    `day`, else the booked day."""
    template = _template(lang, managed.ref)
    if template is None:
        abort(404)
    ids: dict[str, Any] = {"lang": lang, "org_id": managed.ref.org_id, "token": managed.token}
    links = WeekLinks(
        week_url=partial(url_for, "manage.move_week", **ids),
        earliest_url=partial(url_for, "manage.move_earliest", **ids),
        pick_action=url_for("manage.move_form", **ids),
        back_url=url_for("manage.show", **ids, tz=managed.zone.key),
        back_text=_("Keep the current time"),
    )
    step = staff_step(template)
    booked_staff = [r.id for r in managed.appointment.resources]
    staff = next((r.id for r in step[1].resources if r.id in booked_staff), "") if step else ""
    booked = managed.appointment.start
    return times_page(
        Service(lang, managed.organization, template),
        links,
        zone_hint=managed.zone.key,
        notice=notice,
        status=status,
        # The booked day and the booked stylist, as Calendly and Cal.com reschedule.
        default_day=day or _day_in(booked, managed.zone),
        default_staff=staff,
        current=booked,
    )


def _day_in(moment: datetime, zone: ZoneInfo) -> date:
    """`moment`'s day in `zone`."""
    return moment.astimezone(zone).date()


def _unchangeable(lang: str, managed: Managed, status: int = 409) -> Any:
    """The view, saying why the appointment cannot be changed any more."""
    if managed.appointment.canceled:
        return _show(lang, managed, _already_cancelled(), status)
    return _show(lang, managed, _already_started(), status)


def _already_cancelled() -> str:
    return _("This appointment is already cancelled.")


def _time_taken() -> str:
    return _("Sorry, that time has just been taken. Please choose another one.")


def _several_seats() -> str:
    return _("A booking of several seats cannot be moved. Cancel it and book the new date instead.")


def _already_started() -> str:
    return _("This appointment has already started, so it can no longer be changed.")


@bp.get(f"{PREFIX}/move")
def move_week(lang: str, org_id: str, token: str) -> Any:
    """The week view of the same service, to choose the new time."""
    managed = _load(lang, org_id, token)
    if not managed.changeable:
        return _unchangeable(lang, managed)
    if not managed.movable:
        return _show(lang, managed, _several_seats(), 409)
    return _move_week(lang, managed)


@bp.get(f"{PREFIX}/move/earliest")
def move_earliest(lang: str, org_id: str, token: str) -> Any:
    """Jump to the first week with a free time."""
    check_ids(org_id)
    ref = load_ref(org_id, token)
    week_url = partial(url_for, "manage.move_week", lang=lang, org_id=org_id, token=token)
    return earliest_redirect(lang, org_id, ref.template_id, week_url)


def _staff_name(lang: str, managed: Managed, resource_id: str) -> str:
    """The name of the staff chosen for the new time ("" for anyone)."""
    template = _template(lang, managed.ref)
    if not resource_id or template is None:
        return ""
    org_lang = managed.organization.language
    for step in template.steps:
        for resource in step.resources:
            if resource.id == resource_id:
                return resource_name(resource, lang, org_lang)
    return ""


@bp.get(f"{PREFIX}/move/confirm")
def move_form(lang: str, org_id: str, token: str) -> Any:
    """Old time → new time, and a button to make the change."""
    start = chosen_time(request.args.get("s", ""))
    managed = _load(lang, org_id, token)
    if not managed.changeable:
        return _unchangeable(lang, managed)
    if not managed.movable:
        return _show(lang, managed, _several_seats(), 409)
    facts = _facts(lang, managed)
    new = _facts(lang, managed, start)
    staff_filter = request.args.get("staff", "")[:32]
    return render_template(
        "manage/move.html",
        **facts,
        new_when_customer=new["when_customer"],
        new_when_business=new["when_business"],
        new_staff=_staff_name(lang, managed, staff_filter),
        slot=request.args["s"],
        staff_filter=staff_filter,
        tz=managed.zone.key,
        moved_from=encode_start(managed.appointment.start),
    )


@bp.post(f"{PREFIX}/move")
def move(lang: str, org_id: str, token: str) -> Any:
    """Move (`appointment/move`, once) and show the appointment at its new time, under
    a fresh link (the old one keeps working too)."""
    _check_post()
    check_ids(org_id)
    ref = load_ref(org_id, token)
    if ref.group:
        return _show(lang, _load(lang, org_id, token), _several_seats(), 409)
    start = chosen_time(request.form.get("s", ""))
    zone = valid_zone(request.form.get("tz")) or ref.zone
    template = _template(lang, ref)
    if template is None:
        abort(404)
    try:  # cached: the move itself is the only upstream request on the warm path
        org_zone = get_client().get_organization(org_id, lang=lang).time_zone
    except ModuleApiError:
        unavailable()
    staff = request.form.get("staff", "")[:32]
    slot = chosen_slot(lang, org_id, template, org_zone, start, staff=staff)
    chosen_day = _day_in(start, ZoneInfo(zone))  # after a 409, that day again

    def taken() -> Any:
        return _move_week(lang, _load(lang, org_id, token), _time_taken(), 409, chosen_day)

    if slot is None:  # taken since the week view was shown
        return taken()
    slot_id = slot.id

    def send() -> dict[str, Any]:
        moved = get_client().move_appointment(org_id, ref.appointment_id, slot_id, lang=lang)
        return {"end": moved.end.isoformat()}

    def refused(error: ModuleApiError) -> Any:
        if "bookingSlotId" in error.parameters:
            return taken()
        return _show(lang, _load(lang, org_id, token), _refusal(error), 409)

    def happened(appointment: models.Appointment) -> dict[str, Any] | None:
        return {"end": appointment.end.isoformat()} if appointment.start == start else None

    # The start it moves from is part of the key: a double submit of this form is sent
    # once, while a later move back to a time it had before (A→B, B→C, C→B) is a change
    # of its own and runs.
    moved_from = request.form.get("from", "")[:8]
    key = f"move:{org_id}:{ref.appointment_id}:{moved_from}:{slot_id}"
    outcome = _apply(lang, org_id, token, Change(key, send, happened, refused))
    mark_changed(org_id, ref.appointment_id)  # the confirmation page forwards here now
    end = datetime.fromisoformat(outcome["end"])
    new_token = manage_token(replace(ref, zone=zone), end)
    return redirect(
        url_for("manage.show", lang=lang, org_id=org_id, token=new_token, tz=zone, done="moved"),
        303,
    )
