"""The product against every setting of every sandbox switch (docs/sandbox.md,
"Switches"): each plays an answer the real Module API may give where module-api.md
says its behaviour is unknown. A widget that is right only under the defaults is
wrong.

For each setting: a booking, 20 concurrent submits of one form (one appointment, all
20 on the confirmation), a two-seat course booking submitted 20 times at once
(exactly two seats), a lost answer, a write still in flight past the read timeout,
a taken slot, move, cancel, a resubmit after cancel, and the entry pages.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import date, datetime
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from booking_app.web.slot_choice import encode_start
from tests.support.api import ModuleApi, date_with_seats, iso_week
from tests.support.pages import (
    DETAILS,
    appointment_id,
    booked_appointment,
    links,
    open_form,
    post_form,
    service_names,
    time_links,
)
from tests.support.redis_server import RedisServer, running_redis
from tests.support.sandbox import SandboxProcess, running_sandbox
from tests.support.sandbox_behaviour import VARIANTS, behaving, ids
from tests.support.widget import SECRET, widget_for
from tests.support.widget_server import Customer, WidgetServer, running_widget

pytestmark = pytest.mark.integration

SETTINGS: list[dict[str, str | int]] = [{}, *VARIANTS]
READ_TIMEOUT = 2  # seconds: the widget's read timeout in these tests
CHECK_URL = re.compile(r'<meta http-equiv="refresh" content="\d+;url=([^"]+)">')
ADDRESSES = (f"198.51.100.{n}" for n in itertools.count(1))  # one rate-limit bucket each
BUTTON_URL = re.compile(r'<a class="button" href="([^"]+/book/confirming/[^"]+)">')


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fidelity")


@pytest.fixture(scope="module")
def sandbox(workdir: Path) -> Iterator[SandboxProcess]:
    """A private sandbox whose switches these tests turn."""
    with running_sandbox(workdir, "--control") as proc:
        yield proc


@pytest.fixture(scope="module")
def redis_server(workdir: Path) -> Iterator[RedisServer]:
    with running_redis(workdir) as server:
        yield server


@pytest.fixture(scope="module")
def shared(
    workdir: Path, sandbox: SandboxProcess, redis_server: RedisServer
) -> Iterator[WidgetServer]:
    """`booking-app serve` with two workers sharing Redis."""
    env = {
        "BOOKING_CACHE_URL": redis_server.url,
        "BOOKING_PROXY_FIX": "1",
        "BOOKING_WORKERS": "2",
        "BOOKING_RATE_LIMIT_WRITES": "5 per minute",
        "BOOKING_READ_TIMEOUT": str(READ_TIMEOUT),
    }
    with running_widget(workdir, sandbox, **env) as server:
        yield server


@pytest.fixture(scope="module")
def alone(workdir: Path, sandbox: SandboxProcess) -> Iterator[WidgetServer]:
    """`booking-app serve` with two workers and no Redis (each its own memory)."""
    env = {"BOOKING_WORKERS": "2", "BOOKING_PROXY_FIX": "1", "BOOKING_RATE_LIMIT_ENABLED": "0"}
    with running_widget(workdir, sandbox, **env) as server:
        yield server


@pytest.fixture(scope="module")
def app(sandbox: SandboxProcess) -> Flask:
    return widget_for(sandbox, BOOKING_READ_TIMEOUT=READ_TIMEOUT)


@pytest.fixture(params=SETTINGS, ids=ids)
def setting(request: pytest.FixtureRequest, sandbox: SandboxProcess) -> Iterator[dict[str, Any]]:
    """The sandbox plays this setting for the test (reset afterwards)."""
    switches: dict[str, str | int] = request.param
    with behaving(sandbox, **switches) as whole:
        sandbox.clear_faults()
        sandbox.reset_counters()
        yield whole
    sandbox.clear_faults()


# What the sandbox holds -----------------------------------------------------------------
def appointments(db: Path, custom_id: str) -> list[sqlite3.Row]:
    """The sandbox's appointments booked under `custom_id` (repeats included)."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(
            "SELECT * FROM appointment WHERE custom_id = ?"
            " OR json_extract(data, '$.repeatedCustomId') = ?",
            (custom_id, custom_id),
        ).fetchall()


