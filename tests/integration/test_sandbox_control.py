"""The control API (`--control`): counters, injected faults, latency, the clock."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import requests

from tests.support.api import TIMEOUT, ModuleApi, assert_error, customer, new_custom_id
from tests.support.clock import today
from tests.support.sandbox import SandboxProcess
from tests.support.sandbox_client import blanked

pytestmark = pytest.mark.integration


def test_counters_count_route_templates_and_reset(clean_sandbox: SandboxProcess) -> None:
    sb = clean_sandbox
    api = ModuleApi(sb)
    haircut, beard = api.template_id("haircut"), api.template_id("beard-trim")
    sb.reset_counters()
    assert sb.counters() == {"total": 0, "routes": {}}
    for _ in range(3):
        api.get(f"organization/{sb.main_org}/show")
    day = today() + timedelta(weeks=3)
    api.week(haircut, day)
    api.week(beard, day)
    api.with_lang("de").week(beard, day)
    api.get(api.org_path(f"bookingTemplate/fc{'0' * 30}/show"))  # a 404 counts too
    counts = sb.counters()
    assert counts["total"] == 7
    routes = blanked(counts["routes"])
    assert routes == {
        "GET organization/<>/show": 3,
        "GET organization/<>/bookingTemplate/<>/bookingSlot/year/<>/week/<>/listWeek": 3,
        "GET organization/<>/bookingTemplate/<>/show": 1,
    }
    assert not any(sb.main_org in route or haircut in route for route in counts["routes"])
    sb.reset_counters()
    assert sb.counters()["total"] == 0
    api.get(f"organization/{sb.main_org}/show")
    assert sb.counters()["total"] == 1


def test_status_fault_with_retry_after(clean_sandbox: SandboxProcess) -> None:
    api = ModuleApi(clean_sandbox)
    path = api.org_path("bookingTemplate/list")
    clean_sandbox.add_fault(route="bookingTemplate/list", status=503, retry_after=2)
    resp = api.get(path)
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "2"
    body = resp.json()
    assert body["content"] is None
    assert body["messageList"][0]["type"] == "failure"
    assert api.get(path).status_code == 200  # times=1: used up
    assert api.get(f"organization/{clean_sandbox.main_org}/show").status_code == 200

    clean_sandbox.add_fault(route="GET organization/<org_id>/show", status=429, times=2)
    show = f"organization/{clean_sandbox.main_org}/show"
    assert [api.get(show).status_code for _ in range(3)] == [429, 429, 200]

    clean_sandbox.add_fault(route="bookingResource/list", status=500, times=0)
    statuses = {api.get(api.org_path("bookingResource/list")).status_code for _ in range(4)}
    assert statuses == {500}
    clean_sandbox.clear_faults()
    assert api.get(api.org_path("bookingResource/list")).status_code == 200


def test_latency_fault_and_global_latency(clean_sandbox: SandboxProcess) -> None:
    api = ModuleApi(clean_sandbox)
    show = f"organization/{clean_sandbox.main_org}/show"
    clean_sandbox.add_fault(route="organization/<org_id>/show", latency_ms=400)
    started = time.monotonic()
    assert api.get(show).status_code == 200
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    api.get(show)
    assert time.monotonic() - started < 0.4

    root = clean_sandbox.root
    requests.put(f"{root}/_sandbox/latency", json={"latency_ms": 250}, timeout=TIMEOUT)
    started = time.monotonic()
    api.get(api.org_path("bookingTemplate/list"))
    assert time.monotonic() - started >= 0.25
    clean_sandbox.clear_faults()  # also ends the global latency
    started = time.monotonic()
    api.get(api.org_path("bookingTemplate/list"))
    assert time.monotonic() - started < 0.25


def test_drop_fault_is_a_connection_error(clean_sandbox: SandboxProcess) -> None:
    api = ModuleApi(clean_sandbox)
    clean_sandbox.add_fault(route="bookingResource/list", drop=True)
    with requests.Session() as session, pytest.raises(requests.ConnectionError):
        session.get(
            api.url(api.org_path("bookingResource/list")),
            headers={"Authorization": f"Bearer {api.token}"},
            timeout=TIMEOUT,
        )
    assert api.get(api.org_path("bookingResource/list")).status_code == 200


def test_commit_then_hang_books_although_the_client_times_out(
    clean_sandbox: SandboxProcess,
) -> None:
    api = ModuleApi(clean_sandbox)
    beard = api.template_id("beard-trim")
    day = today() + timedelta(weeks=3)
    slot = api.free_slots(beard, day)[0]
    custom_id = new_custom_id("hang")
    clean_sandbox.add_fault(route="appointment/add", commit_then_hang_s=1.5)
    with pytest.raises((requests.ReadTimeout, requests.ConnectionError)):
        requests.post(
            api.url(api.org_path("appointment/add")),
            json={"bookingSlotId": slot["id"], "customId": custom_id, "customer": customer()},
            headers={"Authorization": f"Bearer {api.token}"},
            timeout=(3, 0.5),
        )
    # The client can't know; identify tells it the booking went through.
    found = api.content(api.org_path(f"appointment/{custom_id}/identify"))
    assert found["start"] == slot["timestamp"]
    assert found["canceled"] is False
    assert slot["id"] not in {s["id"] for s in api.free_slots(beard, day)}
    # A naive retry with the same customId is told it exists.
    assert_error(api.book(slot["id"], custom_id), 409)


def test_control_api_refuses_bad_requests(clean_sandbox: SandboxProcess) -> None:
    root = clean_sandbox.root
    for body in ({"bogus": 1}, {"status": 200}, {"latency_ms": -1}, [1], "x"):
        resp = requests.post(f"{root}/_sandbox/faults", json=body, timeout=TIMEOUT)
        assert resp.status_code == 400, body
    for value in ("yesterday", "2026-01-01T10:00:00", 5):
        resp = requests.put(f"{root}/_sandbox/clock", json={"now": value}, timeout=TIMEOUT)
        assert resp.status_code == 400, value
    resp = requests.put(f"{root}/_sandbox/latency", json={"latency_ms": "slow"}, timeout=TIMEOUT)
    assert resp.status_code == 400


def test_clock_moves_the_bookable_range(clean_sandbox: SandboxProcess) -> None:
    api = ModuleApi(clean_sandbox)
    haircut = api.template_id("haircut")
    monday = today() - timedelta(days=today().weekday()) + timedelta(weeks=8)
    assert api.free_slots(haircut, monday)
    clean_sandbox.set_clock(f"{monday + timedelta(days=7)}T00:00:00+00:00")
    assert api.free_slots(haircut, monday) == []  # now in the past
    clean_sandbox.set_clock(None)
    assert api.free_slots(haircut, monday)
