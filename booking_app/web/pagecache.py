"""Rendered pages of the warm path (entry, times, week), answered before the app runs.

With warm upstream caches, every request for the same URL rendered the same HTML from
the same cached answers, and rendering (Jinja, `url_for` with the embed parameters,
babel), then Flask's own request machinery, was nearly all of the work (bench/README.md).
So a whole answer (status, headers, body) is kept, in this process, while

- its URL is the same (scheme, host, path and query: language, organization,
  service, day, month, week, zone, staff, embed and theme parameters: everything a
  page is built from; the host too, so a request with a forged `Host` can only ever
  fill its own entry, never the one everybody else is served),
- the data generation it names is the same (the times pages: their slot caches', which
  a booking bumps, so the booked time disappears at once), and
- for at most `TTL` seconds (then `STALE` more while it is renewed, below), so a page
  is at most that much staler than the upstream caches behind it (the day changing,
  an operator's theme file).

`PageCacheMiddleware` answers a kept page at the WSGI level: the stored headers (every
security header the app set), a request id of its own (`X-Request-Id`), the request
log's line, the cache metric, and the request counted against the same rate limit as
the app would count it (web/ratelimit.py `KeptPageLimits`): a refused one goes on to
the app, which answers its 429 page. Only `cached_page` views' 200 answers without a
cookie are kept. One cache per app (`app.extensions`), bounded (LRU), so odd query
strings can only evict, never grow it. Flask's `PAGE_CACHE_TTL` setting changes the
lifetime; 0 turns it off.

No customer waits for a page to be renewed: once a page is past its TTL, it is still
served (for at most `STALE` more seconds, and never once its data marker has changed)
while one background thread asks the app for it again. And when there is no page to
serve (the first request, a booking changed the data), one request builds it while
the others for that URL wait for its answer instead of all building the same page at
once (only requests for a `cached_page` view wait so: two customers asking for the
same stylesheet or form at once never do). Without these, the requests in flight at
expiry (or at a worker's start) each waited for the same upstream answers, and the p99
of warm pages was 10-20 times the baseline's under wrk (bench/README.md).
"""

from __future__ import annotations

import functools
import io
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, current_app, request

from booking_app import metrics
from booking_app.web import ratelimit, request_log

log = logging.getLogger("booking_app.web.pagecache")
TTL = 5.0
STALE = 5.0  # how long past its TTL a page may still be served while it is renewed
MAX_PAGES = 128
BUILD_WAIT = 10.0  # how long a request waits for another one building its page
PAGE_INFO = "booking.page_info"  # environ: set by `cached_page` on a page to keep
KEPT_VIEW = "keeps_pages"  # the attribute `cached_page` sets on the views it wraps
F = TypeVar("F", bound=Callable[..., Any])
Marker = Callable[[], str]
StartResponse = Callable[..., Any]


def _no_marker() -> str:
    return ""


@dataclass(frozen=True, slots=True)
class PageInfo:
    """What a `cached_page` view tells the middleware about the page it answered."""

    marker: Marker  # the data generation now; callable outside any request
    built_from: str  # its value when the page was built
    route: str | None  # for the request log line of a kept answer
    endpoint: str | None
    limit_scope: str | None  # its rate-limit group (ratelimit.scope_of)
    org: str  # the organization of its rate-limit bucket


@dataclass(frozen=True, slots=True)
class Page:
    """A kept answer."""

    info: PageInfo
    status: str
    headers: tuple[tuple[str, str], ...]  # all but X-Request-Id
    body: bytes
    expires: float


@dataclass(frozen=True, slots=True)
class Found:
    """A lookup's answer: the page to serve (None: build it), and whether the caller
    should renew it (it expired, and nobody renews it yet)."""

    page: Page | None
    renew: bool = False


