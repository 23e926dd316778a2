"""Several seats of a course in one booking.

A course (seats > 1) may let one customer book several seats at once: the template's
`additionalData.maxSeatsPerBooking` (the sandbox's convention, docs/sandbox.md). The
Module API books one seat per `appointment/add`, so N seats are N appointments whose
customIds derive from the form's idempotency key (`key`, `key-2`, …): a resubmitted
form finds each one instead of booking it twice. If a later seat cannot be had (the
date filled up meanwhile), the seats this booking already holds are cancelled, so the
customer never gets fewer seats than asked for without being told; a seat whose
cancel keeps failing is shown to the customer with its manage link.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from booking_app.booking.submit import Expected, send_booking
from booking_app.moduleapi import (
    ConflictError,
    ModuleApiClient,
    ModuleApiError,
    NotFoundError,
    models,
)
from booking_app.web.i18n import _
from booking_app.web.numbers import whole_number

log = logging.getLogger(__name__)
LIMIT = 10  # never more seats in one booking, whatever a template says
ROLLBACK_PAUSES = (0.3, 1.0)  # between the attempts to cancel one seat


def max_seats(template: models.BookingTemplate) -> int:
    """How many seats one booking of this service may take (1 for most services)."""
    value = (template.additional_data or {}).get("maxSeatsPerBooking", 1)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 1
    return max(1, min(int(value), LIMIT))


def read_seats(form: Mapping[str, str], cap: int) -> tuple[int, str | None]:
    """(seats asked for, an error key or None); 1 when the form offers no choice."""
    if cap <= 1:
        return 1, None
    raw = str(form.get("seats", "1")).strip()
    number = whole_number(raw, max_digits=3)
    if number is None or not 1 <= number <= cap:
        return 1, "invalid"
    return number, None


def seats_error_text(key: str) -> str:
    """The sentence for a seats error key."""
    if key == "too_few_left":
        return _("Not enough seats are left on this date. Choose fewer seats or another date.")
    return _("Choose how many seats you want")


def seat_key(key: str, index: int) -> str:
    """The customId of the `index`-th seat (0-based) of a booking with key `key`."""
    return key if index == 0 else f"{key}-{index + 1}"


@dataclass(frozen=True)
class Seats:
    """The seats of one booking: all of them (`group`), or none (`group` None) with the
    seats a failed rollback could not cancel (`held`: still booked for the customer)."""

    group: list[models.Appointment] | None
    held: list[models.Appointment]


def book_more_seats(
    client: ModuleApiClient,
    org_id: str,
    first: models.Appointment,
    seats: int,
    body_for: Callable[[str], dict[str, Any]],
    *,
    key: str,
    lang: str,
    expected: Expected,
) -> Seats:
    """Seats 2..`seats` after `first`: all of them, or none after cancelling every seat
    of this booking (`first` included) when one could not be had. A cancel that fails is
    retried; seats it still cannot cancel are `held` (the customer must see them)."""
    booked = [first]
    for index in range(1, seats):
        outcome = send_booking(client, org_id, body_for(seat_key(key, index)), expected, lang)
        if outcome.kind != "booked" or outcome.appointment is None:
            break  # the date filled up meanwhile, or this seat is lost in doubt
        booked.append(outcome.appointment)
    else:
        return Seats(booked, [])
    return Seats(None, roll_back(client, org_id, booked, lang))


def roll_back(
    client: ModuleApiClient, org_id: str, booked: list[models.Appointment], lang: str
) -> list[models.Appointment]:
    """Cancel each of `booked`, retrying a failed cancel; the ones still booked."""
    held = []
    for appointment in booked:
        if not _cancel(client, org_id, appointment, lang):
            held.append(appointment)
    return held


def _cancel(
    client: ModuleApiClient, org_id: str, appointment: models.Appointment, lang: str
) -> bool:
    for attempt, pause in enumerate((*ROLLBACK_PAUSES, None)):
        try:
            client.cancel_appointment(org_id, appointment.id, lang=lang)
            return True
        except (ConflictError, NotFoundError):
            return True  # cancelled already (a duplicate submission rolled back too)
        except ModuleApiError as error:
            log.warning(
                "seat %s not rolled back (attempt %d): %s",
                appointment.id,
                attempt + 1,
                type(error).__name__,
            )
        if pause is not None:
            time.sleep(pause)
    log.error("seat %s stays booked: its rollback failed", appointment.id)
    return False
