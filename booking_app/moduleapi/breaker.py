"""A small circuit breaker, so a dead upstream is not hammered by every request.

closed:     calls go out; consecutive failures are counted, a success resets them.
open:       after `threshold` consecutive failures, calls fail fast for `cooldown` s.
half-open:  then one trial call is let through (one per cooldown, across processes:
            a `cache.add` key); its success closes the circuit, its failure opens it
            again at once.

The state lives in the shared cache, so all workers of a Redis-backed deployment see
the same circuit; with the in-memory cache it is per process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from booking_app import metrics
from booking_app.cache import SafeCache


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
        self.upstream = name.partition(":")[0]  # the metrics' label: never the client id
        self._key = f"breaker:{name}"
        self.threshold = max(1, threshold)
        self.cooldown = cooldown
        self._clock = clock  # wall time: shared state needs a clock all processes agree on
        self._lock = threading.Lock()

    def _state(self) -> dict[str, float]:
        state: Any = self._cache.get(self._key)
        if isinstance(state, dict) and {"failures", "open_until"} <= set(state):
            return {"failures": float(state["failures"]), "open_until": float(state["open_until"])}
        return {"failures": 0.0, "open_until": 0.0}

    def _save(self, state: dict[str, float]) -> None:
        self._cache.set(self._key, state, timeout=int(self.cooldown * 6) + 60)

    @property
    def state(self) -> str:
        """`closed`, `open` or `half-open` (for logs and tests)."""
        current = self._state()
        if current["failures"] < self.threshold:
            return "closed"
        return "open" if current["open_until"] > self._clock() else "half-open"

    def allow(self) -> bool:
        """True when a call may go out now."""
        current = self._state()
        if current["failures"] < self.threshold:
            return True
        if current["open_until"] > self._clock():
            return False
        # Half-open: exactly one trial per cooldown period, whoever gets the key first.
        trial_key = f"{self._key}:trial:{current['open_until']:.3f}"
        return self._cache.add(trial_key, 1, timeout=int(self.cooldown) + 1)

    def record_success(self) -> None:
        """A call succeeded: close the circuit."""
        current = self._state()
        if current["failures"] or current["open_until"]:
            with self._lock:
                self._save({"failures": 0.0, "open_until": 0.0})

    def record_failure(self) -> None:
        """A call failed (connection error or 5xx): count it, maybe open."""
        with self._lock:
            current = self._state()
            current["failures"] += 1
            if current["failures"] >= self.threshold:
                if current["open_until"] <= self._clock():  # it opens now (not already open)
                    metrics.count_breaker_opened(self.upstream)
                current["failures"] = float(self.threshold)
                current["open_until"] = self._clock() + self.cooldown
            self._save(current)
