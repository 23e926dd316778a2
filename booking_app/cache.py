"""The shared cache: in-process memory by default, Redis when `BOOKING_CACHE_URL` is set.

Flask-Caching's backends are used directly (not through its Flask extension),
because the Module API client also needs them outside a request. `SafeCache` wraps a
backend so that it never raises: a shared cache that is down (Redis gone) must
degrade the widget (more upstream calls), not break it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, current_app
from flask_caching.backends.rediscache import RedisCache
from flask_caching.backends.simplecache import SimpleCache

from booking_app.config import Settings

log = logging.getLogger("booking_app.cache")


class SafeCache:
    """`get/set/add/delete` of a Flask-Caching backend, with failures logged, not raised."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self._last_warning = 0.0

    def _degraded(self, op: str, error: Exception) -> None:
        now = time.monotonic()
        if now - self._last_warning > 10:  # one line per 10 s, not one per request
            self._last_warning = now
            log.warning("cache %s failed, continuing without it: %s", op, type(error).__name__)

    def get(self, key: str) -> Any:
        """The cached value, or None (also when the cache fails)."""
        try:
            return self.backend.get(key)
        except Exception as error:
            self._degraded("get", error)
            return None

    def set(self, key: str, value: Any, timeout: int) -> None:
        """Store `value` for `timeout` seconds (best effort)."""
        try:
            self.backend.set(key, value, timeout=timeout)
        except Exception as error:
            self._degraded("set", error)

    def add(self, key: str, value: Any, timeout: int) -> bool:
        """Store only if absent; True when stored. A failing cache answers True, so the
        caller goes ahead on its own rather than waiting for a lock nobody holds."""
        try:
            return bool(self.backend.add(key, value, timeout=timeout))
        except Exception as error:
            self._degraded("add", error)
            return True

    def delete(self, key: str) -> None:
        """Remove `key` (best effort)."""
        try:
            self.backend.delete(key)
        except Exception as error:
            self._degraded("delete", error)


class TieredCache:
    """Redis with this process's memory behind it, so a dead or hung Redis costs
    milliseconds, not seconds, and the widget keeps its caches, tokens, breaker and
    booking claims (per process) until Redis is back.

    While Redis answers, every operation goes to Redis (one truth for all processes:
    locks, claims, generations) and each value written or read is also kept in memory.
    When an operation fails (Redis down, or slower than its short socket timeout),
    Redis is left alone for a back-off (`BACKOFF_FIRST` s, doubling up to
    `BACKOFF_MAX`) and the memory tier answers alone; then one operation tries Redis
    again. `state` says which ("ok" or "degraded") for /readyz."""

    BACKOFF_FIRST = 2.0
    BACKOFF_MAX = 30.0
    LOCAL_MAX_TIMEOUT = 3600

    def __init__(self, remote: Any, local: Any | None = None) -> None:
        self.remote = remote
        self.local = local if local is not None else SimpleCache(threshold=5000)
        self._retry_at = 0.0
        self._backoff = self.BACKOFF_FIRST
        self._last_warning = 0.0

    @property
    def state(self) -> str:
        """ "ok" while Redis answers, "degraded" while the memory tier answers alone."""
        return "degraded" if time.monotonic() < self._retry_at else "ok"

    def _use_remote(self) -> bool:
        return time.monotonic() >= self._retry_at

    def _failed(self, op: str, error: Exception) -> None:
        now = time.monotonic()
        self._retry_at = now + self._backoff
        self._backoff = min(self._backoff * 2, self.BACKOFF_MAX)
        if now - self._last_warning > 10:
            self._last_warning = now
            log.warning(
                "redis %s failed (%s): this process caches in memory for %.0f s",
                op,
                type(error).__name__,
                self._retry_at - now,
            )

    def _recovered(self) -> None:
        if self._backoff != self.BACKOFF_FIRST:
            log.warning("redis answers again")
            self._backoff = self.BACKOFF_FIRST

    def _local_timeout(self, timeout: int | None) -> int:
        return min(timeout or 300, self.LOCAL_MAX_TIMEOUT)

    def get(self, key: str) -> Any:
        """Redis's value (kept in memory too), or memory's while Redis is away."""
        if self._use_remote():
            try:
                value = self.remote.get(key)
            except Exception as error:
                self._failed("get", error)
            else:
                self._recovered()
                return value
        return self.local.get(key)

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        """Store in memory and (while it answers) in Redis."""
        self.local.set(key, value, timeout=self._local_timeout(timeout))
        if self._use_remote():
            try:
                self.remote.set(key, value, timeout=timeout)
            except Exception as error:
                self._failed("set", error)
            else:
                self._recovered()
        return True

    def add(self, key: str, value: Any, timeout: int | None = None) -> bool:
        """Store only if absent: Redis decides across processes while it answers;
        while it is away this process's memory decides (per process)."""
        if self._use_remote():
            try:
                added = bool(self.remote.add(key, value, timeout=timeout))
            except Exception as error:
                self._failed("add", error)
            else:
                self._recovered()
                if added:
                    self.local.set(key, value, timeout=self._local_timeout(timeout))
                return added
        return bool(self.local.add(key, value, timeout=self._local_timeout(timeout)))

    def delete(self, key: str) -> bool:
        """Remove from memory and (while it answers) from Redis."""
        self.local.delete(key)
        if self._use_remote():
            try:
                self.remote.delete(key)
            except Exception as error:
                self._failed("delete", error)
        return True


# Short: a hung Redis must cost a request a fraction of a second, not seconds (then the
# back-off of TieredCache keeps it from costing anything). A dead Redis refuses the
# connection at once; a frozen one accepts it and never answers, so the read timeout is
# the one that counts. Both leave room for a busy machine: 0.2 s proved too tight when
# many threads connect at once (a slow connect is taken for a dead Redis, and that
# process goes its own way for the back-off).
REDIS_CONNECT_TIMEOUT = 0.5
REDIS_TIMEOUT = 0.5


def make_cache(settings: Settings) -> Any:
    """A cache backend with `get/set/add/delete` for these settings."""
    if settings.cache_url:
        import redis

        client = redis.Redis.from_url(
            settings.cache_url,
            socket_connect_timeout=REDIS_CONNECT_TIMEOUT,
            socket_timeout=REDIS_TIMEOUT,
        )
        return TieredCache(RedisCache(host=client, key_prefix="booking:", default_timeout=300))
    return SimpleCache(threshold=5000, default_timeout=300)


def cache_state(backend: Any) -> str:
    """ "ok", or "degraded" while a Redis-backed cache answers from memory alone."""
    return str(getattr(backend, "state", "ok"))


def cache_tier(backend: Any) -> str:
    """Which tier answers for `backend` now, for the metrics: "redis", "fallback" (this
    process's memory while Redis is away) or "memory" (no Redis configured)."""
    if isinstance(backend, TieredCache):
        return "fallback" if backend.state == "degraded" else "redis"
    return "memory"


def app_cache(name: str) -> SafeCache:
    """The current app's shared cache as a `SafeCache`, one per `name` (its own warning
    throttle): for the booking claims, once-only records and change marks."""
    extensions = current_app.extensions
    key = f"booking_{name}_cache"
    if key not in extensions:
        extensions[key] = SafeCache(extensions["booking_cache"])
    cache: SafeCache = extensions[key]
    return cache


def init_app(app: Flask, settings: Settings) -> None:
    """Attach the cache backend as `app.extensions["booking_cache"]`."""
    app.extensions["booking_cache"] = make_cache(settings)
