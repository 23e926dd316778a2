"""Rendered pages of the warm path (entry, week view), reused for a few seconds.

With warm upstream caches, every request for the same URL rendered the same HTML from
the same cached answers, and rendering (Jinja, `url_for` with the embed parameters,
babel) was nearly all of the work: the widget served a third of what a bare Flask page
of the same size does (bench/README.md). So a page is kept, in this process, while

- its URL is the same (scheme, host, path and query: language, organization,
  service, week, zone, staff, embed and theme parameters: everything a page is built
  from; the host too, so a request with a forged `Host` can only ever fill its own
  entry, never the one everybody else is served),
- the data generation it names is the same (the week view: its slot caches', which a
  booking bumps, so the booked time disappears at once), and
- for at most `TTL` seconds (while one request rebuilds it, up to `STALE` more), so a
  page is at most that much staler than the upstream
  caches behind it (the day changing, an operator's theme file).

Only 200 answers are kept. One cache per app (`app.extensions`), bounded (LRU), so
odd query strings can only evict, never grow it. Flask's `PAGE_CACHE_TTL` setting
changes the lifetime; 0 turns it off.

When a page expires, one request rebuilds it and the others are served the expired
page meanwhile (for at most `STALE` more seconds, and never once the data marker has
changed): without that, every request in flight at the moment of expiry rebuilt the
same page at once and waited for the same upstream answers, which made the p99 of
warm pages 10-17 times the baseline's under wrk (bench/README.md).
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, request

from booking_app import metrics

TTL = 5.0
STALE = 5.0  # how long past its TTL a page may serve others while one request rebuilds it
MAX_PAGES = 128
F = TypeVar("F", bound=Callable[..., Any])


class PageCache:
    """An LRU of rendered pages with an expiry and a data marker each."""

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
        self._pages: OrderedDict[str, tuple[float, str, str]] = OrderedDict()
        self._rebuilding: set[str] = set()  # keys one request is rebuilding now
        self._lock = threading.Lock()

    def get(self, key: str, marker: Callable[[], str]) -> str | None:
        """The page kept for `key` if it is built from the data `marker()` names and
        fresh, or expired less than `stale` seconds ago while another request rebuilds
        it. None tells the caller to build the page (then `put` or `release` it)."""
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                return None
            self._pages.move_to_end(key)
        expires, built_from, page = found
        now = self._clock()
        if now >= expires + self.stale or built_from != marker():
            return None
        if now < expires:
            return page
        with self._lock:
            if key in self._rebuilding:
                return page  # someone rebuilds it: the last one meanwhile
            self._rebuilding.add(key)
        return None

    def put(self, key: str, marker: str, page: str) -> None:
        """Keep `page` for `key`, built from the data `marker` names."""
        with self._lock:
            self._pages[key] = (self._clock() + self.ttl, marker, page)
            self._pages.move_to_end(key)
            self._rebuilding.discard(key)
            while len(self._pages) > self.max_pages:
                self._pages.popitem(last=False)

    def release(self, key: str) -> None:
        """A rebuild of `key` ended without a page to keep (an error, another status):
        the next request may try."""
        with self._lock:
            self._rebuilding.discard(key)

    def clear(self) -> None:
        """Forget every page."""
        with self._lock:
            self._pages.clear()
            self._rebuilding.clear()


def pages() -> PageCache:
    """This app's page cache."""
    found = current_app.extensions.get("booking_pages")
    if found is None:
        found = current_app.extensions.setdefault(
            "booking_pages", PageCache(ttl=float(current_app.config.get("PAGE_CACHE_TTL", TTL)))
        )
    return found  # type: ignore[no-any-return]


def cached_page(marker: Callable[..., str] | None = None) -> Callable[[F], F]:
    """Keep a GET view's 200 pages in `pages()`; `marker(**view_args)` names the data
    generation a page is built from (asked only once the view has answered 200 for
    that URL, so unknown ids never reach it)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def cached(**view_args: Any) -> Any:
            def current() -> str:
                return marker(**view_args) if marker else ""

            cache = pages()
            if cache.ttl <= 0:
                return view(**view_args)
            key = f"{request.scheme}://{request.host}{request.full_path}"
            page = cache.get(key, current)
            metrics.count_cache("page", hit=page is not None)
            if page is not None:
                return page
            try:
                answer = view(**view_args)
                body, status = answer if isinstance(answer, tuple) else (answer, 200)
                if status == 200 and isinstance(body, str):
                    cache.put(key, current(), body)
            finally:
                cache.release(key)
            return answer

        return cached  # type: ignore[return-value]

    return decorate
