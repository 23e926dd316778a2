"""Do a write once, even when the same form is submitted twice at the same moment.

The first request takes a short lock in the shared cache (Redis across processes)
and records its outcome; a duplicate waits for that outcome instead of sending the
change upstream a second time. Without a working cache each request goes ahead, and
the upstream's own rules keep the result right (a second cancel is refused, a second
move to the same slot changes nothing).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from booking_app.cache import SafeCache, app_cache

PENDING = "pending"
LOCK_SECONDS = 30
OUTCOME_SECONDS = 600
WAIT_SECONDS = 10.0


def _cache() -> SafeCache:
    return app_cache("once")


def run_once(
    key: str,
    action: Callable[[], dict[str, Any]],
    *,
    keep: Callable[[dict[str, Any]], bool] = lambda outcome: True,
) -> dict[str, Any]:
    """The outcome of `action`, run at most once per `key` within OUTCOME_SECONDS.

    An exception from `action` releases the key (so a retry may run it again) and
    propagates; so does an outcome that `keep` says is not worth keeping (a failed
    upload: a retry must run, not be shown the failure). A duplicate that waits longer
    than WAIT_SECONDS runs it itself. The key names the change itself (what from, what
    to), so that a later, distinct change runs.
    """
    cache = _cache()
    key = f"once:{key}"
    deadline = time.monotonic() + WAIT_SECONDS
    while not cache.add(key, PENDING, timeout=LOCK_SECONDS):
        recorded = cache.get(key)
        if isinstance(recorded, dict):
            return recorded
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    try:
        outcome = action()
    except BaseException:
        cache.delete(key)
        raise
    if keep(outcome):
        cache.set(key, outcome, timeout=OUTCOME_SECONDS)
    else:
        cache.delete(key)
    return outcome
