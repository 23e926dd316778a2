"""The page cache's states: a fresh page is served while its data is the same; an
expired one is still served while one caller renews it, never past its stale window
and never once its data changed; one caller builds a missing page while the others
wait for it; the cache stays bounded."""

from __future__ import annotations

import threading

import pytest

from booking_app.web.pagecache import PageCache, PageInfo, page_key


class Clock:
    """time.monotonic, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Data:
    """A data generation, changed by hand (a booking)."""

    def __init__(self) -> None:
        self.generation = "gen-1"

    def __call__(self) -> str:
        return self.generation


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def data() -> Data:
    return Data()


def info(data: Data) -> PageInfo:
    return PageInfo(data, data(), "/<lang>/o/<org_id>/", "booking.entry", "pages", "org")


def keep(cache: PageCache, data: Data, key: str = "k", body: bytes = b"<p>1</p>") -> None:
    cache.put(key, info(data), "200 OK", [("Content-Type", "text/html")], body)


def body(cache: PageCache, key: str = "k") -> bytes | None:
    found = cache.find(key)
    return found.page.body if found.page else None


def test_a_fresh_page_is_served_while_its_data_is_the_same(clock: Clock, data: Data) -> None:
    cache = PageCache(ttl=5, stale=5, clock=clock)
    keep(cache, data)
    clock.now += 4.9
    found = cache.find("k")
    assert found.page is not None
    assert found.page.body == b"<p>1</p>"
    assert not found.renew
    assert found.page.headers == (("Content-Type", "text/html"),)
    data.generation = "gen-2"
    assert cache.find("k").page is None, "a booking changed the data: build it again"


def test_one_caller_renews_an_expired_page_everyone_gets_the_last_one(
    clock: Clock, data: Data
) -> None:
    cache = PageCache(ttl=5, stale=5, clock=clock)
    keep(cache, data, body=b"<p>old</p>")
    clock.now += 6
    first = cache.find("k")
    assert first.page is not None
    assert first.page.body == b"<p>old</p>"
    assert first.renew, "the first caller after expiry renews it (and is served meanwhile)"
    again = cache.find("k")
    assert again.page is not None
    assert not again.renew, "one renewal at a time"
    keep(cache, data, body=b"<p>new</p>")
    assert body(cache) == b"<p>new</p>"
    assert not cache.find("k").renew


def test_no_stale_page_past_its_window_or_after_its_data_changed(clock: Clock, data: Data) -> None:
    cache = PageCache(ttl=5, stale=5, clock=clock)
    keep(cache, data, body=b"<p>old</p>")
    clock.now += 6
    assert cache.find("k").renew  # a renewal starts (and hangs)
    data.generation = "gen-2"
    assert cache.find("k").page is None, "changed data is never served stale"
    data.generation = "gen-1"
    clock.now += 4.5  # 10.5 s after it was built: past ttl + stale
    assert cache.find("k").page is None


def test_a_failed_renewal_lets_the_next_caller_try(clock: Clock, data: Data) -> None:
    cache = PageCache(ttl=5, stale=5, clock=clock)
    keep(cache, data)
    clock.now += 6
    assert cache.find("k").renew
    cache.release("k")  # the renewal raised, or answered another status
    assert cache.find("k").renew, "the next caller renews it"


def test_one_caller_builds_a_missing_page_the_others_wait_for_it(data: Data) -> None:
    cache = PageCache()
    assert cache.claim("k") is None, "the first caller builds"
    waiting = cache.claim("k")
    assert waiting is not None
    assert not waiting.is_set()
    served: list[bytes | None] = []

    def wait_then_serve() -> None:
        waiting.wait(5)
        served.append(body(cache))

    waiter = threading.Thread(target=wait_then_serve)
    waiter.start()
    keep(cache, data, body=b"<p>built</p>")
    waiter.join(5)
    assert served == [b"<p>built</p>"]
    assert cache.claim("k") is None, "that build is over"


def test_a_failed_build_lets_the_waiting_go_on(data: Data) -> None:
    cache = PageCache()
    assert cache.claim("k") is None
    waiting = cache.claim("k")
    assert waiting is not None
    cache.release("k")
    assert waiting.is_set()
    assert cache.find("k").page is None, "nothing kept: they build it themselves"


def test_the_cache_stays_bounded_least_recently_used_first(data: Data) -> None:
    cache = PageCache(max_pages=2)
    keep(cache, data, "a")
    keep(cache, data, "b")
    assert cache.find("a").page is not None  # "a" is now the most recent
    keep(cache, data, "c")
    assert len(cache) == 2
    assert cache.find("b").page is None
    assert cache.find("a").page is not None
    assert cache.find("c").page is not None


def test_the_key_is_scheme_host_path_and_query() -> None:
    environ = {
        "wsgi.url_scheme": "https",
        "HTTP_HOST": "widget.example",
        "SCRIPT_NAME": "/book",
        "PATH_INFO": "/en/o/x/",
        "QUERY_STRING": "here=1",
    }
    assert page_key(environ) == "https://widget.example/book/en/o/x/?here=1"
    assert page_key({**environ, "HTTP_HOST": "evil.example"}) != page_key(environ)
    assert page_key({**environ, "QUERY_STRING": ""}) != page_key(environ)
