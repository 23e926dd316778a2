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

from flask import Flask
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


def make_cache(settings: Settings) -> Any:
    """A cache backend with `get/set/add/delete` for these settings."""
    if settings.cache_url:
        import redis

        client = redis.Redis.from_url(
            settings.cache_url, socket_connect_timeout=0.5, socket_timeout=0.5
        )
        return RedisCache(host=client, key_prefix="booking:", default_timeout=300)
    return SimpleCache(threshold=5000, default_timeout=300)


def init_app(app: Flask, settings: Settings) -> None:
    """Attach the cache backend as `app.extensions["booking_cache"]`."""
    app.extensions["booking_cache"] = make_cache(settings)
