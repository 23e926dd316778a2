"""The sandbox's notion of "now": the real clock, or a pinned instant for tests."""

from __future__ import annotations

import threading
from datetime import UTC, datetime


class Clock:
    """A clock that tests (or `--now`) can pin; thread-safe."""

    def __init__(self, pinned: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._pinned = pinned

    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        with self._lock:
            return self._pinned or datetime.now(UTC)

    def pin(self, moment: datetime | None) -> None:
        """Pin the clock to `moment` (aware), or unpin it with None."""
        if moment is not None and moment.tzinfo is None:
            raise ValueError("a pinned time needs a UTC offset")
        with self._lock:
            self._pinned = moment.astimezone(UTC) if moment else None