class PageCache:
    """An LRU of kept answers with an expiry and a data marker each, and the builds in
    progress (one per URL)."""

    def __init__(
        self,
        max_pages: int = MAX_PAGES,
        ttl: float = TTL,
        stale: float = STALE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_pages = max_pages
        self.ttl = ttl
        self.stale = stale
        self._clock = clock
        self._pages: OrderedDict[str, Page] = OrderedDict()
        self._building: dict[str, threading.Event] = {}  # key -> set when its build ends
        self._lock = threading.Lock()

    def find(self, key: str) -> Found:
        """The page kept for `key`, if it was built from the data its marker names now
        and is fresh, or expired less than `stale` seconds ago (then `renew` is True for
        the first caller, who must renew it, then `put` or `release` it)."""
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return Found(None)
            self._pages.move_to_end(key)
        now = self._clock()
        if now >= page.expires + self.stale or page.info.marker() != page.info.built_from:
            return Found(None)
        if now < page.expires:
            return Found(page)
        with self._lock:
            if key in self._building:
                return Found(page)  # someone renews it: the last one meanwhile
            self._building[key] = threading.Event()
        return Found(page, renew=True)

    def claim(self, key: str) -> threading.Event | None:
        """Start building `key`: None when this caller is the one to build it (then `put`
        or `release`), else the event that is set when the other build ends."""
        with self._lock:
            running = self._building.get(key)
            if running is not None:
                return running
            self._building[key] = threading.Event()
            return None

    def put(
        self,
        key: str,
        info: PageInfo,
        status: str,
        headers: Iterable[tuple[str, str]],
        body: bytes,
    ) -> None:
        """Keep an answer for `key`, and end its build."""
        page = Page(info, status, tuple(headers), body, self._clock() + self.ttl)
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_pages:
                self._pages.popitem(last=False)
        self.release(key)

    def release(self, key: str) -> None:
        """End the build of `key` (with or without a page kept): whoever waits goes on."""
        with self._lock:
            done = self._building.pop(key, None)
        if done is not None:
            done.set()

    def clear(self) -> None:
        """Forget every page."""
        with self._lock:
            self._pages.clear()

    def __len__(self) -> int:
        return len(self._pages)


def pages(app: Flask | None = None) -> PageCache:
    """The app's page cache (the current app's by default)."""
    app = app or current_app
    found = app.extensions.get("booking_pages")
    if found is None:
        ttl = float(app.config.get("PAGE_CACHE_TTL", TTL))
        found = app.extensions.setdefault("booking_pages", PageCache(ttl=ttl))
    return found  # type: ignore[no-any-return]


def page_key(environ: dict[str, Any]) -> str:
    """The cache key of a request: scheme, host, path and query as the client sent them."""
    return (
        f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        f"{environ.get('SCRIPT_NAME', '')}{environ.get('PATH_INFO', '')}"
        f"?{environ.get('QUERY_STRING', '')}"
    )


def _keepable(status: str, headers: list[tuple[str, str]]) -> bool:
    return status.startswith("200 ") and not any(
        name.lower() == "set-cookie" for name, _value in headers
    )


class PageCacheMiddleware:
    """WSGI middleware: kept pages answered before the app runs; the app's answers of
    `cached_page` views kept (see the module's docstring)."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self._renewer: ThreadPoolExecutor | None = None  # started on first use, in the worker
        self._renewer_lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Any:
        cache = pages(self.app)
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or cache.ttl <= 0
            or environ.get(request_log.REBUILD_MARK)
        ):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        key = page_key(environ)
        found = cache.find(key)
        if found.page is None:
            if not self._keeps(environ):  # not a page to keep: no waiting for others
                return self._pass_on(key, environ, start_response)
            waiting = cache.claim(key)
            if waiting is None:
                return self._build(cache, key, environ, start_response)
            waiting.wait(BUILD_WAIT)  # another request builds this page: its answer
            found = cache.find(key)
            if found.page is None:  # it kept none (an error, another status)
                return self._pass_on(key, environ, start_response)
        page = found.page
        assert page is not None
        limits: ratelimit.KeptPageLimits = self.app.extensions["booking_kept_limits"]
        if not limits.allow(page.info.limit_scope, page.info.org, environ.get("REMOTE_ADDR")):
            if found.renew:
                cache.release(key)
            return self.wsgi_app(environ, start_response)  # the app answers its 429
        if found.renew:
            self._renew_later(cache, key, environ)
        rid = request_log.id_for(environ.get("HTTP_X_REQUEST_ID", ""))
        start_response(page.status, [*page.headers, ("X-Request-Id", rid)])
        metrics.count_cache("page", hit=True)
        request_log.log_kept_page(rid, page.info.route, page.info.endpoint, started)
        return [page.body]

    def _keeps(self, environ: dict[str, Any]) -> bool:
        """Whether the request is for a `cached_page` view (its URL matched as the app
        will match it; anything that does not match is not)."""
        try:
            endpoint, _values = self.app.url_map.bind_to_environ(environ).match()
        except Exception:  # 404, 405, a redirect to the slash URL: the app answers
            return False
        return bool(getattr(self.app.view_functions.get(endpoint), KEPT_VIEW, False))

    def _pass_on(self, key: str, environ: dict[str, Any], start_response: StartResponse) -> Any:
        """The app's answer, kept when it is a page to keep (no build claimed)."""
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured[:] = [status, headers]
            return start_response(status, headers, exc_info)

        answer = self.wsgi_app(environ, capture)
        info = environ.get(PAGE_INFO)
        if info is None or not captured or not _keepable(*captured):
            return answer
        body = _read(answer)
        kept = [(name, value) for name, value in captured[1] if name.lower() != "x-request-id"]
        pages(self.app).put(key, info, captured[0], kept, body)
        return [body]

    def _build(
        self, cache: PageCache, key: str, environ: dict[str, Any], start_response: StartResponse
    ) -> Any:
        """The app's answer for a claimed build: kept if it may be, the build ended."""
        metrics.count_cache("page", hit=False)
        try:
            return self._pass_on(key, environ, start_response)
        finally:
            cache.release(key)  # when kept, `put` has ended it already

    def _renew_later(self, cache: PageCache, key: str, environ: dict[str, Any]) -> None:
        """Ask the app for `key` again in a background thread, from a copy of this
        request (marked, so it is not counted against the client's limits again)."""
        copy = {
            **environ,
            "wsgi.input": io.BytesIO(b""),
            "CONTENT_LENGTH": "0",
            request_log.REBUILD_MARK: True,
        }
        copy.pop(PAGE_INFO, None)
        try:
            self._executor().submit(self._renew, cache, key, copy)
        except RuntimeError:  # shutting down: the next request builds it
            cache.release(key)

    def _executor(self) -> ThreadPoolExecutor:
        with self._renewer_lock:
            if self._renewer is None:
                self._renewer = ThreadPoolExecutor(2, thread_name_prefix="page-renew")
            return self._renewer

    def _renew(self, cache: PageCache, key: str, environ: dict[str, Any]) -> None:
        try:
            self._pass_on(key, environ, lambda *_args: None)
        except Exception:  # the last page stays until its window ends, then one rebuilds
            log.exception("renewing a kept page failed")
        finally:
            cache.release(key)


def _read(answer: Iterable[bytes]) -> bytes:
    try:
        return b"".join(answer)
    finally:
        close = getattr(answer, "close", None)
        if close is not None:
            close()


def cached_page(marker: Callable[..., Marker] | None = None) -> Callable[[F], F]:
    """Let `PageCacheMiddleware` keep a GET view's 200 pages. `marker(**view_args)`
    gives a callable (usable outside a request) naming the data generation a page is
    built from; it is asked only once the view has answered 200 for that URL, so
    unknown ids never reach it."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def cached(**view_args: Any) -> Any:
            answer = view(**view_args)
            body, status = answer if isinstance(answer, tuple) else (answer, 200)
            if status == 200 and isinstance(body, str):
                current = marker(**view_args) if marker else _no_marker
                request.environ[PAGE_INFO] = PageInfo(
                    marker=current,
                    built_from=current(),
                    route=request.url_rule.rule if request.url_rule else None,
                    endpoint=request.endpoint,
                    limit_scope=ratelimit.scope_of(request.endpoint),
                    org=str(view_args.get("org_id", "")),
                )
            return answer

        setattr(cached, KEPT_VIEW, True)
        return cached  # type: ignore[return-value]

    return decorate


def init_app(app: Flask) -> None:
    """Answer kept pages before `app` runs (install before any proxy fix, so that it
    sees the corrected scheme, host and client address)."""
    app.wsgi_app = PageCacheMiddleware(app.wsgi_app, app)  # type: ignore[method-assign]
