"""SafeCache: a shared cache that fails degrades the widget instead of breaking it."""

from __future__ import annotations

import logging

import pytest

from booking_app.cache import SafeCache
from tests.support.stubs import BrokenCache, RecordingCache


def test_passes_calls_through() -> None:
    backend = RecordingCache()
    cache = SafeCache(backend)
    cache.set("a", 1, timeout=5)
    assert cache.get("a") == 1
    assert cache.add("a", 2, timeout=5) is False
    assert cache.add("b", 2, timeout=5) is True
    cache.delete("a")
    assert cache.get("a") is None
    assert backend.timeouts == {"b": 5}


def test_failures_are_logged_once_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    cache = SafeCache(BrokenCache())
    with caplog.at_level(logging.WARNING, logger="booking_app.cache"):
        assert cache.get("a") is None
        cache.set("a", 1, timeout=5)
        assert cache.add("a", 1, timeout=5) is True  # go ahead rather than wait forever
        cache.delete("a")
    assert len(caplog.records) == 1
    assert "ConnectionError" in caplog.text
