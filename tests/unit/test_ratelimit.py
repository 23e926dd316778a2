"""Rate limits without the upstream: the endpoint groups, the buckets, the 429 page,
the switch, and a Redis that cannot be reached."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from booking_app import create_app, ratelimit
from booking_app.config import ConfigError, load_settings
from tests.support.sandbox import free_port

ORG = "f6" + "a" * 30
OTHER_ORG = "f6" + "b" * 30
TEMPLATE = "fc" + "c" * 30


def widget(**settings: str) -> Flask:
    """A widget whose upstream is a closed port (these requests never reach it)."""
    return create_app(
        {
            "TESTING": True,
            "BOOKING_DEMO": "1",
            "BOOKING_MODULE_API_URL": f"http://127.0.0.1:{free_port()}/module/v3/",
            "BOOKING_RATE_LIMIT_WRITES": "2 per minute",
            **settings,
        }
    )


def book(client: FlaskClient, org: str = ORG, lang: str = "en", **kw: Any) -> int:
    """POST an expired form: refused with 410 without any upstream call, but counted."""
    path = f"/{lang}/o/{org}/s/{TEMPLATE}/book"
    return client.post(path, data={"token": "expired"}, **kw).status_code


def test_the_limited_endpoints() -> None:
    assert {"booking.book", "booking.book_again", "manage.move", "manage.cancel"} == (
        ratelimit.WRITE_ENDPOINTS
    )
    assert {
        "booking.slots",
        "booking.earliest",
        "manage.move_week",
        "manage.move_earliest",
    } == ratelimit.BROWSE_ENDPOINTS
    methods = {rule.endpoint: rule.methods or set() for rule in widget().url_map.iter_rules()}
    for endpoint in ratelimit.WRITE_ENDPOINTS:
        assert "POST" in methods[endpoint], "a renamed endpoint would silently lose its limit"
    for endpoint in ratelimit.BROWSE_ENDPOINTS:
        assert "GET" in methods[endpoint], "a renamed endpoint would silently lose its limit"


def test_writes_are_limited_per_client_and_organization() -> None:
    client = widget().test_client()
    assert [book(client), book(client)] == [410, 410]
    refused = client.post(f"/de/o/{ORG}/s/{TEMPLATE}/book", data={"token": "x"})
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert "Zu viele Anfragen" in refused.get_data(as_text=True)
    assert book(client, OTHER_ORG) == 410, "another organization has its own bucket"
    other_client = {"REMOTE_ADDR": "192.0.2.44"}
    assert book(client, environ_base=other_client) == 410, "another address: its own bucket"
    assert client.get("/healthz").status_code == 200, "other endpoints are not limited"


def test_forwarded_for_counts_only_behind_a_trusted_proxy() -> None:
    direct = widget().test_client()
    spoofed = [book(direct, headers={"X-Forwarded-For": f"192.0.2.{i}"}) for i in range(3)]
    assert spoofed == [410, 410, 429], "a client cannot pick its address without a proxy"
    proxied = widget(BOOKING_PROXY_FIX="1").test_client()
    real = [book(proxied, headers={"X-Forwarded-For": f"192.0.2.{i}"}) for i in range(3)]
    assert real == [410, 410, 410], "behind the proxy each real client counts on its own"


def test_switched_off_for_benchmarks() -> None:
    client = widget(BOOKING_RATE_LIMIT_ENABLED="0").test_client()
    assert {book(client) for _ in range(5)} == {410}


def test_unreachable_redis_degrades_to_memory_never_500() -> None:
    app = widget(BOOKING_CACHE_URL=f"redis://127.0.0.1:{free_port()}/0")
    client = app.test_client()
    statuses = [book(client) for _ in range(4)]
    assert 500 not in statuses
    assert statuses[:2] == [410, 410]
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
