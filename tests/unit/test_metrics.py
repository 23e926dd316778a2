"""Operators' metrics: each counter moves when the code it watches runs (a booking and
its duplicate, refused and failed bookings, upstream requests and failures, cache
tiers, the breaker, rate limits), and `/metrics` answers only with its bearer token.
(The multiprocess sums under gunicorn: tests/integration/test_metrics.py.)"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask

from booking_app import cli, metrics
from booking_app.cache import SafeCache
from booking_app.config import ConfigError, load_settings
from booking_app.moduleapi import ApiConnectionError, CircuitOpenError
from booking_app.moduleapi.breaker import CircuitBreaker
from booking_app.moduleapi.transport import Transport
from booking_app.web import ratelimit
from tests.support.pages import DETAILS, open_form
from tests.support.sandbox import SandboxProcess
from tests.support.stubs import FakeClock, RecordingCache, StubSession, response
from tests.support.widget import widget_for

TOKEN = "scrape-token-0123456789abcdef"
ADD = "organization/{orgId}/appointment/add"


def value(name: str, **labels: str) -> float:
    """The current value of one sample of this process's metrics (0 when absent)."""
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def bookings() -> dict[str, float]:
    return {o: value("booking_bookings_total", outcome=o) for o in metrics.BOOKING_OUTCOMES}


def adds() -> float:
    """`appointment/add` requests answered 2xx so far."""
    return sum(
        value("booking_upstream_requests_total", route=ADD, method="POST", status=str(s))
        for s in (200, 201)
    )


