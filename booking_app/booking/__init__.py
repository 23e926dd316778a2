"""The customer's booking flow (blueprint)."""

from booking_app.booking.views import bp

__all__ = ["bp"]
