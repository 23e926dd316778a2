"""Response caches: fresh copies, stale-if-error within a bound, generations."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import pytest

from booking_app.cache import SafeCache
from booking_app.moduleapi import errors
from booking_app.moduleapi.caching import ResponseCache
from tests.support.stubs import BrokenCache, RecordingCache


def counting(value: object) -> tuple[Callable[[], object], list[int]]:
    calls: list[int] = []

    def load() -> object:
        calls.append(1)
        return value

    return load, calls


def failing(error: Exception) -> Callable[[], object]:
    def load() -> object:
        raise error

    return load


def test_fresh_copy_is_served_until_its_ttl() -> None:
    backend = RecordingCache()
    cache = ResponseCache(SafeCache(backend), stale_ttl=3600)
    load, calls = counting(("template",))
    assert cache.get_or_load("k", 300, load) == ("template",)
    assert cache.get_or_load("k", 300, load) == ("template",)
    assert len(calls) == 1
    assert backend.timeouts == {"fresh:k": 300, "stale:k": 3600}
    assert cache.peek("k") == ("template",)


@pytest.mark.parametrize(
    "error",
    [
        errors.ApiConnectionError("down"),
        errors.ApiTimeoutError("slow"),
        errors.CircuitOpenError("open"),
        errors.ServerError("boom", status=503),
        errors.RateLimitError("slow down"),
    ],
)
def test_stale_copy_is_served_when_the_upstream_fails(
    error: errors.ModuleApiError, caplog: pytest.LogCaptureFixture
) -> None:
    backend = RecordingCache()
    cache = ResponseCache(SafeCache(backend))
    cache.get_or_load("k", 300, lambda: "good", what="booking templates")
    backend.expire("fresh:")
    with caplog.at_level(logging.WARNING, logger="booking_app.moduleapi"):
        assert cache.get_or_load("k", 300, failing(error), what="booking templates") == "good"
    assert "stale copy of the booking templates" in caplog.text


@pytest.mark.parametrize(
    "error",
    [
        errors.NotFoundError("gone", status=404),
        errors.ValidationError("bad", status=400),
        errors.AuthenticationError("who?", status=401),
        errors.ResponseFormatError("garbage"),
    ],
)
def test_answers_are_not_masked_by_stale_copies(error: errors.ModuleApiError) -> None:
    backend = RecordingCache()
    cache = ResponseCache(SafeCache(backend))
    cache.get_or_load("k", 300, lambda: "good")
    backend.expire("fresh:")
    with pytest.raises(type(error)):
        cache.get_or_load("k", 300, failing(error))


def test_nothing_cached_means_the_error() -> None:
    cache = ResponseCache(SafeCache(RecordingCache()))
    with pytest.raises(errors.ApiConnectionError):
        cache.get_or_load("k", 300, failing(errors.ApiConnectionError("down")))


def test_staleness_is_bounded_by_the_stale_ttl() -> None:
    backend = RecordingCache()
    cache = ResponseCache(SafeCache(backend), stale_ttl=6 * 3600)
    cache.get_or_load("slots", 15, lambda: "slots", stale_ttl=120)
    assert backend.timeouts["stale:slots"] == 120
    backend.expire("fresh:")
    backend.expire("stale:")  # what the cache does after 120 s
    with pytest.raises(errors.ServerError):
        cache.get_or_load("slots", 15, failing(errors.ServerError("down")))


def test_stale_ttl_really_expires_in_flask_caching() -> None:
    from flask_caching.backends.simplecache import SimpleCache

    cache = ResponseCache(SafeCache(SimpleCache()))
    cache.get_or_load("k", 1, lambda: "good", stale_ttl=1)
    time.sleep(2.05)
    with pytest.raises(errors.ServerError):
        cache.get_or_load("k", 1, failing(errors.ServerError("down")))


def test_generations_invalidate_keys() -> None:
    cache = ResponseCache(SafeCache(RecordingCache()))
    first = cache.generation("slots:org:tpl")
    assert cache.generation("slots:org:tpl") == first
    assert cache.generation("slots:org:other") != first
    cache.invalidate("slots:org:tpl")
    assert cache.generation("slots:org:tpl") != first


def test_an_evicted_generation_never_brings_back_old_entries() -> None:
    backend = RecordingCache()
    cache = ResponseCache(SafeCache(backend))
    old = cache.generation("scope")
    cache.invalidate("scope")
    backend.delete("gen:scope")  # evicted
    assert cache.generation("scope") not in (old, "0")


def test_concurrent_misses_load_once() -> None:
    cache = ResponseCache(SafeCache(RecordingCache()))
    calls: list[int] = []
    gate = threading.Barrier(8)

    def load() -> str:
        calls.append(1)
        time.sleep(0.05)
        return "value"

    def worker() -> None:
        gate.wait()
        assert cache.get_or_load("k", 60, load) == "value"

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1


def test_a_broken_shared_cache_degrades_to_loading() -> None:
    cache = ResponseCache(SafeCache(BrokenCache()))
    load, calls = counting("value")
    assert cache.get_or_load("k", 60, load) == "value"
    assert cache.get_or_load("k", 60, load) == "value"
    assert len(calls) == 2
    assert cache.generation("scope") == "none"
