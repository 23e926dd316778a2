"""Rate limits on booking writes and slot browsing, per client address and organization.

Flask-Limiter counts in Redis when `BOOKING_CACHE_URL` is set (so every process and
machine shares the counters) and in memory otherwise. The limits are applied here,
centrally, by endpoint name, so the blueprints need no decorators:

- writes (`BOOKING_RATE_LIMIT_WRITES`): the POSTs that book, move or cancel (a
  booking counts once: not when validation refuses it, not for its duplicates);
- browsing (`BOOKING_RATE_LIMIT_BROWSING`): the GETs that ask the upstream for slots
  (week views, earliest-time jumps and the chosen time's form, for booking and for
  moving);
- pages (`BOOKING_RATE_LIMIT_PAGES`): every other page that may ask the upstream
  (entry, module config, details form, confirmation, confirming, manage, preview),
  counted per client address alone, so made-up organization ids do not each get a
  bucket of their own.

Each group is one bucket per client address (the real one behind `BOOKING_PROXY_FIX`)
and organization. A refused request gets the translated 429 page with `Retry-After`.
Redis down: counting falls back to this process's memory (logged), never a 500.
`BOOKING_RATE_LIMIT_ENABLED=0` switches all of it off (benchmarks, load tests).
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from flask import Flask, Response, g, request
from flask_limiter import Limit, Limiter, RequestLimit
from limits import RateLimitItem, parse_many

from booking_app import metrics
from booking_app.config import Settings
from booking_app.web import errors
from booking_app.web.request_log import REBUILD_MARK

log = logging.getLogger("booking_app.web.ratelimit")

WRITE_ENDPOINTS = frozenset({"booking.book", "booking.book_again", "manage.move", "manage.cancel"})
BROWSE_ENDPOINTS = frozenset(
    {
        "booking.slots",
        "booking.earliest",
        "booking.details",  # a chosen time is looked up in its day's slots
        "manage.move_week",
        "manage.move_earliest",
        "manage.move_form",  # the confirm step looks the new time up too
    }
)
# Every other GET page of the pages' blueprints (and the operator preview) may reach
# the upstream: all of them belong to the pages group.
PAGE_BLUEPRINTS = ("booking.", "manage.")
PAGE_ENDPOINTS_OUTSIDE = frozenset({"embed.preview", "organization_without_language"})
KEY_PREFIX = "booking-rl"
# The same short timeouts as the shared cache: a hanging Redis must not hang requests.
REDIS_OPTIONS: dict[str, str | int | float] = {
    "socket_connect_timeout": 0.5,
    "socket_timeout": 0.5,
}


def client_key() -> str:
    """The bucket of the current request: client address and organization."""
    org = (request.view_args or {}).get("org_id", "")
    return f"{request.remote_addr or 'unknown'}|{str(org)[:40] or '-'}"


def counted(response: Response) -> bool:
    """Whether a write request counts against its limit: every one, unless the view
    said it sent nothing upstream (`g.rate_counted = False`: a booking form refused by
    validation, or a duplicate submission that showed the first one's outcome)."""
    return bool(g.get("rate_counted", True))


def address_key() -> str:
    """The bucket of the pages group: the client address alone."""
    return request.remote_addr or "unknown"


def is_page(endpoint: str | None) -> bool:
    """Whether a GET of `endpoint` counts in the pages group."""
    if not endpoint or endpoint in BROWSE_ENDPOINTS:
        return False
    return endpoint.startswith(PAGE_BLUEPRINTS) or endpoint in PAGE_ENDPOINTS_OUTSIDE


def group(endpoint: str | None) -> str:
    """The limit group a refused request of `endpoint` belongs to (for the metrics)."""
    if endpoint in WRITE_ENDPOINTS:
        return "writes"
    return "browsing" if endpoint in BROWSE_ENDPOINTS else "pages"


def _not_a_page() -> bool:
    return not is_page(request.endpoint)


def _exempt_unless(endpoints: frozenset[str]) -> Any:
    def exempt() -> bool:
        return request.endpoint not in endpoints

    return exempt


def retry_after(limit: RequestLimit) -> int:
    """Whole seconds until the breached window resets (at least 1)."""
    try:
        seconds = math.ceil(limit.reset_at - time.time())
        return max(1, min(seconds, limit.limit.get_expiry()))  # reset_at is rounded up
    except Exception:  # the storage failed while we asked: a safe guess
        return 60


def too_many_requests(limit: RequestLimit) -> Response:
    """The translated 429 page with `Retry-After` (Flask-Limiter's `on_breach`)."""
    response = errors.error_page(429)
    response.headers["Retry-After"] = str(retry_after(limit))
    metrics.count_rate_limited(group(request.endpoint))
    log.info("rate limit %s reached on %s", limit.limit, request.endpoint)
    return response


def make_limiter(settings: Settings) -> Limiter:
    """A limiter for these settings (not yet bound to an app)."""
    limits = [
        Limit(
            settings.rate_limit_writes,
            scope="writes",
            shared=True,
            methods=["POST"],
            exempt_when=_exempt_unless(WRITE_ENDPOINTS),
            deduct_when=counted,
        ),
        Limit(
            settings.rate_limit_browsing,
            scope="browsing",
            shared=True,
            methods=["GET"],
            exempt_when=_exempt_unless(BROWSE_ENDPOINTS),
        ),
        Limit(
            settings.rate_limit_pages,
            key_function=address_key,
            scope="pages",
            shared=True,
            methods=["GET"],
            exempt_when=_not_a_page,
        ),
    ]
    return Limiter(
        client_key,
        default_limits=limits,  # type: ignore[arg-type]
        storage_uri=settings.cache_url or "memory://",
        storage_options=REDIS_OPTIONS if settings.cache_url else {},  # type: ignore[arg-type]
        strategy="moving-window",
        key_prefix=KEY_PREFIX,
        on_breach=too_many_requests,
        in_memory_fallback_enabled=True,  # Redis down: count per process, keep serving
        swallow_errors=True,  # any other storage trouble: log it, never refuse or crash
        headers_enabled=False,  # X-RateLimit-* on every page would only help scrapers
        enabled=settings.rate_limit_enabled,
    )


def scope_of(endpoint: str | None) -> str | None:
    """The limit group a GET of `endpoint` counts in ("browsing", "pages"), or None."""
    if endpoint in BROWSE_ENDPOINTS:
        return "browsing"
    return "pages" if is_page(endpoint) else None


class KeptPageLimits:
    """The browsing and pages limits for a GET the page cache answers before the app
    (and Flask-Limiter) runs (web/pagecache.py): the same buckets, hit the same way
    (`limits`' strategy, Flask-Limiter's key prefix, client key and scope), so a page
    counts alike whether it was kept or rendered."""

    def __init__(self, limiter: Limiter, settings: Settings) -> None:
        self.limiter = limiter
        # Flask-Limiter tries the items of a limit string in this order, first breach wins.
        self.items: dict[str, list[RateLimitItem]] = {
            "browsing": sorted(parse_many(settings.rate_limit_browsing)),
            "pages": sorted(parse_many(settings.rate_limit_pages)),
        }

    def allow(self, scope: str | None, org: str, remote_addr: str | None) -> bool:
        """Count one GET of `scope` (see `scope_of`) of `org` from `remote_addr`; False
        when a limit is reached, or when the storage fails: the app then answers (its
        429 page, or Flask-Limiter's own fallback to memory)."""
        if scope is None or not self.limiter.enabled:
            return True
        address = remote_addr or "unknown"
        key = address if scope == "pages" else f"{address}|{org[:40] or '-'}"
        try:
            strategy = self.limiter.limiter
            return all(strategy.hit(item, KEY_PREFIX, key, scope) for item in self.items[scope])
        except Exception:
            return False


def _rebuilding() -> bool:
    """A page the page cache renews on its own: the customer's GET was counted."""
    return bool(request.environ.get(REBUILD_MARK))


def init_app(app: Flask, settings: Settings) -> Limiter:
    """Apply the limits to `app`; the limiter is `app.extensions["booking_limiter"]`,
    the page cache's way to count its pages `app.extensions["booking_kept_limits"]`."""
    limiter = make_limiter(settings)
    limiter.request_filter(_rebuilding)
    limiter.init_app(app)
    app.extensions["booking_limiter"] = limiter
    app.extensions["booking_kept_limits"] = KeptPageLimits(limiter, settings)
    return limiter
