"""A small circuit breaker, so a dead upstream is not hammered by every request.

After `threshold` consecutive failures the circuit opens for `cooldown` seconds:
calls fail fast with CircuitOpenError. Then one trial call is let through; its
success closes the circuit. The state lives in the shared cache when there is one
(Redis), so all workers see the same circuit; otherwise in this process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from booking_app.moduleapi.safecache import SafeCache


class CircuitBreaker:
    """Counts consecutive failures of one upstream and opens after too many."""

    def __init__(
        self,
        cache: SafeCache,
        *,
        name: str = "moduleapi",
        threshold: int = 5,
        cooldown: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._cache = cache
        self._key = f"breaker:{name}"
        self.threshold = threshold
        self.cooldown = cooldown
        self._clock = clock  # wall time: shared state needs a clock all processes agree on
        self._lock = threading.Lock()

    def _state(self) -> dict[str, float]:
        state = self._cache.get(self._key)
        return state if isinstance(state, dict) else {"failures": 0, "open_until": 0.0}

    def _save(self, state: dict[str, float]) -> None:
        self._cache.set(self._key, state, timeout=int(self.cooldown * 6) + 1)

    def allow(self) -> bool:
        """True when a call may go out now."""
        return self._state()["open_until"] <= self._clock()

    def record_success(self) -> None:
        """A call succeeded: close the circuit."""
        state = self._state()
        if state["failures"] or state["open_until"]:
            with self._lock:
                self._save({"failures": 0, "open_until": 0.0})

    def record_failure(self) -> None:
        """A call failed (connection error or 5xx): count it, maybe open."""
        with self._lock:
            state = self._state()
            state["failures"] = state["failures"] + 1
            if state["failures"] >= self.threshold:
                state["open_until"] = self._clock() + self.cooldown
                state["failures"] = 0
            self._save(state)
