"""The widget's one clock: every "now" and "today" of `booking_app` comes from here.

A booking product lives on the calendar (the bookable range jumps at local midnight
on New Year's Day, clocks jump twice a year), so it must be possible to run it, and
its tests, as of any instant. `BOOKING_NOW` (an ISO 8601 instant with a zone, e.g.
`2026-12-31T23:20:00Z`) starts the clock there; it then runs on at real speed.
`BOOKING_NOW_SINCE` (a Unix time) says at which real moment the clock read
`BOOKING_NOW`; without it, that is when the process started. `make demo` and the
test suite set it, so that all their processes (widget, sandbox, tests) share one
timeline instead of each starting at `BOOKING_NOW` when it happens to start.

Security timers (token ages, rate-limit windows, breaker cool-downs) keep the real
clock: moving the business's calendar must not expire or renew them.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from flask import current_app, has_app_context

NOW_VARIABLE = "BOOKING_NOW"
SINCE_VARIABLE = "BOOKING_NOW_SINCE"
# "When the process started": read once, so every clock built in this process from the
# same BOOKING_NOW is the same clock (an app made later does not start it again).
PROCESS_START = time.time()


class ClockError(ValueError):
    """`BOOKING_NOW` or `BOOKING_NOW_SINCE` is malformed (the message names which)."""


def parse_instant(text: str, variable: str = NOW_VARIABLE) -> datetime:
    """An ISO 8601 instant with a zone (`Z` or an offset), as an aware UTC datetime.

    Raises ClockError naming `variable` for anything else, a time without a zone too:
    a wall-clock time names no instant.
    """
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ClockError(
            f"{variable} must be an ISO 8601 instant with a zone, like "
            f"2026-12-31T23:20:00Z, not {text!r}"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ClockError(f"{variable} needs a zone (Z or an offset like +01:00), not {text!r}")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ClockError(f"{variable} is out of range: {text!r}") from None


def parse_since(text: str, variable: str = SINCE_VARIABLE) -> float:
    """A Unix time (seconds, may have a fraction); ClockError naming `variable` else."""
    try:
        value = float(text.strip())
    except ValueError:
        raise ClockError(f"{variable} must be a Unix time in seconds, not {text!r}") from None
    if not 0 < value < 2**33:
        raise ClockError(f"{variable} must be a Unix time in seconds, not {text!r}")
    return value


@dataclass(frozen=True)
class Clock:
    """The real clock shifted by `offset` (zero: the real time)."""

    offset: timedelta = timedelta(0)

    @classmethod
    def starting_at(cls, moment: datetime, since: float | None = None) -> Clock:
        """A clock that read `moment` at the real Unix time `since` (default: when the
        process started)."""
        real = PROCESS_START if since is None else since
        return cls(moment - datetime.fromtimestamp(real, UTC))

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Clock:
        """The clock `BOOKING_NOW` / `BOOKING_NOW_SINCE` describe (the real one when
        `BOOKING_NOW` is unset or empty). Raises ClockError on a malformed value."""
        env = os.environ if environ is None else environ
        start = env.get(NOW_VARIABLE, "").strip()
        if not start:
            return cls()
        since = env.get(SINCE_VARIABLE, "").strip()
        return cls.starting_at(parse_instant(start), parse_since(since) if since else None)

    @property
    def moved(self) -> bool:
        """Whether this clock is not the real time."""
        return self.offset != timedelta(0)

    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        return datetime.now(UTC) + self.offset

    def today(self, zone: tzinfo) -> date:
        """Today's date in `zone` (the business's zone, where a business date is meant)."""
        return self.now().astimezone(zone).date()


EXTENSION = "booking_clock"  # app.extensions key: an app's own clock (create_app sets it)
_lock = threading.Lock()
_current: Clock | None = None


def current() -> Clock:
    """The clock in force: the current app's (its settings' `BOOKING_NOW`), else the
    process's (the environment's)."""
    if has_app_context():
        own: Clock | None = current_app.extensions.get(EXTENSION)
        if own is not None:
            return own
    return process_clock()


def process_clock() -> Clock:
    """The process's clock, from the environment (read once)."""
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                _current = Clock.from_environ()
    return _current


def now() -> datetime:
    """The current instant of the clock in force, aware, in UTC."""
    return current().now()


def today(zone: tzinfo) -> date:
    """Today in `zone` by the clock in force."""
    return current().today(zone)
