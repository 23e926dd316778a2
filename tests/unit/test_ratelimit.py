"""Rate limits: the endpoint groups, the buckets, the 429 page, the switch, and a Redis
that cannot be reached. The requests are expired booking forms (the view refuses them
after the limiter counted them), so all that matters here is: 429 or not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from booking_app.config import ConfigError, load_settings
from booking_app.web import ratelimit
from tests.support.api import ModuleApi
from tests.support.processes import free_port
from tests.support.sandbox import SandboxProcess
from tests.support.widget import widget_for

OK = "answered"  # anything but a 429 (or a 500)


@dataclass(frozen=True)
class Ids:
    org: str
    other_org: str
    template: str


@pytest.fixture(scope="module")
def ids(sandbox: SandboxProcess) -> Ids:
    template = next(iter(ModuleApi(sandbox).templates().values()))["id"]
    return Ids(sandbox.main_org, sandbox.branches[0], str(template))


@pytest.fixture
def widget(sandbox: SandboxProcess) -> Callable[..., Flask]:
    """Widgets against the shared sandbox, with a write limit of 2 per minute."""

    def make(**settings: str) -> Flask:
        values = {
            "BOOKING_RATE_LIMIT_ENABLED": "1",
            "BOOKING_RATE_LIMIT_WRITES": "2 per minute",
            **settings,
        }
        return widget_for(sandbox, **values)

    return make


def book(client: FlaskClient, ids: Ids, org: str | None = None, **kw: Any) -> str:
    """POST an expired form: `OK`, or the status when it is 429 or 500."""
    path = f"/en/o/{org or ids.org}/s/{ids.template}/book"
    status = client.post(path, data={"token": "expired"}, **kw).status_code
    return str(status) if status in (429, 500) else OK


def test_the_limited_endpoints(widget: Callable[..., Flask]) -> None:
    assert {"booking.book", "booking.book_again", "manage.move", "manage.cancel"} == (
        ratelimit.WRITE_ENDPOINTS
    )
    assert {
        "booking.slots",
        "booking.earliest",
        "booking.details",
        "manage.move_week",
        "manage.move_earliest",
        "manage.move_form",
    } == ratelimit.BROWSE_ENDPOINTS
    methods = {rule.endpoint: rule.methods or set() for rule in widget().url_map.iter_rules()}
    blueprints = {endpoint.split(".")[0] for endpoint in methods}
    # A renamed endpoint would silently lose its limit (checked per registered blueprint).
    for endpoint in ratelimit.WRITE_ENDPOINTS:
        if endpoint.split(".")[0] in blueprints:
            assert "POST" in methods[endpoint], endpoint
    for endpoint in ratelimit.BROWSE_ENDPOINTS:
        if endpoint.split(".")[0] in blueprints:
            assert "GET" in methods[endpoint], endpoint
    assert "booking" in blueprints


def test_writes_are_limited_per_client_and_organization(
    widget: Callable[..., Flask], ids: Ids
) -> None:
    client = widget().test_client()
    assert [book(client, ids), book(client, ids)] == [OK, OK]
    refused = client.post(f"/de/o/{ids.org}/s/{ids.template}/book", data={"token": "x"})
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert "Zu viele Anfragen" in refused.get_data(as_text=True)
    assert f'href="/de/o/{ids.org}/"' in refused.get_data(as_text=True), "the way back"
    assert "Zurück zur Buchungsseite" in refused.get_data(as_text=True)
    assert book(client, ids, ids.other_org) == OK, "another organization: its own bucket"
    other_client = {"REMOTE_ADDR": "192.0.2.44"}
    assert book(client, ids, environ_base=other_client) == OK, "another address: its own bucket"
    assert client.get("/healthz").status_code == 200, "other endpoints are not limited"


def test_forwarded_for_counts_only_behind_a_trusted_proxy(
    widget: Callable[..., Flask], ids: Ids
) -> None:
    direct = widget().test_client()
    spoofed = [book(direct, ids, headers={"X-Forwarded-For": f"192.0.2.{i}"}) for i in range(3)]
    assert spoofed == [OK, OK, "429"], "a client cannot pick its address without a proxy"
    proxied = widget(BOOKING_PROXY_FIX="1").test_client()
    real = [book(proxied, ids, headers={"X-Forwarded-For": f"192.0.2.{i}"}) for i in range(3)]
    assert real == [OK, OK, OK], "behind the proxy each real client counts on its own"


def test_switched_off_for_benchmarks(widget: Callable[..., Flask], ids: Ids) -> None:
    client = widget(BOOKING_RATE_LIMIT_ENABLED="0").test_client()
    assert {book(client, ids) for _ in range(5)} == {OK}


def test_unreachable_redis_degrades_to_memory_never_500(
    widget: Callable[..., Flask], ids: Ids
) -> None:
    client = widget(BOOKING_CACHE_URL=f"redis://127.0.0.1:{free_port()}/0").test_client()
    statuses = [book(client, ids) for _ in range(4)]
    assert "500" not in statuses
    assert statuses[:2] == [OK, OK]
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BOOKING_RATE_LIMIT_WRITES", "lots"),
        ("BOOKING_RATE_LIMIT_BROWSING", ""),
        ("BOOKING_RATE_LIMIT_ENABLED", "perhaps"),
        ("BOOKING_PROXY_FIX", "-1"),
        ("BOOKING_PROXY_FIX", "many"),
        ("BOOKING_BEHIND_HTTPS", "2"),
    ],
)
def test_bad_settings_are_refused_by_name(variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        load_settings({"BOOKING_DEMO": "1", variable: value})


def test_settings_accept_rates_and_switches() -> None:
    settings = load_settings(
        {
            "BOOKING_DEMO": "1",
            "BOOKING_RATE_LIMIT_WRITES": "5/second; 100 per hour",
            "BOOKING_RATE_LIMIT_ENABLED": "no",
            "BOOKING_PROXY_FIX": "2",
            "BOOKING_BEHIND_HTTPS": "yes",
        }
    )
    assert settings.rate_limit_writes == "5/second; 100 per hour"
    assert not settings.rate_limit_enabled
    assert settings.proxy_fix == 2
    assert settings.behind_https


def test_every_page_that_may_reach_the_upstream_has_a_group(widget: Callable[..., Flask]) -> None:
    for rule in widget().url_map.iter_rules():
        endpoint = rule.endpoint
        if "GET" not in (rule.methods or set()):
            continue
        reaches = endpoint.startswith(("booking.", "manage.")) or endpoint == "embed.preview"
        if reaches:
            grouped = endpoint in ratelimit.BROWSE_ENDPOINTS or ratelimit.is_page(endpoint)
            assert grouped, endpoint


def test_made_up_organizations_share_one_bucket_per_address(
    widget: Callable[..., Flask], ids: Ids
) -> None:
    client = widget(BOOKING_RATE_LIMIT_PAGES="5 per minute").test_client()
    statuses = [client.get(f"/en/o/f6{str(n).zfill(30)}/").status_code for n in range(8)]
    assert statuses[:5] == [404] * 5
    assert statuses[5:] == [429] * 3, "a new id is no new bucket"
    other = client.get(f"/en/o/{ids.org}/", environ_base={"REMOTE_ADDR": "192.0.2.99"})
    assert other.status_code == 200, "another address: its own bucket"


def test_random_chosen_times_are_limited_like_browsing(
    widget: Callable[..., Flask], ids: Ids, sandbox: SandboxProcess
) -> None:
    import secrets

    client = widget(BOOKING_RATE_LIMIT_BROWSING="20 per minute").test_client()
    path = f"/en/o/{ids.org}/s/{ids.template}/book"
    statuses = [client.get(f"{path}?s={secrets.token_hex(4)}").status_code for _ in range(40)]
    assert 500 not in statuses
    assert statuses.count(429) == 20, "the 21st random time is refused"
