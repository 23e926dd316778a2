"""Several seats of a course in one booking.

A course (seats > 1) may let one customer book several seats at once: the template's
`additionalData.maxSeatsPerBooking` (the sandbox's convention, docs/sandbox.md). The
Module API books one seat per `appointment/add`, so N seats are N appointments whose
customIds derive from the form's idempotency key (`key`, `key-2`, …): a resubmitted
form finds each one instead of booking it twice. If a later seat cannot be had (the
date filled up meanwhile), the seats this booking already holds are cancelled, so the
customer never gets fewer seats than asked for without being told.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from booking_app.moduleapi import (
    ApiConnectionError,
    ConflictError,
    ModuleApiClient,
    ModuleApiError,
    NotFoundError,
    ServerError,
    models,
)
from booking_app.web.i18n import _

log = logging.getLogger(__name__)
LIMIT = 10  # never more seats in one booking, whatever a template says


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
    if not raw.isdigit() or not 1 <= int(raw) <= cap:
        return 1, "invalid"
    return int(raw), None


def seats_error_text(key: str) -> str:
    """The sentence for a seats error key."""
    if key == "too_few_left":
        return _("Not enough seats are left on this date. Choose fewer seats or another date.")
    return _("Choose how many seats you want")


def seat_key(key: str, index: int) -> str:
    """The customId of the `index`-th seat (0-based) of a booking with key `key`."""
    return key if index == 0 else f"{key}-{index + 1}"


def book_more_seats(
    client: ModuleApiClient,
    org_id: str,
    first: models.Appointment,
    seats: int,
    body_for: Callable[[str], dict[str, Any]],
    *,
    key: str,
    lang: str,
) -> list[models.Appointment] | None:
    """Seats 2..`seats` after `first`; all of them, or None after cancelling every seat
    of this booking (`first` included) when one could not be had."""
    booked = [first]
    for index in range(1, seats):
        custom_id = seat_key(key, index)
        try:
            booked.append(client.add_appointment(org_id, body_for(custom_id), lang=lang))
            continue
        except ConflictError as conflict:
            if "customId" not in conflict.parameters:
                break  # the date filled up meanwhile
        except (ApiConnectionError, ServerError):
            pass  # the answer was lost: it may exist
        except ModuleApiError:
            break
        try:
            booked.append(client.identify_appointment(org_id, custom_id, lang=lang))
        except ModuleApiError:
            break
    else:
        return booked
    for appointment in booked:
        try:
            client.cancel_appointment(org_id, appointment.id, lang=lang)
        except (ConflictError, NotFoundError):
            pass  # cancelled already (a duplicate submission rolled back too)
        except ModuleApiError as error:
            log.error("seat %s not rolled back: %s", appointment.id, type(error).__name__)
    return None