def seat_appointments(db: Path, custom_id: str) -> list[sqlite3.Row]:
    """The appointments of a booking of several seats (keys `k`, `k-2`, …), live only."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(
            "SELECT * FROM appointment WHERE (custom_id LIKE ?"
            " OR json_extract(data, '$.repeatedCustomId') LIKE ?)",
            (f"{custom_id}%", f"{custom_id}%"),
        ).fetchall()
    return list(rows)


def adds(sandbox: SandboxProcess) -> int:
    """`appointment/add` requests since the counters were reset."""
    routes: dict[str, int] = sandbox.counters()["routes"]
    return sum(n for route, n in routes.items() if route.endswith("appointment/add"))


def custom_id_of(token: str) -> str:
    from booking_app.web.tokens import FORM_SALT, TokenSigner

    return str(TokenSigner(SECRET, FORM_SALT).load(token)["k"])


def server_custom_id(token: str) -> str:
    from booking_app.web.tokens import FORM_SALT, TokenSigner
    from tests.support.widget_server import SECRET as SERVER_SECRET

    return str(TokenSigner(SERVER_SECRET, FORM_SALT).load(token)["k"])


# A booking, one seat --------------------------------------------------------------------
def confirm(client: FlaskClient, answer: Any, *, wait: float = 15.0) -> str:
    """Follow a booking's answer to its confirmation page (through the confirming page
    while the outcome is being checked); the confirmation page's HTML."""
    deadline = time.monotonic() + wait
    while answer.status_code == 202:
        html = answer.get_data(as_text=True)
        assert "Please do not book this time again." in html
        found = CHECK_URL.search(html) or BUTTON_URL.search(html)
        assert found, html[:600]
        assert time.monotonic() < deadline, "the booking was never confirmed"
        time.sleep(0.5)
        answer = client.get(unescape(found[1]))
    assert answer.status_code == 303, (answer.status_code, answer.get_data(as_text=True)[:600])
    page = client.get(answer.headers["Location"])
    assert page.status_code == 200
    for private in (answer, page):  # the confirmation's URL is a key to the appointment
        assert private.headers["Cache-Control"] == "private, no-store"
        assert private.headers["Referrer-Policy"] == "no-referrer"
        assert private.headers["X-Robots-Tag"] == "noindex"
    return page.get_data(as_text=True)


def test_a_booking_reaches_its_confirmation(
    setting: dict[str, Any], app: Flask, sandbox: SandboxProcess
) -> None:
    client = app.test_client()
    url, token = open_form(client, sandbox.main_org, "en", 0)
    html = confirm(client, client.post(url, data={**DETAILS, "token": token}))
    assert "Your appointment is booked" in html
    rows = appointments(sandbox.db, custom_id_of(token))
    assert [r["id"] for r in rows] == [booked_appointment(html)]
    assert adds(sandbox) == 1


def test_a_lost_answer_reaches_the_confirmation_without_booking_again(
    setting: dict[str, Any], app: Flask, sandbox: SandboxProcess
) -> None:
    client = app.test_client()
    url, token = open_form(client, sandbox.main_org, "en", 0)
    sandbox.reset_counters()
    sandbox.add_fault(route="appointment/add", commit_then_hang_s=READ_TIMEOUT + 1.0)
    html = confirm(client, client.post(url, data={**DETAILS, "token": token}))
    assert booked_appointment(html) in {
        r["id"] for r in appointments(sandbox.db, custom_id_of(token))
    }
    assert adds(sandbox) == 1
    again = client.post(url, data={**DETAILS, "token": token})  # the back button
    assert again.status_code in {202, 303}
    assert adds(sandbox) == 1, "a resubmit shows the booking, it never books again"


