"""One date and time format per language, on every page.

The day is the locale's full date ("Friday, December 4, 2026", "Freitag,
4. Dezember 2026"); times are the locale's short time, without seconds, in its own
hour cycle (12 h in English, 24 h elsewhere); a start and an end are one interval
(`format_interval`: "10:00 - 10:30 AM", "10:00-10:30 Uhr" with en dashes); day and times are joined
the way the locale joins a date and a time. Every page that names an appointment's
time (the week view's days, the details form, the confirming, confirmation and manage
pages, the held seats) goes through here, so it reads the same everywhere.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_interval, format_time


@lru_cache(maxsize=32)
def _hour_skeleton(lang: str) -> str:
    """`hm` where the locale's short time is on a 12-hour clock, else `Hm`."""
    pattern = str(Locale.parse(lang).time_formats["short"].pattern)
    return "hm" if "h" in pattern else "Hm"


@lru_cache(maxsize=32)
def _joiner(lang: str) -> str:
    """The locale's way of joining a date ({1}) and a time ({0})."""
    return str(Locale.parse(lang).datetime_formats["medium"])


def day_label(day: date, lang: str) -> str:
    """The full date: "Friday, December 4, 2026"."""
    return format_date(day, format="full", locale=lang)


def time_label(moment: datetime, lang: str) -> str:
    """A short time, no seconds: "3:30 AM", "15:30"."""
    return format_time(moment, format="short", locale=lang)


def span_label(start: datetime, end: datetime, zone: ZoneInfo, lang: str) -> str:
    """The day and the start-end interval in `zone`: "Friday, December 4, 2026,
    10:00 - 10:30 AM" (an en dash); an interval over midnight names both days."""
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    if local_start.date() != local_end.date():
        return f"{when_label(local_start, zone, lang)} – {when_label(local_end, zone, lang)}"
    times = format_interval(
        local_start.replace(tzinfo=None),
        local_end.replace(tzinfo=None),
        skeleton=_hour_skeleton(lang),
        locale=lang,
    )
    return _joiner(lang).replace("{1}", day_label(local_start.date(), lang)).replace("{0}", times)


def when_label(moment: datetime, zone: ZoneInfo, lang: str) -> str:
    """The day and the start time in `zone`: "Friday, December 4, 2026, 3:30 AM"."""
    local = moment.astimezone(zone)
    joined = _joiner(lang).replace("{1}", day_label(local.date(), lang))
    return joined.replace("{0}", time_label(local, lang))
