"""Response caches with stale-if-error and generation-based invalidation.

Each entry is stored twice: fresh for its TTL, and as a "last good" copy for a
bounded staleness. When the upstream fails (connection, 5xx, 429) and the fresh
copy is gone, the last good copy is served, with a warning in the log, rather than
an error page. A 404 or a refusal is an answer, not a failure: it is raised (and a
404 is remembered for NEGATIVE_TTL seconds, so made-up ids cost one request).

A key may embed `generation(scope)`: `invalidate(scope)` changes that marker, so
every key built with the old one misses from then on (fresh and stale alike).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from typing import TypeVar

from booking_app import metrics
from booking_app.cache import SafeCache, cache_tier
from booking_app.moduleapi import errors

T = TypeVar("T")
log = logging.getLogger("booking_app.moduleapi")

# Failures where an old answer is better than none.
STALE_OK = (errors.ApiConnectionError, errors.ServerError, errors.RateLimitError)
GENERATION_TTL = 24 * 3600
# A "not found" is remembered briefly: made-up ids (a config, an entity, a template)
# must not cost an upstream request each time they are asked for.
NEGATIVE_TTL = 30
LOCK_STRIPES = 64


class ResponseCache:
    """Fresh and last-good copies of upstream answers in a shared cache."""

    def __init__(self, cache: SafeCache, *, stale_ttl: int = 6 * 3600) -> None:
        self.cache = cache
        self.stale_ttl = stale_ttl
        self._locks = [threading.Lock() for _ in range(LOCK_STRIPES)]

    def peek(self, key: str) -> object | None:
        """The fresh value of `key`, if any (no loading)."""
        return self.cache.get(f"fresh:{key}")  # type: ignore[no-any-return]

    def get_or_load(
        self,
        key: str,
        ttl: int,
        load: Callable[[], T],
        *,
        stale_ttl: int | None = None,
        what: str = "answer",
    ) -> T:
        """The cached value of `key`, else `load()`'s (cached for `ttl` seconds); on an
        upstream failure, the last good value if it is at most `stale_ttl` seconds old.

        Threads of this process asking for the same key at once load it once.
        """
        fresh = self.cache.get(f"fresh:{key}")
        if fresh is not None:
            metrics.count_cache(cache_tier(self.cache.backend), hit=True)
            return fresh  # type: ignore[no-any-return]
        absent = self.cache.get(f"absent:{key}")
        if isinstance(absent, dict):
            metrics.count_cache(cache_tier(self.cache.backend), hit=True)  # a remembered 404
            failures = [(p, str(t)) for p, t in absent.get("failures", [])]
            raise errors.NotFoundError(str(absent.get("message")), status=404, failures=failures)
        with self._locks[hash(key) % LOCK_STRIPES]:
            fresh = self.cache.get(f"fresh:{key}")
            if fresh is not None:
                metrics.count_cache(cache_tier(self.cache.backend), hit=True)  # loaded meanwhile
                return fresh  # type: ignore[no-any-return]
            metrics.count_cache(cache_tier(self.cache.backend), hit=False)
            try:
                value = load()
            except errors.NotFoundError as error:
                remembered = {"message": error.message[:200], "failures": error.failures[:5]}
                self.cache.set(f"absent:{key}", remembered, timeout=NEGATIVE_TTL)
                raise
            except STALE_OK as error:
                stale = self.cache.get(f"stale:{key}")
                if stale is None:
                    raise
                metrics.count_stale(cache_tier(self.cache.backend))
                log.warning(
                    "moduleapi serving a stale copy of the %s: %s rid=%s",
                    what,
                    type(error).__name__,
                    error.request_id,
                )
                return stale  # type: ignore[no-any-return]
            self.cache.set(f"fresh:{key}", value, timeout=ttl)
            self.cache.set(f"stale:{key}", value, timeout=stale_ttl or self.stale_ttl)
            return value

    def generation(self, scope: str) -> str:
        """A marker that changes when `scope` is invalidated (part of cache keys).

        A missing marker (never set, or evicted) becomes a new random one, so an
        eviction can only cause misses, never bring back an invalidated entry.
        """
        key = f"gen:{scope}"
        marker = self.cache.get(key)
        if marker is None:
            self.cache.add(key, uuid.uuid4().hex[:12], timeout=GENERATION_TTL)
            marker = self.cache.get(key)
        return str(marker) if marker is not None else "none"

    def invalidate(self, scope: str) -> None:
        """Make every key built with `generation(scope)` miss from now on."""
        self.cache.set(f"gen:{scope}", uuid.uuid4().hex[:12], timeout=GENERATION_TTL)