def test_a_write_in_flight_past_the_read_timeout_is_confirmed_once(
    setting: dict[str, Any], app: Flask, sandbox: SandboxProcess
) -> None:
    client = app.test_client()
    url, token = open_form(client, sandbox.main_org, "en", 0)
    sandbox.reset_counters()
    sandbox.add_fault(route="appointment/add", latency_ms=(READ_TIMEOUT + 1) * 1000)
    answer = client.post(url, data={**DETAILS, "token": token})
    assert answer.status_code == 202, answer.get_data(as_text=True)[:600]
    html = answer.get_data(as_text=True)
    assert "We are confirming your booking" in html
    assert answer.headers["Cache-Control"] == "private, no-store"
    resubmit = client.post(url, data={**DETAILS, "token": token})
    assert resubmit.status_code == 202, "a resubmit waits for the same booking"
    html = confirm(client, answer, wait=20)
    assert "Your appointment is booked" in html
    assert adds(sandbox) == 1
    assert len(appointments(sandbox.db, custom_id_of(token))) == 1


def test_a_taken_slot_offers_other_times(
    setting: dict[str, Any], app: Flask, sandbox: SandboxProcess
) -> None:
    first, second = app.test_client(), app.test_client()
    url, token = open_form(first, sandbox.main_org, "en", 1)
    time_url = url  # the same time, opened twice
    _url2, token2 = open_form(second, sandbox.main_org, "en", 1)
    assert confirm(first, first.post(url, data={**DETAILS, "token": token}))
    if custom_id_of(token) == custom_id_of(token2):
        pytest.fail("two forms share a key")
    taken = second.post(time_url, data={**DETAILS, "token": token2})
    if taken.status_code == 303:  # the second form had another staff's time: fine
        return
    assert taken.status_code == 409, taken.get_data(as_text=True)[:600]
    assert "just been taken" in taken.get_data(as_text=True) or "taken" in taken.get_data(
        as_text=True
    )
    assert appointments(sandbox.db, custom_id_of(token2)) == []


# Move, cancel, and the form after its booking was cancelled ----------------------------
def test_move_cancel_and_a_resubmit_after_cancel(
    setting: dict[str, Any], app: Flask, sandbox: SandboxProcess
) -> None:
    client = app.test_client()
    url, token = open_form(client, sandbox.main_org, "en", 0)
    html = confirm(client, client.post(url, data={**DETAILS, "token": token}))
    manage = unescape(re.findall(r'href="([^"]*/m/[^"]+)"', html)[0])
    view = client.get(manage)
    assert view.status_code == 200
    week = client.get(links(view, "/move")[0])
    jump = client.get(links(week, "/move/earliest")[0])
    later = client.get(jump.headers["Location"])
    times = time_links(later, required=False)
    booked_id = booked_appointment(html)
    if len(times) > 1:
        confirm_move = client.get(times[-1])
        action, fields = post_form(confirm_move)
        moved = client.post(action, data=fields)
        assert moved.status_code == 303, moved.get_data(as_text=True)[:600]
        assert "moved" in client.get(moved.headers["Location"]).get_data(as_text=True)
        manage = moved.headers["Location"].split("?")[0]
    cancel_page = client.get(links(client.get(manage), "/cancel")[0])
    action, fields = post_form(cancel_page)
    cancelled = client.post(action, data=fields)
    assert cancelled.status_code == 303
    assert ModuleApi(sandbox).appointment(booked_id, "show").json()["content"]["canceled"]

    again = client.post(url, data={**DETAILS, "token": token})
    html = again.get_data(as_text=True)
    assert again.status_code == 409, html[:600]
    assert "This booking was cancelled" in html
    assert "Your appointment is booked" not in html
    live = [r for r in appointments(sandbox.db, custom_id_of(token)) if not r["canceled"]]
    assert live == [], "the cancelled form did not book again"


