"""The confirmation page and its calendar file, rendered from a signed token.

Everything the page shows comes from the token (what the booking answer said) and
from cached service data, so confirming costs no upstream request.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_time, get_timezone_name
from flask import Response, abort, current_app, render_template, request, url_for
from icalendar import Calendar, Event

from booking_app.booking.blueprint import bp, check_ids, load_service
from booking_app.booking.timezones import valid_zone
from booking_app.booking.viewmodels import resource_name, service_view
from booking_app.moduleapi import models
from booking_app.tokens import InvalidToken, TokenSigner

CONFIRMATION_SALT = "booking-confirmation-v1"


def _signer() -> TokenSigner:
    return TokenSigner(current_app.config["SECRET_KEY"], CONFIRMATION_SALT)


def confirmation_url(
    lang: str,
    org_id: str,
    template_id: str,
    appointment: models.Appointment,
    payload: dict[str, Any],
) -> str:
    """Where to send the customer after booking `appointment`."""
    token = _signer().sign(
        {
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


def _load(org_id: str, token: str) -> dict[str, Any]:
    try:
        data = _signer().load(token)
    except InvalidToken:
        abort(404)
    if data.get("o") != org_id:
        abort(404)
    return data


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
        "org_zone": ZoneInfo(valid_zone(org.time_zone) or "UTC"),
    }


@bp.get("/<lang>/o/<org_id>/confirmed/<token>")
def confirmation(lang: str, org_id: str, token: str) -> Any:
    """What was booked, when (customer's and business's zone), where, with whom."""
    check_ids(org_id)
    data = _load(org_id, token)
    info = _details(lang, org_id, data)

    def when(zone: ZoneInfo) -> str:
        start = info["start"].astimezone(zone)
        end = info["end"].astimezone(zone)
        return (
            f"{format_datetime(start, 'EEEE, d MMMM y, ', locale=lang)}"
            f"{format_time(start, 'short', locale=lang)}–{format_time(end, 'short', locale=lang)}"
        )

    return render_template(
        "confirmation.html",
        **info,
        when_customer=when(info["zone"]),
        when_business=when(info["org_zone"]),
        zone_name=get_timezone_name(info["zone"], locale=lang),
        org_zone_name=get_timezone_name(info["org_zone"], locale=lang),
        ics_url=url_for("booking.calendar_file", lang=lang, org_id=org_id, token=token),
        appointment_id=data["id"],
    )


@bp.get("/<lang>/o/<org_id>/confirmed/<token>/appointment.ics")
def calendar_file(lang: str, org_id: str, token: str) -> Response:
    """The appointment as an iCalendar file (RFC 5545)."""
    check_ids(org_id)
    data = _load(org_id, token)
    info = _details(lang, org_id, data)
    calendar = Calendar()
    calendar.add("prodid", "-//booking-app//bookingtime widget//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{data['id']}@{request.host}")
    event.add("sequence", 0)
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", info["start"].astimezone(UTC))
    event.add("dtend", info["end"].astimezone(UTC))
    event.add("summary", f"{info['service'].name} – {info['organization'].name}")
    if info["organization"].address_line:
        event.add("location", info["organization"].address_line)
    event.add("status", "CONFIRMED")
    calendar.add_component(event)
    return Response(
        calendar.to_ical(),
        mimetype="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="appointment.ics"'},
    )