def moved(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """The outcomes that changed, by how much."""
    return {k: after[k] - before[k] for k in after if after[k] != before[k]}


# Bookings --------------------------------------------------------------------------------
def test_a_booking_counts_made_once_and_its_resubmit_deduplicated(sandbox: SandboxProcess) -> None:
    client = widget_for(sandbox).test_client()
    url, token = open_form(client, sandbox.main_org, "en", 0)
    before, adds_before = bookings(), adds()
    timed = value("booking_upstream_request_seconds_count", route=ADD)
    first = client.post(url, data={**DETAILS, "token": token})
    again = client.post(url, data={**DETAILS, "token": token})
    assert (first.status_code, again.status_code) == (303, 303)
    assert again.headers["Location"] == first.headers["Location"]
    assert moved(before, bookings()) == {"made": 1, "deduplicated": 1}
    assert adds() - adds_before == 1
    assert value("booking_upstream_request_seconds_count", route=ADD) - timed == 1


def test_failed_then_refused_then_made(clean_sandbox: SandboxProcess) -> None:
    sandbox = clean_sandbox
    client = widget_for(sandbox).test_client()
    url, token = open_form(client, sandbox.main_org, "en", 0)
    form = {**DETAILS, "token": token}
    before = bookings()
    sandbox.add_fault(route="appointment/add", status=503, times=1)
    assert client.post(url, data=form).status_code == 503  # "not made yet, try again"
    assert moved(before, bookings()) == {"failed": 1}
    refused = value("booking_upstream_requests_total", route=ADD, method="POST", status="409")
    sandbox.add_fault(route="appointment/add", status=409, times=1)
    assert client.post(url, data=form).status_code == 409  # taken: other times offered
    assert moved(before, bookings()) == {"failed": 1, "refused": 1}
    assert value("booking_upstream_requests_total", route=ADD, method="POST", status="409") == (
        refused + 1
    )
    assert client.post(url, data=form).status_code == 303  # the same form, now booked
    assert moved(before, bookings()) == {"failed": 1, "refused": 1, "made": 1}


def test_a_form_refused_by_validation_is_no_booking(sandbox: SandboxProcess) -> None:
    client = widget_for(sandbox).test_client()
    url, token = open_form(client, sandbox.main_org, "en", 0)
    before = bookings()
    assert client.post(url, data={**DETAILS, "email": "nope", "token": token}).status_code == 400
    assert moved(before, bookings()) == {}


# Upstream requests, the breaker -----------------------------------------------------------
def test_upstream_failures_are_counted_by_route_template_and_kind() -> None:
    route = "organization/{orgId}/test/{testId}/show"
    breaker = CircuitBreaker(SafeCache(RecordingCache()), name="unit", threshold=1)
    answers: list[requests.Response | Exception] = [requests.ConnectionError("refused")]
    transport = Transport(session=StubSession(answers), max_retries=0, breaker=breaker)
    counts = {
        s: value("booking_upstream_requests_total", route=route, method="GET", status=s)
        for s in ("connection-error", "circuit-open")
    }
    url = "http://api.invalid/module/v3/en/organization/f6x/test/1/show"
    with pytest.raises(ApiConnectionError):
        transport.send("GET", url, route=route)
    with pytest.raises(CircuitOpenError):  # threshold 1: open now, nothing sent
        transport.send("GET", url, route=route)
    for status in counts:
        labels = {"route": route, "method": "GET", "status": status}
        assert value("booking_upstream_requests_total", **labels) == counts[status] + 1
    assert value("booking_upstream_breaker_opened_total", upstream="unit") >= 1


def test_an_answer_is_counted_with_its_status_and_time() -> None:
    route = "organization/{orgId}/timed/show"
    transport = Transport(session=StubSession([response(404, content=None)]), max_retries=0)
    before = value("booking_upstream_request_seconds_count", route=route)
    transport.send("GET", "http://api.invalid/x", route=route)
    labels = {"route": route, "method": "GET", "status": "404"}
    assert value("booking_upstream_requests_total", **labels) >= 1
    assert value("booking_upstream_request_seconds_count", route=route) == before + 1


def test_the_breaker_counts_each_opening_not_each_failure() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(
        SafeCache(RecordingCache()), name="openings", threshold=2, cooldown=10, clock=clock
    )
    for _ in range(5):  # opens at the second; the rest fail while it is open
        breaker.record_failure()
    assert value("booking_upstream_breaker_opened_total", upstream="openings") == 1
    clock.advance(11)  # half-open: the trial fails, so it opens again
    assert breaker.allow()
    breaker.record_failure()
    assert value("booking_upstream_breaker_opened_total", upstream="openings") == 2


# Caches, rate limits ------------------------------------------------------------------------
def test_cache_tiers_count_hits_and_misses(sandbox: SandboxProcess) -> None:
    client = widget_for(sandbox).test_client()
    names = [("page", "hit"), ("page", "miss"), ("memory", "hit"), ("memory", "miss")]
    before = {n: value("booking_cache_requests_total", tier=n[0], result=n[1]) for n in names}
    entry = f"/en/o/{sandbox.main_org}/?here=1"
    assert client.get(entry).status_code == 200  # a new app: upstream answers loaded
    assert client.get(entry).status_code == 200  # the same page again: kept
    assert client.get(entry + "&utm_source=metrics").status_code == 200  # rendered again
    after = {n: value("booking_cache_requests_total", tier=n[0], result=n[1]) for n in names}
    grew = {n for n in names if after[n] > before[n]}
    assert grew == set(names), f"every tier and result moved: {after} vs {before}"


def test_rate_limit_refusals_are_counted_by_group(sandbox: SandboxProcess) -> None:
    app = widget_for(sandbox, BOOKING_RATE_LIMIT_ENABLED="1", BOOKING_RATE_LIMIT_WRITES="1/minute")
    client = app.test_client()
    before = {g: value("booking_rate_limited_total", group=g) for g in metrics.RATE_LIMIT_GROUPS}
    path = f"/en/o/{sandbox.main_org}/s/fc{'x' * 30}/book"
    statuses = [client.post(path, data={"token": "expired"}).status_code for _ in range(2)]
    assert statuses[1] == 429, statuses
    after = {g: value("booking_rate_limited_total", group=g) for g in metrics.RATE_LIMIT_GROUPS}
    assert {g: after[g] - before[g] for g in after} == {"writes": 1, "browsing": 0, "pages": 0}


def test_rate_limit_groups_of_endpoints() -> None:
    assert ratelimit.group("booking.book") == "writes"
    assert ratelimit.group("manage.move_week") == "browsing"
    assert ratelimit.group("booking.entry") == "pages"


# /metrics ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def scraped(sandbox: SandboxProcess) -> Flask:
    """A widget with /metrics behind TOKEN and a pages limit of 1 a minute."""
    return widget_for(
        sandbox,
        BOOKING_METRICS_TOKEN=TOKEN,
        BOOKING_RATE_LIMIT_ENABLED="1",
        BOOKING_RATE_LIMIT_PAGES="1/minute",
    )


def test_no_metrics_without_a_token(sandbox: SandboxProcess) -> None:
    client = widget_for(sandbox).test_client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer wrong-token-0123456789", f"Basic {TOKEN}", f"Bearer {TOKEN}x"],
)
def test_metrics_refuse_a_missing_or_wrong_token(scraped: Flask, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    answer = scraped.test_client().get("/metrics", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert "booking_" not in answer.get_data(as_text=True)


def test_metrics_with_the_token_in_prometheus_text_format(scraped: Flask) -> None:
    client = scraped.test_client()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    answers = [client.get("/metrics", headers=auth) for _ in range(3)]  # no rate limit here
    assert [a.status_code for a in answers] == [200, 200, 200]
    answer = answers[-1]
    assert answer.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert answer.headers["Cache-Control"] == "no-store"
    text = answer.get_data(as_text=True)
    for line in (
        "# TYPE booking_bookings_total counter",
        'booking_bookings_total{outcome="deduplicated"}',
        "# TYPE booking_upstream_request_seconds histogram",
        'booking_cache_requests_total{result="hit",tier="page"}',
        'booking_rate_limited_total{group="writes"}',
        'booking_upstream_breaker_open{upstream="moduleapi"} 0.0',
    ):
        assert line in text, line
    assert "f6" not in text, "no ids in labels"


def test_metrics_in_openmetrics_when_asked(scraped: Flask) -> None:
    answer = scraped.test_client().get(
        "/metrics",
        headers={
            "Authorization": f"bearer {TOKEN}",
            "Accept": "application/openmetrics-text; version=1.0.0",
        },
    )
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/openmetrics-text")
    assert answer.get_data(as_text=True).rstrip().endswith("# EOF")


@pytest.mark.parametrize("token", ["short", "has spaces in it, 0123456789", "x" * 201])
def test_a_bad_metrics_token_stops_start_up(token: str) -> None:
    with pytest.raises(ConfigError, match="BOOKING_METRICS_TOKEN") as raised:
        load_settings({"BOOKING_DEMO": "1", "BOOKING_METRICS_TOKEN": token})
    assert token not in str(raised.value), "the token is never echoed"


# `booking-app serve`'s multiprocess folder ---------------------------------------------
@pytest.fixture
def made_folders() -> Iterator[list[str]]:
    made: list[str] = []
    yield made
    for folder in made:
        shutil.rmtree(folder, ignore_errors=True)


def test_serve_makes_a_fresh_metrics_folder(made_folders: list[str]) -> None:
    env = cli._metrics_environ({})
    made_folders.append(env[cli.METRICS_DIR_VARIABLE])
    assert Path(env[cli.METRICS_DIR_VARIABLE]).is_dir()
    assert env[cli.METRICS_TEMP_VARIABLE] == env[cli.METRICS_DIR_VARIABLE]


def test_serve_empties_the_operators_metrics_folder(tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_123.db").write_bytes(b"old counts")
    (folder / "keep.txt").write_text("not ours")
    env = cli._metrics_environ({cli.METRICS_DIR_VARIABLE: str(folder)})
    assert env == {cli.METRICS_DIR_VARIABLE: str(folder)}, "the operator's folder stays"
    assert sorted(p.name for p in folder.iterdir()) == ["keep.txt"]