# Entry pages ----------------------------------------------------------------------------
def test_the_entry_pages_show_the_services(
    setting: dict[str, Any], sandbox: SandboxProcess
) -> None:
    client = widget_for(sandbox).test_client()  # its own caches: this setting's answers
    entry = client.get(f"/en/o/{sandbox.main_org}/")
    assert entry.status_code == 200, entry.get_data(as_text=True)[:600]
    html = entry.get_data(as_text=True)
    if setting["module_routes"] == "served":
        assert "/o/f6" in html, "the branches are offered"
    else:  # the branch list is refused: the organization's own services instead
        assert "Haircut" in service_names(html)
    here = client.get(f"/en/o/{sandbox.main_org}/?here=1")
    assert here.status_code == 200
    names = service_names(here.get_data(as_text=True))
    assert "Haircut" in names
    choices = re.findall(r'href="([^"]*[?&amp;]e=6T[^"]+)"', here.get_data(as_text=True))
    assert choices, "the configured custom entity type is offered"
    narrowed = client.get(unescape(choices[-1]))
    assert narrowed.status_code == 200
    assert len(service_names(narrowed.get_data(as_text=True))) < len(names)
    for branch in sandbox.branches:
        assert client.get(f"/de/o/{branch}/").status_code == 200


def test_without_a_module_id_no_module_route_is_called_and_the_services_show(
    sandbox: SandboxProcess,
) -> None:
    client = widget_for(sandbox, BOOKING_MODULE_ID="").test_client()
    sandbox.reset_counters()
    entry = client.get(f"/en/o/{sandbox.main_org}/")
    assert entry.status_code == 200
    assert "Haircut" in service_names(entry.get_data(as_text=True))
    routes = sandbox.counters()["routes"]
    assert not [r for r in routes if r.startswith("GET module/")], routes


# Concurrency: one form, twenty submits at once ------------------------------------------
def twenty_at_once(customer: Customer, path: str, token: str, **details: str) -> list[int]:
    """Submit one form 20 times at the same moment; the final statuses (each answer
    followed through the confirming page to its end)."""
    barrier = threading.Barrier(20)

    def send(_: int) -> int:
        barrier.wait()
        answer = customer.submit(path, token, **details)
        deadline = time.monotonic() + 20
        while answer.status_code == 202 and time.monotonic() < deadline:
            found = CHECK_URL.search(answer.text)
            assert found, answer.text[:400]
            time.sleep(0.5)
            answer = customer.http.get(
                customer.base_url + unescape(found[1]), allow_redirects=False, timeout=15
            )
        if answer.status_code == 303:
            page = customer.get(answer.headers["Location"])
            return 200 if "Your appointment is booked" in page.text else page.status_code
        return answer.status_code

    with ThreadPoolExecutor(20) as pool:
        return list(pool.map(send, range(20)))


def test_twenty_concurrent_submits_make_one_appointment_with_redis(
    setting: dict[str, Any], shared: WidgetServer, sandbox: SandboxProcess
) -> None:
    customer = Customer(shared.url, next(ADDRESSES))
    path, token = customer.open_form(sandbox.main_org, service=1)
    sandbox.reset_counters()
    statuses = twenty_at_once(customer, path, token)
    assert statuses == [200] * 20, statuses
    assert len(appointments(sandbox.db, server_custom_id(token))) == 1
    assert adds(sandbox) == 1


def test_twenty_concurrent_submits_without_redis_send_at_most_one_per_process(
    setting: dict[str, Any], alone: WidgetServer, sandbox: SandboxProcess
) -> None:
    customer = Customer(alone.url, next(ADDRESSES))
    path, token = customer.open_form(sandbox.main_org, service=1)
    sandbox.reset_counters()
    statuses = twenty_at_once(customer, path, token)
    assert statuses == [200] * 20, statuses
    assert adds(sandbox) <= 2, "two worker processes, one claim each"
    live = [r for r in appointments(sandbox.db, server_custom_id(token)) if not r["canceled"]]
    assert 1 <= len(live) <= 2
    if setting["repeated_custom_id"] == "refused":
        assert len(live) == 1


def open_seats_form(customer: Customer, sandbox: SandboxProcess) -> tuple[str, str]:
    """A workshop date with two seats or more left: its form (path, token), which
    offers a choice of seats."""
    api = ModuleApi(sandbox)
    course = api.template_id("styling-workshop")
    slot = date_with_seats(api, course, 2)
    year, week = iso_week(date.fromisoformat(slot["timestamp"][:10]))
    view = customer.get(f"/en/o/{sandbox.main_org}/s/{course}/?week={year}-W{week:02d}")
    start = encode_start(datetime.fromisoformat(slot["timestamp"]))
    chosen = next(u for u in time_links(view.text) if f"s={start}&" in u + "&")
    form = customer.get(chosen)
    assert 'name="seats"' in form.text, "the form offers a choice of seats"
    token = re.search(r'name="token" value="([^"]+)"', form.text)
    assert token
    return chosen.split("?")[0], token[1]


