"""The booking blueprint: the customer's flow (entry → slots → details → confirmation)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from booking_app.web.headers import keep_private
from booking_app.web.lookup import language_context, url_language

bp = Blueprint("booking", __name__)
bp.url_value_preprocessor(url_language)
bp.app_context_processor(language_context)

# Pages whose URL, or whose links, are the key to an appointment: the confirmation and
# its calendar file, the confirming page, and every answer of a booking POST (its
# redirect names the confirmation; the held-seats page links to manage pages).
PRIVATE_ENDPOINTS = frozenset(
    {"booking.confirmation", "booking.calendar_file", "booking.confirming", "booking.book"}
)


@bp.after_request
def _private(response: Response) -> Response:
    return keep_private(response) if request.endpoint in PRIVATE_ENDPOINTS else response
