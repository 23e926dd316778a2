"""What a customer sees when a booking's outcome is not a plain "booked".

- The confirming page (202): the booking was sent, its answer was lost or is still
  coming, and nobody knows yet whether it was made. It checks again by itself (a meta
  refresh, plus a button: no JavaScript needed) for CONFIRM_SECONDS, then stays an
  honest page that never invites a second booking of the same form.
- The cancelled page (409): the form's booking exists but was cancelled, so the form
  does not book again; a new time is a new form (documented in the README).
- The held-seats page (409): some seats of a course booking could not be had and the
  rollback could not cancel all that were: the customer sees each held seat with its
  manage link.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel.dates import get_timezone_name
from flask import abort, redirect, render_template, url_for

from booking_app.booking import claims
from booking_app.booking.blueprint import bp
from booking_app.booking.confirmation import confirmation_url
from booking_app.booking.submit import Expected, find_booking
from booking_app.moduleapi import ModuleApiError, models
from booking_app.web.lookup import Service, check_ids, get_client, load_service
from booking_app.web.manage_links import manage_url
from booking_app.web.state import PENDING_TOKENS, FormState, ManageRef, PendingState
from booking_app.web.timezones import customer_zone
from booking_app.web.tokens import InvalidToken
from booking_app.web.viewmodels import format_span, service_view

CONFIRM_SECONDS = 120  # how long the confirming page keeps checking by itself
REFRESH_SECONDS = 3
PENDING_MAX_AGE = 24 * 3600


def expected(service: Service, form: FormState) -> Expected:
    """What the form token tells of the booking before any answer."""
    staff = (form.staff,) if form.staff else ()
    return Expected(form.start, service.template.duration, staff)


def _when(service: Service, form: FormState) -> tuple[str, str]:
    zone = customer_zone(form.zone, None, service.organization.time_zone)
    end = expected(service, form).appointment("").end
    return format_span(form.start, end, zone, service.lang), get_timezone_name(
        zone, locale=service.lang
    )


def confirming_page(service: Service, pending: PendingState) -> Any:
    """202: the booking is being confirmed (self-refreshing while within the window)."""
    when, zone_name = _when(service, pending.form)
    fresh = time.time() - pending.since < CONFIRM_SECONDS
    check_url = url_for(
        "booking.confirming",
        lang=service.lang,
        org_id=service.org_id,
        template_id=service.template_id,
        token=PENDING_TOKENS.sign(pending),
    )
    body = render_template(
        "confirming.html",
        organization=service.organization,
        service=service_view(service.template, service.lang, service.organization.language),
        when=when,
        zone_name=zone_name,
        check_url=check_url,
        refresh=REFRESH_SECONDS if fresh else 0,
    )
    return body, 202, {"Cache-Control": "no-store", "Retry-After": str(REFRESH_SECONDS)}


def _choose_url(service: Service, form: FormState) -> str:
    """The service's week view in the customer's zone: a new time is a new form."""
    return url_for(
        "booking.slots",
        lang=service.lang,
        org_id=service.org_id,
        template_id=service.template_id,
        tz=form.zone or None,
    )


def cancelled_page(service: Service, form: FormState) -> Any:
    """409: this form's booking was cancelled; choosing a time starts a new form."""
    when, _zone = _when(service, form)
    return render_template(
        "booking_cancelled.html",
        organization=service.organization,
        service=service_view(service.template, service.lang, service.organization.language),
        when=when,
        choose_url=_choose_url(service, form),
    ), 409


@dataclass(frozen=True)
class HeldSeat:
    """A seat that stays booked: when, and where to manage it."""

    when: str
    manage_url: str


def held_page(service: Service, form: FormState, held: list[models.Appointment], asked: int) -> Any:
    """409: not all seats could be had, and these stay booked."""
    zone = customer_zone(form.zone, None, service.organization.time_zone)
    seats = [
        HeldSeat(
            format_span(a.start, a.end, zone, service.lang),
            manage_url(
                service.lang,
                ManageRef(service.org_id, a.id, service.template_id, zone.key),
                a.end,
            ),
        )
        for a in held
    ]
    return render_template(
        "seats_held.html",
        organization=service.organization,
        service=service_view(service.template, service.lang, service.organization.language),
        held=seats,
        asked=asked,
        choose_url=_choose_url(service, form),
    ), 409


def booked_outcome(url: str, appointment: models.Appointment) -> dict[str, Any]:
    """The record of a booking made: its confirmation URL and its appointment."""
    return {"kind": "booked", "url": url, "id": appointment.id}


def show_recorded(service: Service, form: FormState, record: dict[str, Any], seats: int) -> Any:
    """The page for a duplicate submission: the first submission's outcome."""
    state = record.get("state")
    if state != "done":  # still pending, or unknown: the confirming page resolves it
        since = record.get("since")
        started = int(since) if isinstance(since, int | float) else int(time.time())
        return confirming_page(service, PendingState(form, started, seats))
    outcome = record.get("outcome") or {}
    kind = outcome.get("kind")
    if kind == "cancelled":
        return cancelled_page(service, form)
    if kind == "held":
        held = [_stand_in(i, e, form) for i, e in outcome.get("held", [])]
        return held_page(service, form, held, seats)
    appointment_id = str(outcome.get("id", ""))
    try:  # cancelled since? then it is not "booked" any more
        current = get_client().get_appointment(service.org_id, appointment_id, lang=service.lang)
        if current.canceled:
            return cancelled_page(service, form)
    except ModuleApiError:
        pass  # it was booked; the confirmation page says so
    return redirect(str(outcome.get("url")), 303)


def _stand_in(appointment_id: str, end: str, form: FormState) -> models.Appointment:
    return models.Appointment(id=appointment_id, start=form.start, end=datetime.fromisoformat(end))


def held_outcome(held: list[models.Appointment]) -> dict[str, Any]:
    """The record of seats that stay booked after a failed rollback."""
    return {"kind": "held", "held": [[a.id, a.end.isoformat()] for a in held]}


@bp.get("/<lang>/o/<org_id>/s/<template_id>/book/confirming/<token>")
def confirming(lang: str, org_id: str, template_id: str, token: str) -> Any:
    """Check again whether a booking whose answer was lost was made."""
    check_ids(org_id, template_id)
    try:
        pending = PENDING_TOKENS.load(token, max_age=PENDING_MAX_AGE)
    except InvalidToken:
        abort(404)
    form = pending.form
    if form.org_id != org_id or form.template_id != template_id:
        abort(404)
    service = load_service(lang, org_id, template_id)
    key = claims.claim_key(org_id, form.custom_id)
    record = claims.read(key)
    if record is not None and record.get("state") == "done":
        return show_recorded(service, form, record, pending.seats)
    if record is not None and record.get("state") == "pending":
        return confirming_page(service, pending)  # the first request is still at work
    found = find_booking(get_client(), org_id, form.custom_id, lang)
    if found.kind == "cancelled":
        claims.record_outcome(key, {"kind": "cancelled"})
        return cancelled_page(service, form)
    if found.kind == "booked" and found.appointment is not None:
        appointment = found.appointment
        if pending.seats > 1:  # only the first seat went out before the answer was lost
            claims.record_outcome(key, held_outcome([appointment]))
            return held_page(service, form, [appointment], pending.seats)
        url = confirmation_url(lang, form, appointment)
        claims.record_outcome(key, booked_outcome(url, appointment))
        return redirect(url, 303)
    return confirming_page(service, pending)