def test_twenty_concurrent_submits_of_two_course_seats_take_exactly_two(
    setting: dict[str, Any], shared: WidgetServer, sandbox: SandboxProcess
) -> None:
    customer = Customer(shared.url, next(ADDRESSES))
    path, token = open_seats_form(customer, sandbox)
    sandbox.reset_counters()
    statuses = twenty_at_once(customer, path, token, seats="2")
    key = server_custom_id(token)
    every = seat_appointments(sandbox.db, key)
    seats = [r for r in every if not r["canceled"]]
    if statuses == [409] * 20:  # fewer than two seats were left on that date
        assert seats == []
        return
    assert statuses == [200] * 20, statuses
    assert len(seats) == 2, ([dict(r) for r in every], sandbox.counters())
    assert adds(sandbox) == 2


# Seats: all or nothing, honestly ---------------------------------------------------------
def crowded_course_form(
    app: Flask, sandbox: SandboxProcess, left: int
) -> tuple[FlaskClient, str, str, dict[str, Any]]:
    """A workshop date's form offering 3 seats, then filled by others until `left`."""
    api = ModuleApi(sandbox)
    course = api.template_id("styling-workshop")
    slot = date_with_seats(api, course, 3)
    client = app.test_client()
    year, week = iso_week(date.fromisoformat(slot["timestamp"][:10]))
    view = client.get(f"/en/o/{sandbox.main_org}/s/{course}/?week={year}-W{week:02d}")
    start = encode_start(datetime.fromisoformat(slot["timestamp"]))
    chosen = next(u for u in time_links(view) if f"s={start}&" in u + "&")
    form = client.get(chosen).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', form)
    assert token
    for _ in range(slot["seatsLeft"] - left):
        assert api.book(slot["id"]).status_code == 201
    return client, chosen.split("?")[0], token[1], slot


def test_a_failed_rollback_is_retried_and_then_no_seat_is_held(
    app: Flask, sandbox: SandboxProcess
) -> None:
    client, url, token, _slot = crowded_course_form(app, sandbox, 2)
    sandbox.add_fault(route="cancel", status=503, times=1)  # the first cancel fails once
    answer = client.post(url, data={**DETAILS, "token": token, "seats": "3"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409, html[:600]
    assert "Not enough seats are left" in html
    key = custom_id_of(token)
    assert [r for r in seat_appointments(sandbox.db, key) if not r["canceled"]] == []
    sandbox.clear_faults()


def test_seats_a_rollback_cannot_cancel_are_shown_with_their_manage_links(
    app: Flask, sandbox: SandboxProcess
) -> None:
    client, url, token, _slot = crowded_course_form(app, sandbox, 2)
    sandbox.add_fault(route="cancel", status=503, times=0)  # every cancel fails
    try:
        answer = client.post(url, data={**DETAILS, "token": token, "seats": "3"})
    finally:
        sandbox.clear_faults()
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409, html[:600]
    assert "Not all seats could be booked" in html
    assert "Not enough seats are left" not in html, "seats are held: never 'none booked'"
    held = [r for r in seat_appointments(sandbox.db, custom_id_of(token)) if not r["canceled"]]
    assert len(held) == 2
    manage = [unescape(u) for u in re.findall(r'href="([^"]*/m/[^"]+)"', html)]
    assert len(manage) == 2
    # A fresh widget: this one's breaker opened on the failed cancels, as it should.
    viewer = widget_for(sandbox).test_client()
    assert {appointment_id(viewer.get(m)) for m in manage} == {r["id"] for r in held}
    again = client.post(url, data={**DETAILS, "token": token, "seats": "3"})
    assert again.status_code == 409
    assert "Not all seats could be booked" in again.get_data(as_text=True), "shown again"
