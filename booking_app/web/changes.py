"""Appointments changed through the widget since they were booked.

The confirmation page trusts the booking answer in its token for ten minutes, so it
costs no upstream request. A move or a cancel made through the widget within that
time marks the appointment here (the shared cache: every process sees it), and the
confirmation page then forwards to the live manage page at once instead of showing
the old time, or a cancelled booking as booked. (A change made by the business
outside the widget shows there once the ten minutes are over.)
"""

from __future__ import annotations

from booking_app.cache import SafeCache, app_cache

MARK_SECONDS = 900  # longer than the confirmation's ten minutes of trust


def _cache() -> SafeCache:
    return app_cache("changes")


def mark_changed(org_id: str, appointment_id: str) -> None:
    """`appointment_id` was moved or cancelled through the widget just now."""
    _cache().set(f"changed:{org_id}:{appointment_id}", 1, timeout=MARK_SECONDS)


def was_changed(org_id: str, appointment_id: str) -> bool:
    """Whether `appointment_id` was moved or cancelled through the widget lately."""
    return _cache().get(f"changed:{org_id}:{appointment_id}") is not None
