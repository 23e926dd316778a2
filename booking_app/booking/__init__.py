"""The customer's booking flow (blueprint): entry → slots → details → confirmation."""

from booking_app.booking import (  # noqa: F401 (routes)
    configs,
    confirmation,
    details,
    entry,
    slots,
    zones,
)
from booking_app.booking.blueprint import bp

__all__ = ["bp"]
