"""Response caches with stale-if-error.

Each entry is stored twice: fresh for its TTL, and as a "last good" copy for a
bounded staleness. When the upstream fails and the fresh copy is gone, the last
good copy is served (and the log says so) rather than an error page.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import TypeVar

from booking_app.moduleapi import errors
from booking_app.moduleapi.safecache import SafeCache

T = TypeVar("T")
log = logging.getLogger("booking_app.moduleapi")

# Failures where an old answer is better than none. A 404 or a refusal is an answer.
STALE_OK = (errors.ApiConnectionError, errors.ServerError, errors.RateLimitError)


class ResponseCache:
    """Fresh and last-good copies of upstream answers in a shared cache."""

    def __init__(self, cache: SafeCache, *, stale_ttl: int = 6 * 3600) -> None:
        self.cache = cache
        self.stale_ttl = stale_ttl

    def get_or_load(self, key: str, ttl: int, load: Callable[[], T]) -> T:
        """The cached value of `key`, else `load()`'s (cached for `ttl` seconds); on an
        upstream failure, the last good value within the staleness bound."""
        fresh = self.cache.get(f"fresh:{key}")
        if fresh is not None:
            return fresh  # type: ignore[no-any-return]
        try:
            value = load()
        except STALE_OK as error:
            stale = self.cache.get(f"stale:{key}")
            if stale is None:
                raise
            log.warning("serving a stale copy of %s: %s", key.split(":")[0], type(error).__name__)
            return stale  # type: ignore[no-any-return]
        self.cache.set(f"fresh:{key}", value, timeout=ttl)
        self.cache.set(f"stale:{key}", value, timeout=self.stale_ttl)
        return value

    def generation(self, scope: str) -> str:
        """A marker that changes when `scope` is invalidated (part of cache keys)."""
        marker = self.cache.get(f"gen:{scope}")
        if marker is None:
            marker = "0"
            self.cache.add(f"gen:{scope}", marker, timeout=24 * 3600)
        return str(marker)

    def invalidate(self, scope: str) -> None:
        """Make every key built with `generation(scope)` miss from now on."""
        self.cache.set(f"gen:{scope}", uuid.uuid4().hex[:8], timeout=24 * 3600)
