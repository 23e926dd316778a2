"""Counts the upstream calls made while serving one request, for the request log.

The transport reports every call it makes (`record`); whoever serves a request opens
a tally first (`start`) and reads it at the end. A context variable keeps tallies of
concurrent requests (threads, greenlets) apart, and keeps this module free of Flask.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class CallTally:
    """Upstream calls of one request: how many, how long in total, how many failed."""

    calls: int = 0
    ms: float = 0.0
    failures: int = 0


_current: ContextVar[CallTally | None] = ContextVar("moduleapi_call_tally", default=None)


def start() -> CallTally:
    """Open a new tally for the current request (replacing any earlier one)."""
    tally = CallTally()
    _current.set(tally)
    return tally


def stop() -> CallTally | None:
    """Close the current tally and return it (None when none was open)."""
    tally = _current.get()
    _current.set(None)
    return tally


def record(elapsed_ms: float, *, failed: bool) -> None:
    """Count one upstream call (a no-op outside a tally, e.g. in scripts)."""
    tally = _current.get()
    if tally is None:
        return
    tally.calls += 1
    tally.ms += elapsed_ms
    if failed:
        tally.failures += 1
