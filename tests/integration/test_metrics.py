"""`/metrics` under `booking-app serve` with two gunicorn workers: a booking is counted
once, whichever worker booked it and whichever answers the scrape (prometheus_client's
multiprocess mode, which `serve` sets up), with Redis and without.

Workers are recycled every ten requests here (`BOOKING_MAX_REQUESTS`), and each scrape
opens a new connection: of the scrapes after the booking, at least one is answered by
a process that did not book (the other worker, or the booking worker's successor), so
a count kept per process would show 0 there, not 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.support.redis_server import RedisServer, running_redis
from tests.support.sandbox import SandboxProcess
from tests.support.widget_server import Customer, WidgetServer, running_widget

pytestmark = pytest.mark.integration

TOKEN = "integration-scrape-token-0123456789"
ADD = "organization/{orgId}/appointment/add"
RECYCLE_AFTER = 10  # requests per worker (jitter 1)
SCRAPES = 2 * RECYCLE_AFTER + 2  # more than one worker can answer before it is recycled


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("metrics")


@pytest.fixture(scope="module")
def redis_server(workdir: Path) -> Iterator[RedisServer]:
    with running_redis(workdir) as server:
        yield server


def serve(workdir: Path, sandbox: SandboxProcess, **env: str) -> Iterator[WidgetServer]:
    """`booking-app serve` with two workers, recycled often, and /metrics behind TOKEN."""
    settings = {
        "BOOKING_WORKERS": "2",
        "BOOKING_MAX_REQUESTS": str(RECYCLE_AFTER),
        "BOOKING_PROXY_FIX": "1",
        "BOOKING_METRICS_TOKEN": TOKEN,
        **env,
    }
    with running_widget(workdir, sandbox, **settings) as server:
        yield server


@pytest.fixture
def shared(
    workdir: Path, sandbox: SandboxProcess, redis_server: RedisServer
) -> Iterator[WidgetServer]:
    """Two workers sharing Redis (one claim per form across them)."""
    yield from serve(workdir, sandbox, BOOKING_CACHE_URL=redis_server.url)


@pytest.fixture
def alone(workdir: Path, sandbox: SandboxProcess) -> Iterator[WidgetServer]:
    """Two workers without Redis (each its own memory; the metrics still add up)."""
    yield from serve(workdir, sandbox)


def scrape(server: WidgetServer) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """One scrape over a new connection: every sample by name and labels."""
    answer = requests.get(
        f"{server.url}/metrics",
        headers={"Authorization": f"Bearer {TOKEN}", "Connection": "close"},
        timeout=15,
    )
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def total(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    """The sum of the samples of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, got), v in samples.items() if n == name and wanted <= got)


def counts(server: WidgetServer) -> tuple[float, float, float]:
    """(bookings made, deduplicated, appointment/add requests) as one scrape says."""
    samples = scrape(server)
    return (
        total(samples, "booking_bookings_total", outcome="made"),
        total(samples, "booking_bookings_total", outcome="deduplicated"),
        total(samples, "booking_upstream_requests_total", route=ADD, method="POST"),
    )


def test_a_booking_and_its_resubmit_are_counted_once_across_workers_with_redis(
    shared: WidgetServer, sandbox: SandboxProcess
) -> None:
    customer = Customer(shared.url, "198.51.100.201")
    path, token = customer.open_form(sandbox.main_org)
    assert counts(shared) == (0, 0, 0)
    booked = customer.submit(path, token)
    assert booked.status_code == 303, booked.text[:600]
    again = Customer(shared.url, "198.51.100.201").submit(path, token)  # another connection
    assert again.status_code == 303, again.text[:600]
    assert again.headers["Location"] == booked.headers["Location"]
    seen = [counts(shared) for _ in range(SCRAPES)]
    assert set(seen) == {(1, 1, 1)}, seen
    samples = scrape(shared)
    assert total(samples, "booking_upstream_request_seconds_count", route=ADD) == 1
    assert total(samples, "booking_upstream_breaker_open", upstream="moduleapi") == 0
    assert total(samples, "booking_cache_requests_total", tier="redis") > 0
    assert total(samples, "booking_cache_requests_total", tier="memory") == 0


def test_a_booking_is_counted_once_across_workers_without_redis(
    alone: WidgetServer, sandbox: SandboxProcess
) -> None:
    customer = Customer(alone.url, "198.51.100.202")
    path, token = customer.open_form(sandbox.main_org)
    booked = customer.submit(path, token)
    assert booked.status_code == 303, booked.text[:600]
    seen = [counts(alone) for _ in range(SCRAPES)]
    assert set(seen) == {(1, 0, 1)}, seen
    assert total(scrape(alone), "booking_cache_requests_total", tier="memory") > 0


def test_metrics_need_the_token_under_gunicorn_too(alone: WidgetServer) -> None:
    for headers in ({}, {"Authorization": "Bearer not-the-token-0123456789"}):
        assert requests.get(f"{alone.url}/metrics", headers=headers, timeout=15).status_code == 401
