"""Rendered entry and times pages kept for seconds (booking_app/web/pagecache.py): the
warm path of bench/. A booking must still show at once, a kept answer keeps the app's
headers, log line and rate limits, and nobody waits for a page to be renewed."""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, request

from booking_app.web.request_log import REBUILD_MARK
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


def entry_url(sandbox: SandboxProcess) -> str:
    return f"/en/o/{sandbox.main_org}/?here=1"


def test_a_kept_page_has_the_apps_headers_a_request_id_of_its_own_and_a_log_line(
    sandbox: SandboxProcess, caplog: pytest.LogCaptureFixture
) -> None:
    app = widget_for(sandbox)
    client = app.test_client()
    rendered = client.get(entry_url(sandbox))
    caplog.set_level(logging.INFO, logger="booking_app.requests")
    kept = client.get(entry_url(sandbox))
    mine = client.get(entry_url(sandbox), headers={"X-Request-Id": "proxy-id-1234"})
    assert kept.status_code == mine.status_code == 200
    assert kept.data == rendered.data == mine.data
    ids = {r.headers["X-Request-Id"] for r in (rendered, kept)}
    assert len(ids) == 2, "a request id of its own"
    assert mine.headers["X-Request-Id"] == "proxy-id-1234", "a proxy's id is kept"

    def others(response: Any) -> list[tuple[str, str]]:
        return sorted((k, v) for k, v in response.headers if k != "X-Request-Id")

    assert others(kept) == others(rendered)
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"):
        assert kept.headers[name], name
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "booking_app.requests"]
    assert [line["rid"] for line in lines] == [kept.headers["X-Request-Id"], "proxy-id-1234"]
    assert {line["endpoint"] for line in lines} == {"booking.entry"}
    assert all(line["kept"] and line["route"] == "/<lang>/o/<org_id>/" for line in lines)


def test_kept_pages_count_against_the_same_rate_limits(sandbox: SandboxProcess) -> None:
    app = widget_for(
        sandbox,
        BOOKING_RATE_LIMIT_ENABLED="1",
        BOOKING_RATE_LIMIT_PAGES="3 per minute",
        BOOKING_RATE_LIMIT_BROWSING="2 per minute",
    )
    client = app.test_client()
    entry = entry_url(sandbox)
    answers = [client.get(entry).status_code for _ in range(3)]
    assert answers == [200, 200, 200]  # rendered once, then kept
    refused = client.get(entry)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"]
    assert "Too many requests" in refused.get_data(as_text=True)
    other = app.test_client()
    times = links(client.get(entry, environ_base={"REMOTE_ADDR": "10.0.0.9"}), "/s/fc")[0]
    assert [other.get(times).status_code for _ in range(3)] == [200, 200, 429]
    elsewhere = client.get(times, environ_base={"REMOTE_ADDR": "10.0.0.8"})
    assert elsewhere.status_code == 200, "one bucket per client address"


def test_an_expired_page_is_served_while_one_request_renews_it_in_the_background(
    sandbox: SandboxProcess,
) -> None:
    app = widget_for(
        sandbox,
        PAGE_CACHE_TTL=0.3,
        BOOKING_RATE_LIMIT_ENABLED="1",
        BOOKING_RATE_LIMIT_PAGES="3 per minute",
    )
    view = app.view_functions["booking.entry"]
    renewals: list[float] = []

    def slow_renewal(**view_args: Any) -> Any:
        if request.environ.get(REBUILD_MARK):
            renewals.append(time.monotonic())
            time.sleep(1.0)  # a slow upstream: nobody may wait for it
        return view(**view_args)

    app.view_functions["booking.entry"] = slow_renewal
    client = app.test_client()
    entry = entry_url(sandbox)
    first = client.get(entry)
    time.sleep(0.4)
    began = time.monotonic()
    stale = client.get(entry)
    assert time.monotonic() - began < 0.5, "served the last page, not waiting"
    assert stale.data == first.data
    key = next(iter(app.extensions["booking_pages"]._pages))
    old = app.extensions["booking_pages"]._pages[key].expires
    deadline = time.monotonic() + 5
    while app.extensions["booking_pages"]._pages[key].expires == old:
        assert time.monotonic() < deadline, "renewed in the background"
        time.sleep(0.05)
    assert len(renewals) == 1
    assert client.get(entry).status_code == 200, "the renewal was not counted against me"
    assert client.get(entry).status_code == 429


def test_a_missing_page_is_built_once_for_everyone_asking_at_once(
    sandbox: SandboxProcess,
) -> None:
    app = widget_for(sandbox)
    entry = entry_url(sandbox)
    times = links(app.test_client().get(entry), "/s/fc")[0]
    view = app.view_functions["booking.slots"]
    builds: list[int] = []

    @functools.wraps(view)  # still a view whose pages are kept
    def slow_build(**view_args: Any) -> Any:
        builds.append(1)
        time.sleep(0.5)
        return view(**view_args)

    app.view_functions["booking.slots"] = slow_build
    answers: list[bytes] = []

    def ask() -> None:
        answers.append(app.test_client().get(times).data)

    askers = [threading.Thread(target=ask) for _ in range(6)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(20)
    assert len(answers) == 6
    assert len(set(answers)) == 1
    assert b"<main" in answers[0]
    assert len(builds) == 1


def test_other_pages_asked_for_at_once_never_wait_for_each_other(
    sandbox: SandboxProcess,
) -> None:
    app = widget_for(sandbox)
    view = app.view_functions["healthz"]
    together = threading.Barrier(4, timeout=10)  # broken unless all four are in at once

    def health_of_four() -> Any:
        together.wait()
        return view()

    app.view_functions["healthz"] = health_of_four
    answers: list[int] = []

    def ask() -> None:
        answers.append(app.test_client().get("/healthz").status_code)

    askers = [threading.Thread(target=ask) for _ in range(4)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(20)
    assert answers == [200] * 4, "all four inside the view at once, none waiting for another"
    assert not together.broken
    assert not app.extensions["booking_pages"]._pages
