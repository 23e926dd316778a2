"""The shared cache: in-process memory by default, Redis when `BOOKING_CACHE_URL` is set.

Flask-Caching's backends are used directly (not through its Flask extension),
because the Module API client also needs them outside a request.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_caching.backends.rediscache import RedisCache
from flask_caching.backends.simplecache import SimpleCache

from booking_app.config import Settings


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
