"""Counters for operators, scraped at `/metrics` (web/metrics_view.py) by Prometheus.

Why prometheus_client: it is Prometheus's official Python client, its text format is
what Prometheus (and so Grafana) reads, and its multiprocess mode adds up the counts
of every gunicorn worker, dead ones included: each worker writes its values to files
in `PROMETHEUS_MULTIPROC_DIR` (`booking-app serve` makes a fresh one), and a scrape,
whichever worker answers it, reads them all. So a booking is counted once, however
many workers there are. The mode is chosen when prometheus_client is first imported,
so that variable must be set before the process starts.

No Flask here: the Module API client and the shared cache count too, and they sit
below the web layer. Each helper is one call on the hot path; labelled children are
looked up once and kept. Labels never carry ids or anything a client sent: a route
is its template (`organization/{orgId}/appointment/add`), a status a number or a word.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Literal

from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

# Read right after prometheus_client chose its mode (at its first import) from the same
# variable: per-process values in memory, or shared files in this folder.
MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")

BookingOutcome = Literal[
    "made", "deduplicated", "refused", "failed", "unknown", "cancelled", "partial"
]
BOOKING_OUTCOMES: tuple[BookingOutcome, ...] = (
    "made",  # booked: the customer is sent to the confirmation
    "deduplicated",  # a resubmit, double click or second instance shown the first outcome
    "refused",  # the time was taken, a field refused, too few seats left: nothing booked
    "failed",  # the upstream was not reached or refused before acting: "try again"
    "unknown",  # sent, outcome not known yet: the confirming page (202) resolves it
    "cancelled",  # the form's booking exists but was cancelled: not booked again
    "partial",  # some seats of a course booking stay held after a failed rollback
)
CACHE_TIERS = ("page", "memory", "redis", "fallback")
RATE_LIMIT_GROUPS = ("writes", "browsing", "pages")
# Seconds: a cached token fetch is milliseconds, a slot list ~0.1 s, the read timeout 10 s.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

# This module's own registry (not prometheus_client's global one), so that importing it
# again (tests/unit/test_imports.py) never registers a metric twice.
REGISTRY = CollectorRegistry(auto_describe=True)

BOOKINGS = Counter(
    "booking_bookings_total",
    "Booking form submissions by what they came to.",
    ["outcome"],
    registry=REGISTRY,
)
UPSTREAM_REQUESTS = Counter(
    "booking_upstream_requests_total",
    "Requests to the Module API (each attempt) by route template, method and status "
    "(an HTTP status, or timeout, connection-error, circuit-open).",
    ["route", "method", "status"],
    registry=REGISTRY,
)
UPSTREAM_SECONDS = Histogram(
    "booking_upstream_request_seconds",
    "Time of one request to the Module API, by route template.",
    ["route"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
CACHE_REQUESTS = Counter(
    "booking_cache_requests_total",
    "Lookups of rendered pages (tier page) and of cached upstream answers (tier memory "
    "without Redis, redis, or fallback: this process's memory while Redis is away).",
    ["tier", "result"],
    registry=REGISTRY,
)
CACHE_STALE = Counter(
    "booking_cache_stale_served_total",
    "Last good copies of upstream answers served because the upstream failed.",
    ["tier"],
    registry=REGISTRY,
)
BREAKER_OPENED = Counter(
    "booking_upstream_breaker_opened_total",
    "Times the circuit breaker opened (calls then fail fast for its cooldown).",
    ["upstream"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "booking_rate_limited_total",
    "Requests refused with 429 by rate-limit group.",
    ["group"],
    registry=REGISTRY,
)

# Known label values start at 0, so a dashboard shows them before the first event.
_BOOKINGS = {outcome: BOOKINGS.labels(outcome) for outcome in BOOKING_OUTCOMES}
_CACHE = {
    (tier, hit): CACHE_REQUESTS.labels(tier, "hit" if hit else "miss")
    for tier in CACHE_TIERS
    for hit in (True, False)
}
_RATE_LIMITED = {group: RATE_LIMITED.labels(group) for group in RATE_LIMIT_GROUPS}


def count_booking(outcome: BookingOutcome) -> None:
    """One booking form submission came to `outcome`."""
    _BOOKINGS[outcome].inc()


@functools.cache
def _upstream_counter(route: str, method: str, status: str) -> Counter:
    return UPSTREAM_REQUESTS.labels(route, method, status)


@functools.cache
def _upstream_timer(route: str) -> Histogram:
    return UPSTREAM_SECONDS.labels(route)


def upstream_request(method: str, route: str, status: int | str, seconds: float | None) -> None:
    """One request to the Module API answered `status` (or failed so) after `seconds`
    (None: it never left, e.g. the circuit was open)."""
    _upstream_counter(route, method, str(status)).inc()
    if seconds is not None:
        _upstream_timer(route).observe(seconds)


def count_cache(tier: str, hit: bool) -> None:
    """A lookup in cache `tier` (one of CACHE_TIERS) found its value, or not."""
    _CACHE[tier, hit].inc()


@functools.cache
def _stale(tier: str) -> Counter:
    return CACHE_STALE.labels(tier)


def count_stale(tier: str) -> None:
    """A last good copy was served from cache `tier` because the upstream failed."""
    _stale(tier).inc()


@functools.cache
def _opened(upstream: str) -> Counter:
    return BREAKER_OPENED.labels(upstream)


def count_breaker_opened(upstream: str) -> None:
    """The circuit breaker of `upstream` opened."""
    _opened(upstream).inc()


# The series a dashboard shows before the first event, at 0.
for _tier in CACHE_TIERS[1:]:
    _stale(_tier)
_opened("moduleapi")


def count_rate_limited(group: str) -> None:
    """A request was refused by the rate limit of `group` (one of RATE_LIMIT_GROUPS)."""
    _RATE_LIMITED[group].inc()


class BreakerState:
    """`booking_upstream_breaker_open{upstream}`: 1 while an upstream's circuit is open
    (calls fail fast), else 0. Read at scrape time from the breaker itself, whose state
    lives in the shared cache: all processes' truth with Redis, else the answering
    worker's own (as its breaker is then)."""

    def __init__(self, is_open: Mapping[str, Callable[[], bool]]) -> None:
        self.is_open = is_open

    def collect(self) -> Iterator[Metric]:
        """The gauge, one sample per upstream."""
        gauge = GaugeMetricFamily(
            "booking_upstream_breaker_open",
            "1 while the circuit breaker of an upstream is open (calls fail fast), else 0.",
            labels=["upstream"],
        )
        for upstream, is_open in self.is_open.items():
            gauge.add_metric([upstream], 1.0 if is_open() else 0.0)
        yield gauge


def exposition(accept: str, extra: Iterable[Collector] = ()) -> tuple[bytes, str]:
    """The scrape: every metric (all workers' in multiprocess mode) and `extra`
    collectors, in the format the `accept` header asks for (Prometheus's text format
    0.0.4 by default, OpenMetrics if asked); (body, content type)."""
    registry = CollectorRegistry()
    if MULTIPROCESS_DIR:
        multiprocess.MultiProcessCollector(registry, path=MULTIPROCESS_DIR)  # type: ignore[no-untyped-call]
    else:
        registry.register(REGISTRY)
    for collector in extra:
        registry.register(collector)
    encode, content_type = choose_encoder(accept)
    return encode(registry), content_type
