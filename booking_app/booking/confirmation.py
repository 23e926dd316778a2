"""The confirmation page and its calendar file, rendered from a signed token.

Everything the page shows comes from the token (what the booking answer said) and
from cached service data, so confirming costs no upstream request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_name
from flask import Response, abort, g, redirect, render_template, request, url_for

from booking_app.booking.blueprint import bp
from booking_app.moduleapi import models
from booking_app.web.changes import was_changed
from booking_app.web.i18n import _
from booking_app.web.ics import (
    CalendarEntry,
    calendar_response,
    google_calendar_url,
    outlook_calendar_url,
)
from booking_app.web.lookup import Service, check_ids, load_service
from booking_app.web.manage_links import manage_token, manage_url
from booking_app.web.state import CONFIRMATION_TOKENS, ConfirmationState, FormState, ManageRef
from booking_app.web.timezones import business_zone, valid_zone
from booking_app.web.tokens import InvalidToken
from booking_app.web.viewmodels import format_span, format_total, resource_name, service_view

# How long the confirmation page trusts the booking answer in its token.
FRESH_SECONDS = 600


def confirmation_url(
    lang: str,
    form: FormState,
    appointment: models.Appointment,
    *,
    attached: bool | None = None,
    group: list[str] | None = None,
    email: str = "",
) -> str:
    """Where to send the customer after booking `appointment` from `form` (`attached`:
    whether the customer's file reached the appointment, None when there was none;
    `group`: the further seats' appointments of a booking of several course seats;
    `email`: where the confirmation e-mail was asked for, shown masked)."""
    state = ConfirmationState(
        org_id=form.org_id,
        template_id=form.template_id,
        appointment_id=appointment.id,
        start=appointment.start,
        end=appointment.end,
        resource_ids=tuple(r.id for r in appointment.resources),
        zone=form.zone,
        group=tuple(group or ()),
        attached=attached,
        mailed_to=masked_email(email),
    )
    token = CONFIRMATION_TOKENS.sign(state)
    return url_for("booking.confirmation", lang=lang, org_id=form.org_id, token=token)


def masked_email(address: str) -> str:
    """`zoe@example.com` as `z…@example.com`: enough for the customer to recognise the
    address (and spot a typo in its domain), too little to read in a shared link."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain:
        return ""
    return f"{local[0]}…@{domain}"[:120]


def _manage_ref(state: ConfirmationState) -> ManageRef:
    return ManageRef(state.org_id, state.appointment_id, state.template_id, state.zone, state.group)


def _load(org_id: str, token: str, later: str = "manage.show") -> ConfirmationState:
    """The token's booking answer while it is fresh and the appointment was not changed
    through the widget since. Later, or once moved or cancelled, the (genuine) token
    leads to the live manage page."""
    try:
        state = CONFIRMATION_TOKENS.load(token, max_age=FRESH_SECONDS)
        stale = False
    except InvalidToken:
        try:
            state = CONFIRMATION_TOKENS.load(token)
        except InvalidToken:
            abort(404)
        stale = True
    if state.org_id != org_id:
        abort(404)
    changed = any(was_changed(org_id, a) for a in (state.appointment_id, *state.group))
    if stale or changed:
        managed = manage_token(_manage_ref(state), state.end)
        lang = g.get("lang", "en")
        abort(redirect(url_for(later, lang=lang, org_id=org_id, token=managed), 303))
    return state


@dataclass(frozen=True)
class Booked:
    """What the confirmation page and its calendar file show."""

    state: ConfirmationState
    service: Service
    staff: list[str]
    zone: ZoneInfo
    org_zone: ZoneInfo

    def manage_url(self, *, external: bool = False) -> str:
        """The manage page of this booking."""
        ref = _manage_ref(self.state)
        return manage_url(self.service.lang, ref, self.state.end, external=external)


def _booked(lang: str, state: ConfirmationState) -> Booked:
    service = load_service(lang, state.org_id, state.template_id)
    org = service.organization
    names = {
        r.id: resource_name(r, lang, org.language)
        for s in service.template.steps
        for r in s.resources
    }
    return Booked(
        state=state,
        service=service,
        staff=[names[r] for r in state.resource_ids if r in names],
        zone=ZoneInfo(valid_zone(state.zone) or org.time_zone or "UTC"),
        org_zone=business_zone(org.time_zone),
    )


@bp.get("/<lang>/o/<org_id>/confirmed/<token>")
def confirmation(lang: str, org_id: str, token: str) -> Any:
    """What was booked, when (customer's and business's zone), where, with whom."""
    check_ids(org_id)
    booked = _booked(lang, _load(org_id, token))
    state, org = booked.state, booked.service.organization
    entry = _entry(booked, lang, manage="")
    return render_template(
        "confirmation.html",
        organization=org,
        service=service_view(booked.service.template, lang, org.language),
        start=state.start,
        end=state.end,
        staff=booked.staff,
        zone=booked.zone,
        org_zone=booked.org_zone,
        when_customer=format_span(state.start, state.end, booked.zone, lang),
        when_business=format_span(state.start, state.end, booked.org_zone, lang),
        zone_name=get_timezone_name(booked.zone, locale=lang),
        org_zone_name=get_timezone_name(booked.org_zone, locale=lang),
        ics_url=url_for("booking.calendar_file", lang=lang, org_id=org_id, token=token),
        google_url=google_calendar_url(entry),
        outlook_url=outlook_calendar_url(entry),
        appointment_id=state.appointment_id,
        manage_url=booked.manage_url(),
        attached=state.attached,
        mailed_to=state.mailed_to,
        seats=1 + len(state.group),
        price=format_total(booked.service.template, 1 + len(state.group), lang),
    )


@bp.get("/<lang>/o/<org_id>/confirmed/<token>/appointment.ics")
def calendar_file(lang: str, org_id: str, token: str) -> Response:
    """The appointment as an iCalendar file, with the manage link in its description."""
    check_ids(org_id)
    booked = _booked(lang, _load(org_id, token, later="manage.calendar_file"))
    name = service_view(booked.service.template, lang, booked.service.organization.language).name
    return calendar_response(_entry(booked, lang, booked.manage_url(external=True)), name)


def _entry(booked: Booked, lang: str, manage: str) -> CalendarEntry:
    """The booking as a calendar entry (`manage`: the manage link for its description;
    "" for the links to other calendars, which must not carry that key)."""
    state, org = booked.state, booked.service.organization
    name = service_view(booked.service.template, lang, org.language).name
    return CalendarEntry(
        uid=f"{state.appointment_id}@{request.host}",
        start=state.start,
        end=state.end,
        summary=f"{name} – {org.name}",
        location=org.address_line,
        description=_("Change or cancel: %(url)s", url=manage) if manage else "",
        url=manage,
    )
