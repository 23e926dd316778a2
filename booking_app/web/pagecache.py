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
- for at most `TTL` seconds, so a page is at most that much staler than the upstream
  caches behind it (the day changing, an operator's theme file).

Only 200 answers are kept. One cache per app (`app.extensions`), bounded (LRU), so
odd query strings can only evict, never grow it. Flask's `PAGE_CACHE_TTL` setting
changes the lifetime; 0 turns it off.
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
MAX_PAGES = 128
F = TypeVar("F", bound=Callable[..., Any])


class PageCache:
    """An LRU of rendered pages with an expiry and a data marker each."""

    def __init__(self, max_pages: int = MAX_PAGES, ttl: float = TTL) -> None:
        self.max_pages = max_pages
        self.ttl = ttl
        self._pages: OrderedDict[str, tuple[float, str, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, marker: Callable[[], str]) -> str | None:
        """The page kept for `key` if it is fresh and built from data `marker()` names."""
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                return None
            self._pages.move_to_end(key)
        expires, built_from, page = found
        if time.monotonic() >= expires or built_from != marker():
            return None
        return page

    def put(self, key: str, marker: str, page: str) -> None:
        """Keep `page` for `key`, built from the data `marker` names."""
        with self._lock:
            self._pages[key] = (time.monotonic() + self.ttl, marker, page)
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_pages:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        """Forget every page."""
        with self._lock:
            self._pages.clear()


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
            answer = view(**view_args)
            body, status = answer if isinstance(answer, tuple) else (answer, 200)
            if status == 200 and isinstance(body, str):
                cache.put(key, current(), body)
            return answer

        return cached  # type: ignore[return-value]

    return decorate
