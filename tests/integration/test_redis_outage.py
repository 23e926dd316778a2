"""A Redis that dies or hangs (issue 16): the widget keeps its caches in memory, its
breaker still opens, pages stay fast, bookings stay exactly once, and /readyz says
"degraded". Two workers of `booking-app serve` share one real Redis."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from booking_app.web.tokens import FORM_SALT, TokenSigner
from tests.support.clock import today
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


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("redis-outage")


@pytest.fixture(scope="module")
def sandbox(workdir: Path) -> Iterator[SandboxProcess]:
    with running_sandbox(workdir, "--control") as proc:
        yield proc


@pytest.fixture
def redis_server(workdir: Path) -> Iterator[RedisServer]:
    with running_redis(workdir) as server:
        yield server


@pytest.fixture
def widget(
    workdir: Path, sandbox: SandboxProcess, redis_server: RedisServer
) -> Iterator[WidgetServer]:
    env = {
        "BOOKING_CACHE_URL": redis_server.url,
        "BOOKING_PROXY_FIX": "1",
        "BOOKING_WORKERS": "1",  # one process: its memory tier is what is measured
        "BOOKING_RATE_LIMIT_PAGES": "100000 per minute",
        "BOOKING_RATE_LIMIT_BROWSING": "100000 per minute",
    }
    with running_widget(workdir, sandbox, **env) as server:
        yield server


def week_path(customer: Customer, org: str, weeks_ahead: int) -> str:
    entry = customer.get(f"/en/o/{org}/?here=1")
    service = next(h for h in entry.text.split('"') if "/s/fc" in h)
    cal = (today() + timedelta(weeks=weeks_ahead)).isocalendar()
    return f"{service}?week={cal.year}-W{cal.week:02d}"


def upstream(sandbox: SandboxProcess) -> int:
    return int(sandbox.counters()["total"])


def test_redis_killed_the_memory_tier_keeps_the_caches(
    widget: WidgetServer, sandbox: SandboxProcess, redis_server: RedisServer
) -> None:
    customer = Customer(widget.url, "198.51.100.61")
    path = week_path(customer, sandbox.main_org, 3)
    assert customer.get(path).status_code == 200  # warm, kept in Redis and in memory
    redis_server.stop()
    sandbox.reset_counters()
    for _ in range(20):
        assert customer.get(path).status_code == 200
        time.sleep(0.3)  # past the page cache's seconds: the upstream caches answer
    print(f"\nredis killed: 20 week views, {upstream(sandbox)} upstream calls")
    assert upstream(sandbox) <= 3, sandbox.counters()
    ready = requests.get(f"{widget.url}/readyz", timeout=5)
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"
    assert ready.json()["degraded"] == ["cache"]


def test_redis_killed_the_breaker_still_opens(
    widget: WidgetServer, sandbox: SandboxProcess, redis_server: RedisServer
) -> None:
    customer = Customer(widget.url, "198.51.100.62")
    redis_server.stop()
    sandbox.add_fault(route="listWeek", status=503, times=0)
    try:
        for weeks in range(8, 20):  # uncached weeks: each one asks the upstream
            customer.get(week_path(customer, sandbox.main_org, weeks))
        sandbox.reset_counters()
        for weeks in range(20, 26):
            customer.get(week_path(customer, sandbox.main_org, weeks))
        weeks_asked = sum(
            n for route, n in sandbox.counters()["routes"].items() if "listWeek" in route
        )
        assert weeks_asked <= 1, "the open breaker keeps the failing API alone"
    finally:
        sandbox.clear_faults()


def test_redis_hung_pages_stay_fast_and_a_booking_is_made_once(
    widget: WidgetServer, sandbox: SandboxProcess, redis_server: RedisServer
) -> None:
    customer = Customer(widget.url, "198.51.100.63")
    path = week_path(customer, sandbox.main_org, 4)
    customer.get(path)
    form_path, token = customer.open_form(sandbox.main_org, service=2)
    redis_server.hang()
    try:
        times = []
        for _ in range(40):
            began = time.perf_counter()
            assert customer.get(path).status_code == 200
            times.append(time.perf_counter() - began)
        times.sort()
        p99 = times[int(len(times) * 0.99) - 1]
        print(f"\nredis hung: week page p99 {p99 * 1000:.1f} ms over {len(times)}")
        assert p99 <= 1.0, times[-5:]
        began = time.perf_counter()
        done = customer.submit(form_path, token)
        took = time.perf_counter() - began
        assert done.status_code == 303, done.text[:400]
        again = customer.submit(form_path, token)
        assert again.status_code == 303, "the duplicate shows the same booking"
        print(f"redis hung: booking {took * 1000:.0f} ms")
        assert took < 3.0
        key = str(TokenSigner(SECRET, FORM_SALT).load(token)["k"])
        assert appointments_with(sandbox.db, key) == 1
        ready = requests.get(f"{widget.url}/readyz", timeout=5).json()
        assert ready["status"] == "degraded"
    finally:
        redis_server.resume()
