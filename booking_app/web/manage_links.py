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

from dataclasses import replace
from datetime import UTC, datetime

from flask import abort, url_for

from booking_app.web.state import MANAGE_TOKENS, ManageRef
from booking_app.web.timezones import valid_zone
from booking_app.web.tokens import InvalidToken


def manage_token(ref: ManageRef, end: datetime) -> str:
    """A token for the appointment `ref` names, which ends at `end`."""
    expires = int(datetime(end.year + 2, 1, 1, tzinfo=UTC).timestamp())
    return MANAGE_TOKENS.sign(replace(ref, zone=valid_zone(ref.zone) or "", expires=expires))


def manage_url(lang: str, ref: ManageRef, end: datetime, *, external: bool = False) -> str:
    """The manage page of an appointment (absolute with `external`, e.g. for .ics)."""
    token = manage_token(ref, end)
    return url_for("manage.show", lang=lang, org_id=ref.org_id, token=token, _external=external)


def load_ref(org_id: str, token: str) -> ManageRef:
    """The appointment a token names, or 404 for a tampered, expired or foreign token
    (one answer for all, so a probe learns nothing about what exists)."""
    try:
        ref = MANAGE_TOKENS.load(token)
    except InvalidToken:
        abort(404)
    if ref.org_id != org_id:
        abort(404)
    return ref


__all__ = ["ManageRef", "load_ref", "manage_token", "manage_url"]
