"""The customer's booking flow (blueprint): entry → slots → details → confirmation."""

from booking_app.booking import confirmation, details, entry, slots  # noqa: F401 (routes)
from booking_app.booking.blueprint import bp

__all__ = ["bp"]
