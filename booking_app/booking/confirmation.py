"""The confirmation page and its calendar file, rendered from a signed token.

Everything the page shows comes from the token (what the booking answer said) and
from cached service data, so confirming costs no upstream request.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_name
from flask import Response, abort, current_app, g, redirect, render_template, request, url_for

from booking_app.booking.blueprint import bp, check_ids, load_service
from booking_app.booking.ics import CalendarEntry, calendar_response
from booking_app.booking.timezones import business_zone, valid_zone
from booking_app.booking.viewmodels import format_span, resource_name, service_view
from booking_app.i18n import _
from booking_app.manage.links import manage_token, manage_url
from booking_app.moduleapi import models
from booking_app.tokens import InvalidToken, TokenSigner

CONFIRMATION_SALT = "booking-confirmation-v1"
# How long the confirmation page trusts the booking answer in its token.
FRESH_SECONDS = 600


def _signer() -> TokenSigner:
    return TokenSigner(current_app.config["SECRET_KEY"], CONFIRMATION_SALT)


def confirmation_url(
    lang: str,
    org_id: str,
    template_id: str,
    appointment: models.Appointment,
    payload: dict[str, Any],
    *,
    attached: bool | None = None,
    group: list[str] | None = None,
) -> str:
    """Where to send the customer after booking `appointment` (`attached`: whether the
    customer's file reached the appointment, None when there was none; `group`: the
    further seats' appointments of a booking of several course seats)."""
    token = _signer().sign(
        {
            "f": attached,
            "g": group or [],
            "o": org_id,
            "t": template_id,
            "id": appointment.id,
            "s": appointment.start.astimezone(UTC).isoformat(),
            "e": appointment.end.astimezone(UTC).isoformat(),
            "r": [r.id for r in appointment.resources],
            "z": payload.get("z", ""),
        }
    )
    return url_for("booking.confirmation", lang=lang, org_id=org_id, token=token)


def _load(org_id: str, token: str, later: str = "manage.show") -> dict[str, Any]:
    """The token's booking answer while it is fresh. Later the appointment may have been
    moved or cancelled, so an older (genuine) token leads to the live manage page."""
    try:
        data = _signer().load(token, max_age=FRESH_SECONDS)
    except InvalidToken:
        try:
            data = _signer().load(token)
        except InvalidToken:
            abort(404)
        if data.get("o") != org_id or not isinstance(data.get("t"), str):
            abort(404)
        end = datetime.fromisoformat(data["e"])
        token = manage_token(
            org_id, data["id"], data["t"], end, data.get("z", ""), group=data.get("g", [])
        )
        abort(redirect(url_for(later, lang=g.get("lang", "en"), org_id=org_id, token=token), 303))
    if data.get("o") != org_id:
        abort(404)
    return data


def _manage_url(
    lang: str, org_id: str, data: dict[str, Any], info: dict[str, Any], *, external: bool = False
) -> str:
    return manage_url(
        lang,
        org_id,
        data["id"],
        data["t"],
        info["end"],
        info["zone"].key,
        group=data.get("g", []),
        external=external,
    )


def _details(lang: str, org_id: str, data: dict[str, Any]) -> dict[str, Any]:
    org, template = load_service(lang, org_id, data["t"])
    names = {
        r.id: resource_name(r, lang, org.language) for s in template.steps for r in s.resources
    }
    start = datetime.fromisoformat(data["s"])
    end = datetime.fromisoformat(data["e"])
    return {
        "organization": org,
        "service": service_view(template, lang, org.language),
        "start": start,
        "end": end,
        "staff": [names[r] for r in data.get("r", []) if r in names],
        "zone": ZoneInfo(valid_zone(data.get("z")) or org.time_zone or "UTC"),
        "org_zone": business_zone(org.time_zone),
    }


@bp.get("/<lang>/o/<org_id>/confirmed/<token>")
def confirmation(lang: str, org_id: str, token: str) -> Any:
    """What was booked, when (customer's and business's zone), where, with whom."""
    check_ids(org_id)
    data = _load(org_id, token)
    info = _details(lang, org_id, data)

    return render_template(
        "confirmation.html",
        **info,
        when_customer=format_span(info["start"], info["end"], info["zone"], lang),
        when_business=format_span(info["start"], info["end"], info["org_zone"], lang),
        zone_name=get_timezone_name(info["zone"], locale=lang),
        org_zone_name=get_timezone_name(info["org_zone"], locale=lang),
        ics_url=url_for("booking.calendar_file", lang=lang, org_id=org_id, token=token),
        appointment_id=data["id"],
        manage_url=_manage_url(lang, org_id, data, info),
        attached=data.get("f"),
        seats=1 + len(data.get("g", [])),
    )


@bp.get("/<lang>/o/<org_id>/confirmed/<token>/appointment.ics")
def calendar_file(lang: str, org_id: str, token: str) -> Response:
    """The appointment as an iCalendar file, with the manage link in its description."""
    check_ids(org_id)
    data = _load(org_id, token, later="manage.calendar_file")
    info = _details(lang, org_id, data)
    manage = _manage_url(lang, org_id, data, info, external=True)
    return calendar_response(
        CalendarEntry(
            uid=f"{data['id']}@{request.host}",
            start=info["start"],
            end=info["end"],
            summary=f"{info['service'].name} – {info['organization'].name}",
            location=info["organization"].address_line,
            description=_("Change or cancel: %(url)s", url=manage),
            url=manage,
        )
    )
