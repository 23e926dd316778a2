"""Sending one booking upstream, and finding out what became of it.

Every answer is one of: a success (any 2xx, whatever its body names), a clean refusal
(the slot is taken, a field is refused, the service said it did not act), a request
that certainly never left, or an unclear one (a timeout after sending, a dropped
connection, a 500/502/504, a body that cannot be read). After an unclear answer, or a
refusal naming the `customId` (the upstream says the key exists), the booking is
looked up by its customId (`identify`, then `show`) before anything is said. A found
appointment that is cancelled is never "booked".
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from booking_app.booking.form import UPSTREAM_FIELDS
from booking_app.moduleapi import (
    ApiConnectionError,
    AuthenticationError,
    ConflictError,
    ModuleApiClient,
    ModuleApiError,
    NotFoundError,
    RateLimitError,
    ServerError,
    ValidationError,
    models,
)

Kind = Literal["booked", "cancelled", "taken", "refused", "unreached", "unknown"]
# A 503 or 429 says the service did not act; 500, 502 and 504 leave it open.
CLEAN_SERVER_STATUSES = frozenset({503})
LOOKUPS = 2  # identify this often after an unclear answer (a write may be finishing)
LOOKUP_PAUSE = 0.4


@dataclass(frozen=True)
class Outcome:
    """What sending one booking upstream came to."""

    kind: Kind
    appointment: models.Appointment | None = None
    field_errors: dict[str, str] | None = None  # "refused": the fields the upstream named


@dataclass(frozen=True)
class Expected:
    """What the widget knows of the booking before any answer: from the form token."""

    start: datetime
    duration_minutes: int
    resource_ids: tuple[str, ...] = ()

    def appointment(self, appointment_id: str) -> models.Appointment:
        """A stand-in for an appointment the upstream named only by id."""
        end = self.start + timedelta(minutes=max(self.duration_minutes, 0))
        resources = tuple(models.BookingResource(id=r) for r in self.resource_ids)
        return models.Appointment(id=appointment_id, start=self.start, end=end, resources=resources)


def find_booking(
    client: ModuleApiClient,
    org_id: str,
    custom_id: str,
    lang: str,
    *,
    lookups: int = 1,
) -> Outcome:
    """The appointment booked under `custom_id`: "booked" or "cancelled" (identify, then
    show for its current state), else "unknown" (none found, or no answer)."""
    for attempt in range(lookups):
        try:
            found = client.identify_appointments(org_id, custom_id, lang=lang)
        except ModuleApiError:
            found = []
        if found:
            live = [a for a in found if not a.canceled]
            pick = live[0] if live else found[0]
            current = _shown(client, org_id, pick, lang)
            return Outcome("cancelled" if current.canceled else "booked", current)
        if attempt + 1 < lookups:
            time.sleep(LOOKUP_PAUSE)
    return Outcome("unknown")


def _shown(
    client: ModuleApiClient, org_id: str, known: models.Appointment, lang: str
) -> models.Appointment:
    """`known` as `show` has it now (its resources kept when `show` names none)."""
    try:
        shown = client.get_appointment(org_id, known.id, lang=lang)
    except ModuleApiError:
        return known
    if not shown.resources and known.resources:
        shown = replace(shown, resources=known.resources)
    return shown


def complete(
    client: ModuleApiClient,
    org_id: str,
    answer: models.AddAnswer,
    custom_id: str,
    expected: Expected,
    lang: str,
) -> Outcome:
    """The booked appointment of a 2xx answer: the answer itself when it names the
    staff, else `show` by the id it named (else `identify` by customId), else what the
    form token knows. A success stays a success whatever is missing."""
    appointment = answer.appointment
    if appointment is not None and appointment.resources:
        return Outcome("booked", appointment)
    appointment_id = appointment.id if appointment else answer.appointment_id
    if appointment_id:
        stand_in = appointment or expected.appointment(appointment_id)
        return Outcome("booked", _shown(client, org_id, stand_in, lang))
    found = find_booking(client, org_id, custom_id, lang, lookups=LOOKUPS)
    if found.kind == "booked" and found.appointment is not None:
        return found
    # Booked (the 2xx says so) but not found yet: confirm it by identify later.
    return Outcome("unknown")


def send_booking(
    client: ModuleApiClient,
    org_id: str,
    body: Mapping[str, Any],
    expected: Expected,
    lang: str,
) -> Outcome:
    """Send one `appointment/add` and say what it came to."""
    custom_id = str(body.get("customId", ""))
    try:
        answer = client.add_appointment(org_id, body, lang=lang)
    except (ConflictError, ValidationError) as refusal:
        if "customId" in refusal.parameters:  # the key exists: whatever it is, find it
            return find_booking(client, org_id, custom_id, lang, lookups=LOOKUPS)
        fields = {
            UPSTREAM_FIELDS[p]: "invalid" for p, _t in refusal.failures if p in UPSTREAM_FIELDS
        }
        if fields:
            return Outcome("refused", field_errors=fields)
        # Taken: perhaps by this very form, sent by another process that shares no
        # cache with this one (and an upstream that accepts a repeated customId).
        found = find_booking(client, org_id, custom_id, lang)
        return found if found.kind != "unknown" else Outcome("taken")
    except ApiConnectionError as error:
        if not error.sent:
            return Outcome("unreached")
        return find_booking(client, org_id, custom_id, lang, lookups=LOOKUPS)
    except (RateLimitError, AuthenticationError, NotFoundError):
        return Outcome("unreached")  # refused before acting: nothing was booked
    except ServerError as error:
        found = find_booking(client, org_id, custom_id, lang, lookups=LOOKUPS)
        if found.kind == "unknown" and error.status in CLEAN_SERVER_STATUSES:
            return Outcome("unreached")
        return found
    except ModuleApiError:  # an answer that cannot be read (a 2xx one: booked)
        return find_booking(client, org_id, custom_id, lang, lookups=LOOKUPS)
    return complete(client, org_id, answer, custom_id, expected, lang)
