"""Rendered entry and week pages kept for seconds (booking_app/booking/pagecache.py):
the warm path of bench/ — and a booking must still show at once."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask

from booking_app.web.pagecache import PageCache
from tests.support.clock import today
from tests.support.pages import DETAILS, form_token, links, time_links
from tests.support.sandbox import SandboxProcess
from tests.support.widget import widget_for


@pytest.fixture
def private(start_sandbox: Callable[..., SandboxProcess]) -> SandboxProcess:
    """A sandbox of our own: its request counters are ours alone."""
    return start_sandbox("--seed", "demo", "--control")


def week_url(app: Flask, org: str, service_index: int = 0) -> str:
    entry = app.test_client().get(f"/en/o/{org}/?here=1")
    service = links(entry, "/s/fc")[service_index]
    cal = (today() + timedelta(days=14)).isocalendar()
    return f"{service}?week={cal.year}-W{cal.week:02d}"


def test_a_warm_page_is_rendered_once_and_asks_nothing_upstream(private: SandboxProcess) -> None:
    app = widget_for(private)
    client = app.test_client()
    url = week_url(app, private.main_org)
    first = client.get(url)
    private.reset_counters()
    again = client.get(url)
    assert again.status_code == 200
    assert again.data == first.data
    assert private.counters()["total"] == 0
    assert again.headers["Content-Security-Policy"]  # the after-request hooks still run


def test_a_booking_drops_the_kept_week_page(private: SandboxProcess) -> None:
    app = widget_for(private)
    client = app.test_client()
    url = week_url(app, private.main_org, 2)  # beard trim: one barber, a time is one slot
    week = client.get(url)
    pick = time_links(week)[0]
    value = re.search(r"s=([^&]+)", pick)
    assert value
    assert value[1] in week.get_data(as_text=True)
    token = form_token(client.get(pick))
    done = client.post(pick.split("?")[0], data={**DETAILS, "token": token})
    assert done.status_code == 303
    assert value[1] not in client.get(url).get_data(as_text=True)


def test_a_zero_lifetime_turns_it_off(private: SandboxProcess) -> None:
    app = widget_for(private)
    app.config["PAGE_CACHE_TTL"] = 0
    client = app.test_client()
    for _ in range(2):
        assert client.get(f"/en/o/{private.main_org}/?here=1").status_code == 200
    cache = app.extensions["booking_pages"]
    assert cache.ttl == 0
    assert not cache._pages


def test_pages_expire_follow_their_marker_and_stay_bounded() -> None:
    cache = PageCache(max_pages=2, ttl=0.2)
    cache.put("a", "gen1", "A")
    assert cache.get("a", lambda: "gen1") == "A"
    assert cache.get("a", lambda: "gen2") is None
    time.sleep(0.25)
    assert cache.get("a", lambda: "gen1") is None
    for key in ("b", "c", "d"):
        cache.put(key, "", key)
    assert cache.get("b", lambda: "") is None
    assert cache.get("d", lambda: "") == "d"


def test_a_forged_host_never_reaches_the_page_everybody_gets(private: SandboxProcess) -> None:
    app = widget_for(private)
    client = app.test_client()
    path = f"/en/o/{private.main_org}/?here=1&_external=1&_scheme=https"
    forged = client.get(path, headers={"Host": "evil.example"})
    assert forged.status_code == 200
    private.reset_counters()
    plain = client.get(path)
    assert plain.status_code == 200
    assert b"evil.example" not in plain.data
    assert b"https://" not in plain.data.split(b"<main")[1], "no external links either"
    keys = list(app.extensions["booking_pages"]._pages)
    assert any(k.startswith("http://evil.example/") for k in keys)
    assert any(k.startswith("http://localhost/") for k in keys), "a page of its own"
