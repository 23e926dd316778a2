"""Manage links: signed tokens naming one organization's one appointment.

The token is the customer's only key to the appointment (no account, no cookie), so
it is unguessable (HMAC with `BOOKING_SECRET_KEY`) and bound to the organization and
the appointment. It stops working when the appointment ends: the pages read the
appointment live and answer 404 once its (current) end has passed, so a link from
the first confirmation keeps working after the appointment was moved to a later day.
The token's own expiry is only a backstop: the end of the year after `end`, the
latest an appointment can be moved to. It carries the service and the customer's
time zone too, so the pages need not ask for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import abort, current_app, url_for

from booking_app.booking.timezones import valid_zone
from booking_app.tokens import MANAGE_SALT, InvalidToken, TokenSigner


@dataclass(frozen=True)
class ManageRef:
    """What a genuine manage token names."""

    org_id: str
    appointment_id: str
    template_id: str
    zone: str
    group: tuple[str, ...] = ()  # the further seats of a booking of several course seats


def _signer() -> TokenSigner:
    return TokenSigner(current_app.config["SECRET_KEY"], MANAGE_SALT)


def manage_token(
    org_id: str,
    appointment_id: str,
    template_id: str,
    end: datetime,
    zone: str,
    *,
    group: list[str] | tuple[str, ...] = (),
) -> str:
    """A token for this appointment, which ends at `end` (and the further seats'
    appointments `group` of a booking of several seats)."""
    return _signer().sign(
        {
            "g": list(group),
            "o": org_id,
            "id": appointment_id,
            "t": template_id,
            "z": valid_zone(zone) or "",
            "exp": int(datetime(end.year + 2, 1, 1, tzinfo=UTC).timestamp()),
        }
    )


def manage_url(
    lang: str,
    org_id: str,
    appointment_id: str,
    template_id: str,
    end: datetime,
    zone: str,
    *,
    group: list[str] | tuple[str, ...] = (),
    external: bool = False,
) -> str:
    """The manage page of an appointment (absolute with `external`, e.g. for .ics)."""
    token = manage_token(org_id, appointment_id, template_id, end, zone, group=group)
    return url_for("manage.show", lang=lang, org_id=org_id, token=token, _external=external)


def load_ref(org_id: str, token: str) -> ManageRef:
    """The appointment a token names, or 404 for a tampered, expired or foreign token
    (one answer for all, so a probe learns nothing about what exists)."""
    try:
        data = _signer().load(token)
    except InvalidToken:
        abort(404)
    fields = (data.get("o"), data.get("id"), data.get("t"), data.get("z", ""))
    group = data.get("g", [])
    if not all(isinstance(f, str) for f in fields) or data.get("o") != org_id:
        abort(404)
    if not isinstance(group, list) or not all(isinstance(g, str) for g in group):
        abort(404)
    return ManageRef(org_id, data["id"], data["t"], data.get("z", ""), tuple(group))
