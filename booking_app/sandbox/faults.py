"""Injected faults and request counters for the control API (`--control`)."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Fault:
    """What to do to requests whose `METHOD route-template` contains `route`."""

    route: str = ""
    latency_ms: int = 0
    status: int = 0
    retry_after: int | None = None
    drop: bool = False
    commit_then_hang_s: float = 0.0
    times: int = 1  # 0 = until cleared
    used: int = field(default=0, compare=False)

    @classmethod
    def from_json(cls, body: Any) -> Fault:
        """Build from a control API body; ValueError on anything unexpected."""
        if not isinstance(body, dict):
            raise ValueError("a fault is a JSON object")
        allowed = {
            "route",
            "latency_ms",
            "status",
            "retry_after",
            "drop",
            "commit_then_hang_s",
            "times",
        }
        unknown = set(body) - allowed
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        fault = cls(**body)
        if not isinstance(fault.route, str) or not 0 <= int(fault.latency_ms) <= 120_000:
            raise ValueError("route must be text and latency_ms 0..120000")
        if fault.status and not 400 <= int(fault.status) <= 599:
            raise ValueError("status must be an HTTP error status")
        return fault


class FaultBook:
    """Counters per route template, injected faults and a global latency."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._counts: Counter[str] = Counter()
        self.latency_ms = 0

    def count(self, route: str) -> None:
        """Count one request to `route` (`"GET organization/<orgId>/show"`)."""
        with self._lock:
            self._counts[route] += 1

    def counters(self) -> dict[str, Any]:
        """Totals since the last reset."""
        with self._lock:
            return {"total": sum(self._counts.values()), "routes": dict(self._counts)}

    def reset_counters(self) -> None:
        """Start counting from zero."""
        with self._lock:
            self._counts.clear()

    def add(self, fault: Fault) -> None:
        """Inject a fault."""
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        """Remove every fault and the global latency."""
        with self._lock:
            self._faults.clear()
            self.latency_ms = 0

    def take(self, route: str) -> Fault | None:
        """The first active fault matching `route`, used up once."""
        with self._lock:
            for fault in self._faults:
                if fault.route in route:
                    fault.used += 1
                    if fault.times and fault.used >= fault.times:
                        self._faults.remove(fault)
                    return fault
        return None
