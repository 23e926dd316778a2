"""A cache shared by processes: clients on one real Redis share tokens and answers;
with Redis dead the client keeps working (degraded: more upstream calls)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from flask_caching.backends.rediscache import RedisCache

from booking_app.cache import TieredCache, make_cache
from booking_app.config import Settings
from booking_app.moduleapi import ModuleApiClient, models
from tests.support.redis_server import RedisServer, running_redis
from tests.support.sandbox import SandboxProcess, running_sandbox

pytestmark = pytest.mark.integration

TOKEN = "POST oauth/token"
TEMPLATES = "GET organization/<org_id>/bookingTemplate/list"
ORGANIZATION = "GET organization/<org_id>/show"


@pytest.fixture(scope="module")
def private(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """A private sandbox: these tests read counters."""
    with running_sandbox(tmp_path_factory.mktemp("moduleapi-redis"), "--control") as proc:
        yield proc


@pytest.fixture
def sb(private: SandboxProcess) -> SandboxProcess:
    private.reset_counters()
    return private


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A fresh, empty redis-server of this test's own."""
    with running_redis(tmp_path) as server:
        yield server


def shared_cache(server: RedisServer) -> Any:
    """The widget's own Redis backend (BOOKING_CACHE_URL) on the test server."""
    cache = make_cache(Settings(cache_url=server.url))
    assert isinstance(cache, TieredCache)  # Redis, with this "process's" memory behind it
    assert isinstance(cache.remote, RedisCache)
    return cache


def make_client(sb: SandboxProcess, cache: Any, **kw: Any) -> ModuleApiClient:
    """One client per "process": its own memory, the shared cache."""
    return ModuleApiClient(
        api_url=sb.base_url,
        oauth_url=sb.oauth_url,
        client_id=sb.client_id,
        module_id=sb.module_id,
        cache=cache,
        read_timeout=5.0,
        **kw,
    )


def routes(sb: SandboxProcess) -> dict[str, int]:
    return dict(sb.counters()["routes"])


def test_a_second_process_uses_the_first_ones_token_and_answers(
    sb: SandboxProcess, redis_server: RedisServer
) -> None:
    first = make_client(sb, shared_cache(redis_server))
    templates = first.list_booking_templates(sb.main_org)
    assert routes(sb) == {TOKEN: 2, TEMPLATES: 1}

    second = make_client(sb, shared_cache(redis_server))
    sb.reset_counters()
    # The answer came out of Redis, pickled by the first client.
    assert second.list_booking_templates(sb.main_org) == templates
    assert all(isinstance(t, models.BookingTemplate) for t in templates)
    assert routes(sb) == {}
    # A call nobody made yet needs a token: the first client's, from Redis.
    assert second.get_organization(sb.main_org).id == sb.main_org
    assert routes(sb) == {ORGANIZATION: 1}
    # A branch needs its own token, but the module's refresh token is shared.
    second.get_organization(sb.branches[0])
    assert routes(sb) == {ORGANIZATION: 2, TOKEN: 1}


def test_processes_starting_together_fetch_one_token(
    sb: SandboxProcess, redis_server: RedisServer
) -> None:
    clients = [make_client(sb, shared_cache(redis_server)) for _ in range(3)]
    barrier = threading.Barrier(15)

    def first_call(i: int) -> models.Organization:
        barrier.wait(timeout=10)
        return clients[i % 3].get_organization(sb.main_org)

    with ThreadPoolExecutor(15) as pool:
        orgs = list(pool.map(first_call, range(15)))
    assert {org.id for org in orgs} == {sb.main_org}
    counts = routes(sb)
    assert counts[TOKEN] == 2, counts  # one login and one exchange for all three
    assert counts[ORGANIZATION] <= 3, counts  # at most one load per process


def test_a_dead_redis_degrades_but_does_not_break(
    sb: SandboxProcess, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(sb, shared_cache(redis_server))
    templates = client.list_booking_templates(sb.main_org)
    redis_server.stop()
    sb.reset_counters()

    with caplog.at_level(logging.WARNING, logger="booking_app.cache"):
        started = time.monotonic()
        for _ in range(3):
            assert client.list_booking_templates(sb.main_org) == templates
        # The token is still in this process's memory: no new login.
        assert client.get_organization(sb.main_org).id == sb.main_org
        elapsed = time.monotonic() - started
    assert elapsed < 5.0, elapsed
    counts = routes(sb)
    # Degraded, not forgetful: the templates come from this process's memory tier.
    assert counts == {ORGANIZATION: 1}, counts
    assert any("caches in memory" in r.getMessage() for r in caplog.records)

    # A process started while Redis is dead works too.
    newcomer = make_client(sb, shared_cache(redis_server))
    sb.reset_counters()
    started = time.monotonic()
    assert newcomer.list_booking_templates(sb.main_org) == templates
    assert time.monotonic() - started < 5.0
    assert routes(sb) == {TOKEN: 2, TEMPLATES: 1}
