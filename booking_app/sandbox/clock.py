"""The sandbox's notion of "now": the real clock shifted by an offset (`--now`,
`BOOKING_NOW`), which the control API can pin to a standing instant for a test."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class Clock:
    """The real time plus `offset`, running at real speed, unless pinned; thread-safe."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self._lock = threading.Lock()
        self._offset = offset
        self._pinned: datetime | None = None

    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        with self._lock:
            return self._pinned or datetime.now(UTC) + self._offset

    def pin(self, moment: datetime | None) -> None:
        """Stand still at `moment` (aware), or run again from the start offset with None."""
        if moment is not None and moment.tzinfo is None:
            raise ValueError("a pinned time needs a UTC offset")
        with self._lock:
            self._pinned = moment.astimezone(UTC) if moment else None
