"""Appointments as iCalendar files (RFC 5545).

One UID per appointment (its id), so a calendar that imported the booking updates
the same entry when it is moved (higher SEQUENCE) or cancelled (METHOD:CANCEL).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from flask import Response

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
    # Imported here: icalendar (with dateutil and ctypes) is ~4.5 MiB per worker, and
    # only calendar files need it.
    from icalendar import Calendar, Event

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


def file_name(title: str) -> str:
    """A calendar file's name after its service (`Haircut.ics`; `appointment.ics` when
    nothing printable is left), safe in a Content-Disposition header."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-")[:60]
    return f"{words or 'appointment'}.ics"


def calendar_response(entry: CalendarEntry, name: str = "") -> Response:
    """The entry as a downloadable calendar file named after `name` (never cached: it
    changes). RFC 6266: an ASCII name, and the exact one as `filename*`."""
    disposition = f'attachment; filename="{file_name(name)}"'
    if name:
        disposition += f"; filename*=UTF-8''{quote(name[:60] + '.ics', safe='')}"
    return Response(
        calendar_bytes(entry),
        mimetype="text/calendar",
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


def google_calendar_url(entry: CalendarEntry) -> str:
    """ "Add to Google Calendar" for the entry (no manage link: that key stays ours)."""
    stamp = "%Y%m%dT%H%M%SZ"
    query = {
        "action": "TEMPLATE",
        "text": entry.summary,
        "dates": f"{entry.start.astimezone(UTC):{stamp}}/{entry.end.astimezone(UTC):{stamp}}",
        "location": entry.location,
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def outlook_calendar_url(entry: CalendarEntry) -> str:
    """ "Add to Outlook" (outlook.com) for the entry (no manage link either)."""
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": entry.summary,
        "startdt": entry.start.astimezone(UTC).isoformat(),
        "enddt": entry.end.astimezone(UTC).isoformat(),
        "location": entry.location,
    }
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(query)
