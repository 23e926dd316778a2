"""Scale-out: two gunicorn instances (`booking-app serve`) sharing one real Redis, in
front of one real sandbox. One appointment per form, one token for both, one rate-limit
count across both, and a Redis that dies mid-run costs nothing but speed."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from booking_app.web.tokens import FORM_SALT, TokenSigner
from tests.support.pages import PLAIN_DETAILS, booked_appointment
from tests.support.redis_server import RedisServer, running_redis
from tests.support.sandbox import SandboxProcess, running_sandbox
from tests.support.widget_server import (
    SECRET,
    Customer,
    WidgetServer,
    appointments_with,
    running_widget,
)

pytestmark = pytest.mark.integration

TOKEN_ROUTE = "POST oauth/token"
WRITES = 4


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("production-scale")


@pytest.fixture(scope="module")
def sandbox(workdir: Path) -> Iterator[SandboxProcess]:
    """A private sandbox: these tests read its counters and its database."""
    with running_sandbox(workdir, "--control") as proc:
        yield proc


@pytest.fixture(scope="module")
def redis_server(workdir: Path) -> Iterator[RedisServer]:
    with running_redis(workdir) as server:
        yield server


@pytest.fixture(scope="module")
def widgets(
    workdir: Path, sandbox: SandboxProcess, redis_server: RedisServer
) -> Iterator[tuple[WidgetServer, WidgetServer]]:
    """Two instances on different ports, one Redis."""
    env = {
        "BOOKING_CACHE_URL": redis_server.url,
        "BOOKING_PROXY_FIX": "1",
        "BOOKING_RATE_LIMIT_WRITES": f"{WRITES} per minute",
        "BOOKING_RATE_LIMIT_BROWSING": "60 per minute",
        # The Redis test below browses as fast as it can from one address.
        "BOOKING_RATE_LIMIT_PAGES": "100000 per minute",
    }
    with running_widget(workdir, sandbox, **env) as a, running_widget(workdir, sandbox, **env) as b:
        yield a, b


def custom_id_of(token: str) -> str:
    """The idempotency key (the appointment's customId) inside a form token."""
    return str(TokenSigner(SECRET, FORM_SALT).load(token)["k"])


def test_the_same_form_sent_to_both_at_once_makes_one_appointment(
    widgets: tuple[WidgetServer, WidgetServer], sandbox: SandboxProcess
) -> None:
    a, b = widgets
    customer = Customer(a.url, "198.51.100.1")
    path, token = customer.open_form(sandbox.main_org, service=1)
    barrier = threading.Barrier(4)

    def send(base_url: str) -> requests.Response:
        barrier.wait()
        return customer.submit(path, token, base_url=base_url)

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(send, [a.url, b.url, a.url, b.url]))
    assert [r.status_code for r in answers] == [303] * 4, [r.text[:300] for r in answers]
    shown = {booked_appointment(customer.get(r.headers["Location"]).text) for r in answers}
    assert len(shown) == 1, "every answer shows the same appointment"
    assert appointments_with(sandbox.db, custom_id_of(token)) == 1


def test_a_token_fetched_by_one_instance_is_used_by_the_other(
    widgets: tuple[WidgetServer, WidgetServer], sandbox: SandboxProcess
) -> None:
    a, b = widgets
    branch = sandbox.branches[0]  # no test here asked for its token yet
    sandbox.reset_counters()
    entry = Customer(a.url, "198.51.100.2").get(f"/en/o/{branch}/")
    assert entry.status_code == 200
    fetched = sandbox.counters()["routes"].get(TOKEN_ROUTE, 0)
    assert fetched >= 1, "A fetched the branch's token"
    # B now needs that organization's token for a call nobody cached: a month of slots.
    week = Customer(b.url, "198.51.100.2").get(f"/de/o/{branch}/?here=1")
    service = next(h for h in week.text.split('"') if "/s/fc" in h)
    answer = Customer(b.url, "198.51.100.2").get(service)
    assert answer.status_code == 200
    routes = sandbox.counters()["routes"]
    assert any("listMonth" in route for route in routes), routes
    assert routes.get(TOKEN_ROUTE, 0) == fetched, "B used A's token from Redis"


def test_a_rate_limit_is_counted_across_both_instances(
    widgets: tuple[WidgetServer, WidgetServer], sandbox: SandboxProcess
) -> None:
    a, b = widgets
    customer = Customer(a.url, "203.0.113.7")
    template = customer.open_form(sandbox.main_org)[0].split("/s/")[1].split("/")[0]
    path = f"/de/o/{sandbox.main_org}/s/{template}/book"
    statuses = [
        customer.submit(path, "expired-token", base_url=(a.url, b.url)[i % 2]).status_code
        for i in range(WRITES)
    ]
    assert not {429, 500} & set(statuses)  # expired forms, refused by the view, but counted
    refused = customer.submit(path, "expired-token", base_url=b.url)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert "Zu viele Anfragen" in refused.text
    assert '<html lang="de">' in refused.text
    # Another client address (the real one, through the proxy) has its own count.
    assert Customer(b.url, "203.0.113.8").submit(path, "x", base_url=b.url).status_code != 429


def test_redis_killed_mid_run_requests_keep_succeeding(
    widgets: tuple[WidgetServer, WidgetServer],
    sandbox: SandboxProcess,
    redis_server: RedisServer,
) -> None:
    a, b = widgets
    statuses: list[int] = []
    stop = threading.Event()

    def browse() -> None:
        customer = Customer(a.url, "198.51.100.9")
        while not stop.is_set():
            for base in (a.url, b.url):
                statuses.append(customer.get(f"/en/o/{sandbox.main_org}/", base).status_code)

    worker = threading.Thread(target=browse)
    worker.start()
    try:
        time.sleep(0.5)
        redis_server.stop()
        time.sleep(0.5)
        customer = Customer(b.url, "198.51.100.10")
        path, token = customer.open_form(sandbox.main_org, service=2)
        done = customer.submit(path, token)
        assert done.status_code == 303, done.text[:500]
        assert customer.get(done.headers["Location"]).status_code == 200
        assert appointments_with(sandbox.db, custom_id_of(token)) == 1
        time.sleep(0.5)
    finally:
        stop.set()
        worker.join()
        if not redis_server.running:
            redis_server.start()
    assert statuses
    assert set(statuses) == {200}, statuses
    for widget in (a, b):
        assert all(line["status"] < 500 for line in widget.request_lines())


def test_the_logs_hold_one_json_line_per_request_and_no_personal_data(
    widgets: tuple[WidgetServer, WidgetServer],
) -> None:
    lines = [line for widget in widgets for line in widget.request_lines()]
    books = [line for line in lines if line["endpoint"] == "booking.book"]
    assert books
    assert any(line["upstream_calls"] >= 1 and line["upstream_ms"] > 0 for line in books)
    assert {line["route"] for line in books} == {"/<lang>/o/<org_id>/s/<template_id>/book"}
    for line in lines:
        assert set(line) >= {"rid", "route", "status", "ms", "upstream_calls", "upstream_ms"}
    everything = "".join(
        path.read_text(errors="replace")
        for widget in widgets
        for path in widget.workdir.glob(f"widget-{widget.port}.*")
    )
    for personal in (
        PLAIN_DETAILS["email"],
        PLAIN_DETAILS["first_name"],
        "170 1234567",
        "198.51.100.",
    ):
        assert personal not in everything, personal
