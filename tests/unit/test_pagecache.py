"""The page cache's expiry: one request rebuilds an expired page while the others get
the last one, never past its stale window and never once its data changed."""

from __future__ import annotations

import pytest

from booking_app.web.pagecache import PageCache


class Clock:
    """time.monotonic, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def same() -> str:
    return "gen-1"


def test_a_fresh_page_is_served_while_its_data_is_the_same(clock: Clock) -> None:
    cache = PageCache(ttl=5, stale=5, clock=clock)
    cache.put("k", "gen-1", "<p>1</p>")
    clock.now += 4.9
    assert cache.get("k", same) == "<p>1</p>"
    assert cache.get("k", lambda: "gen-2") is None, "a booking changed the data: rebuild"


def test_one_request_rebuilds_an_expired_page_the_others_get_the_last_one(clock: Clock) -> None:
    cache = PageCache(ttl=5, stale=5, clock=clock)
    cache.put("k", "gen-1", "<p>old</p>")
    clock.now += 6
    assert cache.get("k", same) is None, "the first request after expiry rebuilds"
    assert cache.get("k", same) == "<p>old</p>", "the others meanwhile: the last page"
    assert cache.get("k", same) == "<p>old</p>"
    cache.put("k", "gen-1", "<p>new</p>")
    assert cache.get("k", same) == "<p>new</p>"


def test_no_stale_page_past_its_window_or_after_its_data_changed(clock: Clock) -> None:
    cache = PageCache(ttl=5, stale=5, clock=clock)
    cache.put("k", "gen-1", "<p>old</p>")
    clock.now += 6
    assert cache.get("k", same) is None  # a rebuild starts (and hangs)
    assert cache.get("k", lambda: "gen-2") is None, "changed data is never served stale"
    clock.now += 4.5  # 10.5 s after it was built: past ttl + stale
    assert cache.get("k", same) is None
    assert cache.get("k", same) is None, "everyone rebuilds once the window is over"


def test_a_failed_rebuild_lets_the_next_request_try(clock: Clock) -> None:
    cache = PageCache(ttl=5, stale=5, clock=clock)
    cache.put("k", "gen-1", "<p>old</p>")
    clock.now += 6
    assert cache.get("k", same) is None
    cache.release("k")  # the rebuild raised, or answered another status
    assert cache.get("k", same) is None, "the next request rebuilds"
    assert cache.get("k", same) == "<p>old</p>"
