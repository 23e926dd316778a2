"""An upstream that fails for a while, against a real gunicorn widget, sandbox and Redis:
entry pages serve their last good copy, a booking shows the 503 page and is never sent
twice, and once the upstream is back the same form books."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from booking_app.web.tokens import FORM_SALT, TokenSigner
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

ADD = "POST organization/<org_id>/appointment/add"
BREAKER_COOLDOWN = 10  # the client's default: how long a failing upstream is left alone


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[SandboxProcess, RedisServer, WidgetServer]]:
    with (
        running_sandbox(tmp_path, "--control") as sandbox,
        running_redis(tmp_path) as redis_server,
        running_widget(
            tmp_path,
            sandbox,
            BOOKING_CACHE_URL=redis_server.url,
            BOOKING_PROXY_FIX="1",
            BOOKING_RATE_LIMIT_WRITES="100 per minute",  # this customer is patient, not abusive
        ) as widget,
    ):
        yield sandbox, redis_server, widget


def expire_fresh_copies(redis_server: RedisServer) -> int:
    """Let every cached answer's freshness run out now (their last good copies stay)."""
    client = redis.Redis.from_url(redis_server.url)
    keys = list(client.scan_iter("booking:*fresh:*"))
    if keys:
        client.delete(*keys)
    client.close()
    return len(keys)


def adds(sandbox: SandboxProcess) -> int:
    return int(sandbox.counters()["routes"].get(ADD, 0))


@pytest.mark.slow
def test_upstream_down_then_back(
    stack: tuple[SandboxProcess, RedisServer, WidgetServer],
) -> None:
    sandbox, redis_server, widget = stack
    org = sandbox.main_org
    customer = Customer(widget.url, "198.51.100.20")
    path, token = customer.open_form(org)  # also caches the English entry page
    assert customer.get(f"/de/o/{org}/?here=1").status_code == 200  # and the German one
    custom_id = str(TokenSigner(SECRET, FORM_SALT).load(token)["k"])
    sandbox.reset_counters()

    # 503 on every organization route (the booking and the identify that follows it).
    sandbox.add_fault(route="organization/", status=503, times=0)
    refused = customer.submit(path, token)
    assert refused.status_code == 503
    assert "not made yet" in refused.text
    assert 'name="token"' in refused.text, "the typed details are kept"
    assert adds(sandbox) == 1, "the booking was sent once, not retried"

    # Connections dropped instead: the same, and the circuit breaker opens.
    sandbox.clear_faults()
    sandbox.add_fault(route="organization/", drop=True, times=0)
    refused = customer.submit(path, token)
    assert refused.status_code == 503
    assert adds(sandbox) <= 2, "never more than one upstream POST per submit"

    # Entry pages keep serving their last good copy.
    assert expire_fresh_copies(redis_server) > 0
    for lang in ("en", "de"):
        entry = customer.get(f"/{lang}/o/{org}/?here=1")
        assert entry.status_code == 200
        assert "Studio Morgenrot" in entry.text
    assert appointments_with(sandbox.db, custom_id) == 0

    # Back: once the breaker lets a trial call through, the same form books, once.
    sandbox.clear_faults()
    deadline = time.monotonic() + BREAKER_COOLDOWN + 10
    while True:
        done = customer.submit(path, token)
        if done.status_code != 503 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert done.status_code == 303, done.text[:500]
    assert customer.get(done.headers["Location"]).status_code == 200
    assert appointments_with(sandbox.db, custom_id) == 1
    assert all(line["status"] != 500 for line in widget.request_lines())
