"""The client's tokens against a real sandbox: reuse, single flight (threads and
processes), renewal before expiry, a 401 renewed once, one token per organization."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import requests

from booking_app.moduleapi import AuthenticationError, NotFoundError
from tests.support.redis_server import running_redis
from tests.support.sandbox import SandboxProcess
from tests.support.sandbox_client import ORG_SHOW, TOKEN, calls, client_for, routes

pytestmark = pytest.mark.integration


def show_org(client: object, org: str) -> None:
    """An uncached API call (the organization's show route) with the client's token."""
    client.request("GET", f"organization/{org}/show", route="organization/{orgId}/show")  # type: ignore[attr-defined]


def test_one_token_pair_serves_many_requests(clean_sandbox: SandboxProcess) -> None:
    sb = clean_sandbox
    client = client_for(sb)
    sb.reset_counters()
    for _ in range(10):
        show_org(client, sb.main_org)
    client.list_booking_templates(sb.main_org)
    client.list_booking_resources(sb.main_org, lang="de")
    counts = routes(sb)
    assert counts[TOKEN] == 2  # client_credentials, then refresh_token
    assert counts[ORG_SHOW] == 10


def test_twenty_threads_share_one_token_pair(clean_sandbox: SandboxProcess) -> None:
    sb = clean_sandbox
    client = client_for(sb)
    sb.reset_counters()
    gate = threading.Barrier(20)
    failures: list[BaseException] = []

    def first_call() -> None:
        gate.wait()
        try:
            show_org(client, sb.main_org)
        except BaseException as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=first_call) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert failures == []
    counts = routes(sb)
    print(f"20 concurrent first calls: {counts}")
    assert counts[TOKEN] == 2
    assert counts[ORG_SHOW] == 20


def test_a_branch_gets_its_own_token(clean_sandbox: SandboxProcess) -> None:
    sb = clean_sandbox
    client = client_for(sb)
    sb.reset_counters()
    show_org(client, sb.main_org)
    branch = sb.branches[0]
    show_org(client, branch)
    assert client.get_organization(branch).parent_id == sb.main_org
    show_org(client, sb.main_org)
    assert calls(sb, TOKEN) == 3  # one refresh token, an access token per organization
    main_token = client.tokens.access_token(sb.main_org)
    assert client.tokens.access_token(branch) != main_token


def test_an_organization_the_module_does_not_serve(clean_sandbox: SandboxProcess) -> None:
    sb = clean_sandbox
    client = client_for(sb)
    stranger = "f6" + "Q" * 30
    sb.reset_counters()
    with pytest.raises(NotFoundError):
        client.get_organization(stranger)
    first = calls(sb, TOKEN)
    with pytest.raises(NotFoundError):
        client.list_booking_templates(stranger)
    assert calls(sb, TOKEN) == first  # the refusal is remembered for a while
    assert sum(routes(sb).values()) == first  # and no API call was made for it


def test_two_hundred_unknown_organizations_cost_at_most_two_token_requests(
    clean_sandbox: SandboxProcess,
) -> None:
    """Random ids never cost the module its refresh token, nor a token request each."""
    import secrets
    import string

    from tests.support.widget import widget_for

    sb = clean_sandbox
    client = widget_for(sb).test_client()
    assert client.get(f"/en/o/{sb.main_org}/").status_code == 200  # warm: a known org
    sb.reset_counters()
    alphabet = string.ascii_letters + string.digits
    for _ in range(200):
        stranger = "f6" + "".join(secrets.choice(alphabet) for _ in range(30))
        assert client.get(f"/en/o/{stranger}/").status_code == 404
    counted = routes(sb)
    print(f"\n200 unknown organizations: {counted.get(TOKEN, 0)} token requests")
    assert counted.get(TOKEN, 0) <= 2, counted
    assert sum(counted.values()) == counted.get(TOKEN, 0), "no API call for them"
    sb.reset_counters()
    assert client.get(f"/en/o/{sb.main_org}/?here=1").status_code == 200
    assert client.get(f"/de/o/{sb.branches[0]}/").status_code == 200, "a known branch"
    assert calls(sb, TOKEN) <= 1, "the refresh token was kept (no client_credentials again)"


@pytest.mark.parametrize(
    "credentials", [{"client_id": "23" + "0" * 30}, {"client_secret": "not-anonymous"}]
)
def test_refused_credentials(clean_sandbox: SandboxProcess, credentials: dict[str, str]) -> None:
    client = client_for(clean_sandbox, **credentials)
    with pytest.raises(AuthenticationError) as caught:
        client.get_organization(clean_sandbox.main_org)
    assert caught.value.status == 401
    assert caught.value.failures[0][0] == "invalid_client"
    assert caught.value.request_id


@pytest.fixture
def short_tokens(start_sandbox: Callable[..., SandboxProcess]) -> SandboxProcess:
    """A private sandbox whose access tokens live two seconds."""
    return start_sandbox("--control", "--token-ttl", "2")


def test_tokens_are_renewed_before_they_expire(
    short_tokens: SandboxProcess, caplog: pytest.LogCaptureFixture
) -> None:
    sb = short_tokens
    client = client_for(sb)
    with caplog.at_level(logging.INFO, logger="booking_app.moduleapi"):
        show_org(client, sb.main_org)
        first = client.tokens.access_token(sb.main_org)
        entry = client.tokens.cache.get(f"token:{sb.client_id}:{sb.main_org}")
        renew_at = entry["renew_at"]  # 2 s minus 10 %: 1.8 s after it was issued
        time.sleep(max(0.0, renew_at - 0.6 - time.time()))
        show_org(client, sb.main_org)
        assert client.tokens.access_token(sb.main_org) == first
        time.sleep(max(0.0, renew_at + 0.02 - time.time()))
        show_org(client, sb.main_org)
        assert client.tokens.access_token(sb.main_org) != first
    assert calls(sb, TOKEN) == 3  # the refresh token was reused
    assert calls(sb, ORG_SHOW) == 3
    assert " 401 " not in caplog.text  # renewed in time, never refused


def test_an_expired_token_is_renewed_once_on_401(
    short_tokens: SandboxProcess, caplog: pytest.LogCaptureFixture
) -> None:
    sb = short_tokens
    client = client_for(sb)
    frozen = time.time()
    client.tokens.clock = lambda: frozen  # its clock stands still: the token seems young
    show_org(client, sb.main_org)
    time.sleep(2.2)
    with caplog.at_level(logging.INFO, logger="booking_app.moduleapi"):
        show_org(client, sb.main_org)
    assert calls(sb, TOKEN) == 3
    assert calls(sb, ORG_SHOW) == 3  # the first, the refused one, its retry
    lines = [r.getMessage() for r in caplog.records]
    statuses = [line.split()[3] for line in lines if "organization/{orgId}/show" in line]
    assert statuses == ["401", "200"]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private redis-server (`make test` installs it; missing is a failure)."""
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server.url


WORKER = """
import json, sys, threading, time
import redis
from flask_caching.backends.rediscache import RedisCache
from booking_app.moduleapi import ModuleApiClient

info = json.loads(sys.argv[1])
cache = RedisCache(host=redis.Redis.from_url(info["redis"]), key_prefix="t:")
client = ModuleApiClient(api_url=info["base_url"], oauth_url=info["oauth_url"],
                         client_id=info["client_id"], cache=cache)
time.sleep(max(0.0, info["start_at"] - time.time()))
errors = []
def call():
    try:
        client.list_booking_templates(info["org"])
    except Exception as error:
        errors.append(repr(error))
threads = [threading.Thread(target=call) for _ in range(10)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps({"errors": errors}))
"""


def test_processes_share_tokens_through_redis(
    clean_sandbox: SandboxProcess, redis_url: str
) -> None:
    sb = clean_sandbox
    sb.reset_counters()
    info = {
        "redis": redis_url,
        "base_url": sb.base_url,
        "oauth_url": sb.oauth_url,
        "client_id": sb.client_id,
        "org": sb.main_org,
        "start_at": time.time() + 2.0,  # both processes start their threads together
    }
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, json.dumps(info)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    outputs = [json.loads(w.communicate(timeout=60)[0]) for w in workers]
    assert all(o["errors"] == [] for o in outputs)
    counts = routes(sb)
    print(f"3 processes with 10 threads each over Redis: {counts}")
    assert counts[TOKEN] == 2  # one login for all of them
    assert 1 <= counts["GET organization/<>/bookingTemplate/list"] <= 3


def test_a_token_without_organization_serves_static_and_search_only(
    clean_sandbox: SandboxProcess,
) -> None:
    """Asked without an organization (like the SDK for `static/…` and the module's
    organization search), the client's token serves those routes only."""
    sb = clean_sandbox
    client = client_for(sb)
    token = client.tokens.access_token(None)
    assert token != client.tokens.access_token(sb.main_org)  # distinct cache entries
    assert client.tokens.access_token(None) == token
    headers = {"Authorization": f"Bearer {token}"}
    base = f"{sb.base_url}en/"
    zones = requests.get(f"{base}static/timeZone/list", headers=headers, timeout=10)
    assert zones.status_code == 200, zones.text
    search = requests.get(
        f"{base}module/{sb.module_id}/organization/filter?searchQuery=x",
        headers=headers,
        timeout=10,
    )
    assert search.status_code == 200, search.text
    show = requests.get(f"{base}organization/{sb.main_org}/show", headers=headers, timeout=10)
    assert show.status_code in (401, 403), show.text
