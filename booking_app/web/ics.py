"""Appointments as iCalendar files (RFC 5545).

One UID per appointment (its id), so a calendar that imported the booking updates
the same entry when it is moved (higher SEQUENCE) or cancelled (METHOD:CANCEL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Response
from icalendar import Calendar, Event

from booking_app import clock

# SEQUENCE must grow with every change; the widget keeps no record of changes, so a
# changed appointment's sequence is the minutes since this epoch at the time asked.
SEQUENCE_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class CalendarEntry:
    """What a calendar file says about one appointment."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    location: str = ""
    description: str = ""
    url: str = ""
    sequence: int = 0
    cancelled: bool = False


def change_sequence(now: datetime | None = None) -> int:
    """A SEQUENCE larger than any given before: minutes since SEQUENCE_EPOCH."""
    moment = now or clock.now()
    return max(1, int((moment - SEQUENCE_EPOCH).total_seconds() // 60))


def calendar_bytes(entry: CalendarEntry) -> bytes:
    """The VCALENDAR text: PUBLISH + CONFIRMED, or CANCEL + CANCELLED."""
    calendar = Calendar()
    calendar.add("prodid", "-//booking-app//bookingtime widget//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if entry.cancelled else "PUBLISH")
    event = Event()
    event.add("uid", entry.uid)
    event.add("sequence", entry.sequence)
    event.add("dtstamp", clock.now())
    event.add("dtstart", entry.start.astimezone(UTC))
    event.add("dtend", entry.end.astimezone(UTC))
    event.add("summary", entry.summary)
    if entry.location:
        event.add("location", entry.location)
    if entry.description:
        event.add("description", entry.description)
    if entry.url:
        event.add("url", entry.url)
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def calendar_response(entry: CalendarEntry) -> Response:
    """The entry as a downloadable `appointment.ics` (never cached: it changes)."""
    return Response(
        calendar_bytes(entry),
        mimetype="text/calendar",
        headers={
            "Content-Disposition": 'attachment; filename="appointment.ics"',
            "Cache-Control": "no-store",
        },
    )
