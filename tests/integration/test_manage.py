"""Manage a booking from its signed link: view, move, cancel, against a real sandbox.

Each step is checked against the sandbox's own state (its API, not the widget's
pages): the old time is free again after a move, the time is free after a cancel.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time
from html import unescape
from threading import Barrier
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from booking_app.web.slot_choice import decode_start
from booking_app.web.week import week_of
from tests.support.api import ModuleApi
from tests.support.clock import weekday_ahead
from tests.support.pages import (
    DETAILS,
    appointment_id,
    chosen_start,
    links,
    no_cookies,
    open_form,
    post_form,
    shown_day,
    time_links,
    whole_week_link,
)
from tests.support.sandbox import SandboxProcess
from tests.support.tamper import flip
from tests.support.widget import widget_for


@pytest.fixture(scope="module")
def app(sandbox: SandboxProcess) -> Flask:
    # Many changes from one address in a minute: the rate limits have their own tests.
    return widget_for(sandbox, BOOKING_RATE_LIMIT_ENABLED="0")


BERLIN = ZoneInfo("Europe/Berlin")  # the demo organization's zone


def own_widget(sandbox: SandboxProcess) -> FlaskClient:
    """A widget of its own (own caches and circuit breaker), for fault tests."""
    return widget_for(sandbox, BOOKING_RATE_LIMIT_ENABLED="0").test_client()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def api(sandbox: SandboxProcess) -> ModuleApi:
    return ModuleApi(sandbox)


def book(client: FlaskClient, org: str, service_index: int = 0, lang: str = "en") -> str:
    """Book the first free time of a service; the manage link of the confirmation."""
    url, token = open_form(client, org, lang, service_index)
    done = no_cookies(client.post(url, data={**DETAILS, "token": token}))
    assert done.status_code == 303, done.get_data(as_text=True)[:300]
    page = no_cookies(client.get(done.headers["Location"]))
    manage = links(page, "/m/")
    assert len(manage) == 1, "the confirmation carries one manage link"
    return manage[0]


def shown(api: ModuleApi, ident: str) -> dict[str, Any]:
    """The appointment as the sandbox has it."""
    return dict(api.content(api.org_path(f"appointment/{ident}/showProtected")))


def is_free(api: ModuleApi, template_id: str, appointment: dict[str, Any]) -> bool:
    """Whether the sandbox offers the appointment's time with its resources again."""
    start = datetime.fromisoformat(appointment["start"])
    resources = tuple(r["id"] for r in appointment["bookingResourceList"])
    return any(
        s["timestamp"] == appointment["start"]
        and tuple(s["bookingResourceCombination"]) == resources
        for s in api.free_slots(template_id, start.date())
    )


def other_times(client: FlaskClient, week_url: str, avoid: datetime, weeks: int = 6) -> list[str]:
    """The time links of the week at `week_url`, or of the weeks after it, that start at
    another time than `avoid` (the booked start: the same start with another stylist is
    no move at all)."""
    for _week in range(weeks):
        page = no_cookies(client.get(week_url))
        assert page.status_code == 200, page.get_data(as_text=True)[:300]
        if whole := whole_week_link(page):  # the date-first view: its day's week
            week_url = whole
            page = no_cookies(client.get(week_url))
        times = [t for t in time_links(page) if chosen_start(t) != avoid]
        if times:
            return times
        following = re.search(r'<a rel="next" href="([^"]+)"', page.get_data(as_text=True))
        assert following, "a later week exists"
        week_url = unescape(following[1])
    raise AssertionError(f"no other free time in {weeks} weeks")


def pick_new_time(client: FlaskClient, manage: str, avoid: datetime) -> TestResponse:
    """Manage page → "Change the time" → the first week with free times → the first time
    that starts at another time than `avoid`."""
    view = client.get(manage)
    week = no_cookies(client.get(links(view, "/move")[0]))
    assert week.status_code == 200
    jump = client.get(links(week, "/move/earliest")[0])
    assert jump.status_code == 303
    times = other_times(client, jump.headers["Location"], avoid)
    confirm = no_cookies(client.get(times[0]))
    assert confirm.status_code == 200, confirm.get_data(as_text=True)[:300]
    return confirm


@pytest.fixture
def booked(client: FlaskClient, sandbox: SandboxProcess, api: ModuleApi) -> dict[str, Any]:
    """A fresh booking of the haircut: its manage link, id and service."""
    manage = book(client, sandbox.main_org, 0)
    view = no_cookies(client.get(manage))
    assert view.status_code == 200
    ident = appointment_id(view)
    start = datetime.fromisoformat(shown(api, ident)["start"])
    return {"manage": manage, "id": ident, "template": api.template_id("haircut"), "start": start}


def test_book_move_cancel_with_the_sandbox_state_after_each_step(
    client: FlaskClient, api: ModuleApi, booked: dict[str, Any]
) -> None:
    ident, template = booked["id"], booked["template"]
    before = shown(api, ident)
    assert not is_free(api, template, before)

    view = client.get(booked["manage"])
    html = view.get_data(as_text=True)
    assert "Booked" in html
    assert "Change the time" in html
    assert "Cancel the appointment" in html
    assert view.headers["Cache-Control"] == "private, no-store"

    confirm = pick_new_time(client, booked["manage"], booked["start"])
    action, fields = post_form(confirm)
    moved = no_cookies(client.post(action, data=fields))
    assert moved.status_code == 303, moved.get_data(as_text=True)[:300]
    after_move = shown(api, ident)
    assert after_move["moved"] is True
    assert after_move["start"] != before["start"]
    assert is_free(api, template, before), "the old time is free again"
    assert not is_free(api, template, after_move)

    page = client.get(moved.headers["Location"])
    html = page.get_data(as_text=True)
    assert "Your appointment has been moved" in html
    assert 'data-event="booking-moved"' in html
    assert "Booked (moved)" in html
    new_manage = moved.headers["Location"].split("?")[0]
    old_link = client.get(booked["manage"]).get_data(as_text=True)
    assert "Booked (moved)" in old_link, "the first link keeps working after a move"

    cancel_page = client.get(links(page, "/cancel")[0])
    assert cancel_page.status_code == 200
    action, fields = post_form(cancel_page)
    cancelled = no_cookies(client.post(action, data=fields))
    assert cancelled.status_code == 303
    after_cancel = shown(api, ident)
    assert after_cancel["canceled"] is True
    assert is_free(api, template, after_move), "the cancelled time is free again"

    page = client.get(cancelled.headers["Location"])
    html = page.get_data(as_text=True)
    assert "Your appointment has been cancelled" in html
    assert 'data-event="booking-cancelled"' in html
    assert "Change the time" not in html
    ics = client.get(f"{new_manage}/appointment.ics")
    assert ics.mimetype == "text/calendar"
    assert b"METHOD:CANCEL" in ics.data
    assert b"STATUS:CANCELLED" in ics.data
    assert f"UID:{ident}@".encode() in ics.data

    again = client.get(f"{new_manage}/cancel")
    assert "This appointment is already cancelled." in again.get_data(as_text=True)
    second = client.post(action, data=fields)
    assert second.status_code == 303, "a second cancel is a friendly no-op"


def test_calendar_file_keeps_its_uid_and_raises_sequence_when_moved(
    client: FlaskClient, booked: dict[str, Any]
) -> None:
    first = client.get(f"{booked['manage'].split('?')[0]}/appointment.ics").data
    assert b"SEQUENCE:0" in first
    assert b"METHOD:PUBLISH" in first
    assert b"/m/" in first, "the description carries the manage link"
    action, fields = post_form(pick_new_time(client, booked["manage"], booked["start"]))
    moved = client.post(action, data=fields)
    later = client.get(f"{moved.headers['Location'].split('?')[0]}/appointment.ics").data
    uid = re.compile(rb"UID:(\S+)")
    sequence = re.compile(rb"SEQUENCE:(\d+)")
    assert uid.search(first)[1] == uid.search(later)[1]  # type: ignore[index]
    assert int(sequence.search(later)[1]) > 0  # type: ignore[index]
    assert b"STATUS:CONFIRMED" in later


def test_confirmation_ics_and_manage_ics_share_the_uid(
    client: FlaskClient, sandbox: SandboxProcess
) -> None:
    url, token = open_form(client, sandbox.main_org, "en", 0)
    done = client.post(url, data={**DETAILS, "token": token})
    page = client.get(done.headers["Location"])
    confirmation_ics = client.get(links(page, "appointment.ics")[0]).data
    manage_ics = client.get(f"{links(page, '/m/')[0]}/appointment.ics").data
    uid = re.compile(rb"UID:(\S+)")
    assert uid.search(confirmation_ics)[1] == uid.search(manage_ics)[1]  # type: ignore[index]


def test_move_to_a_time_taken_meanwhile_offers_the_day_again(
    client: FlaskClient, api: ModuleApi, booked: dict[str, Any]
) -> None:
    before = shown(api, booked["id"])
    # A time three weeks ahead, so that "the chosen week" and "this week" differ.
    later = week_of(datetime.combine(weekday_ahead(3), time(12), BERLIN), BERLIN)
    move_url = links(client.get(booked["manage"]), "/move")[0]
    times = other_times(client, f"{move_url}&week={later}", booked["start"])
    confirm = no_cookies(client.get(times[0]))
    assert confirm.status_code == 200
    action, fields = post_form(confirm)
    start = decode_start(fields["s"])
    assert start is not None
    taken = [  # others are faster: every free slot at that time goes
        slot["id"]
        for slot in api.free_slots(booked["template"], start.astimezone(BERLIN).date())
        if datetime.fromisoformat(slot["timestamp"]) == start
    ]
    assert taken
    assert all(api.book(slot_id).status_code == 201 for slot_id in taken)
    answer = client.post(action, data=fields)
    assert answer.status_code == 409
    html = answer.get_data(as_text=True)
    assert "that time has just been taken" in html
    assert shown_day(answer) == start.astimezone(BERLIN).date().isoformat(), "the chosen day"
    offered = [chosen_start(t) for t in time_links(answer, required=False)]
    assert start not in offered, "the taken time is gone"
    assert shown(api, booked["id"])["start"] == before["start"], "nothing moved"


def at_once(
    app: Flask,
    sandbox: SandboxProcess,
    action: str,
    fields: dict[str, str],
    times: int,
    route_end: str,
) -> tuple[list[int], int]:
    """POST the same form `times` times at the same moment from separate clients:
    (the statuses, how many upstream requests ended in `route_end`)."""
    sandbox.reset_counters()
    barrier = Barrier(times)

    def submit(_: int) -> int:
        client = app.test_client()
        barrier.wait()
        return client.post(action, data=fields).status_code

    with ThreadPoolExecutor(times) as pool:
        statuses = list(pool.map(submit, range(times)))
    routes = sandbox.counters()["routes"].items()
    return statuses, sum(n for route, n in routes if route.endswith(route_end))


def test_concurrent_double_cancel_cancels_once(
    app: Flask, sandbox: SandboxProcess, booked: dict[str, Any], api: ModuleApi
) -> None:
    action, fields = post_form(app.test_client().get(f"{booked['manage']}/cancel"))
    statuses, upstream = at_once(app, sandbox, action, fields, 2, "/cancel")
    assert statuses == [303, 303]
    assert shown(api, booked["id"])["canceled"] is True
    assert upstream == 1, "one cancellation reached the upstream"


def test_double_submitted_move_moves_once(
    app: Flask, sandbox: SandboxProcess, booked: dict[str, Any], api: ModuleApi
) -> None:
    action, fields = post_form(pick_new_time(app.test_client(), booked["manage"], booked["start"]))
    statuses, upstream = at_once(app, sandbox, action, fields, 3, "/move")
    assert statuses == [303, 303, 303]
    assert upstream == 1
    assert shown(api, booked["id"])["moved"] is True


def test_tampered_foreign_and_other_kinds_of_tokens_are_404(
    client: FlaskClient, sandbox: SandboxProcess, booked: dict[str, Any]
) -> None:
    manage = booked["manage"].split("?")[0]
    prefix, token = manage.rsplit("/m/", 1)
    other = book(client, sandbox.main_org, 1).split("?")[0]
    other_token = other.rsplit("/m/", 1)[1]
    branch = sandbox.branches[0]
    bad = [
        f"{prefix}/m/{flip(token, len(token) // 2)}",  # a byte of the payload flipped
        f"{prefix}/m/{flip(token, len(token) - 3)}",  # a byte of the signature flipped
        f"{prefix}/m/{token[:-1]}",
        f"{prefix}/m/{'x' * 5000}",
        manage.replace(sandbox.main_org, branch),  # the token of another organization
        f"{prefix}/m/{token}.{other_token}",
    ]
    for url in bad:
        for suffix in ("", "/cancel", "/move", "/appointment.ics"):
            answer = client.get(url + suffix)
            assert answer.status_code == 404, (url + suffix, answer.status_code)
            assert booked["id"] not in answer.get_data(as_text=True)
        answer = client.post(url + "/cancel")
        assert answer.status_code == 404
    assert client.get(f"{prefix}/m/").status_code == 404
    # A genuine token only ever reaches its own appointment.
    assert appointment_id(client.get(other)) != booked["id"]
    # A confirmation token is not a manage token.
    confirmation = re.sub(r"/m/.*", "", manage)
    assert client.get(f"{confirmation}/m/{token}").status_code == 200
    api = ModuleApi(sandbox)
    assert not shown(api, booked["id"])["canceled"]


def test_expired_link_is_404(app: Flask, client: FlaskClient, booked: dict[str, Any]) -> None:
    from booking_app.web.manage_links import ManageRef, manage_token

    prefix = booked["manage"].rsplit("/m/", 1)[0]
    ref = ManageRef(prefix.split("/o/")[1], booked["id"], "fc" + "0" * 30, "UTC")
    with app.test_request_context():
        token = manage_token(ref, datetime(2020, 1, 1, tzinfo=UTC))
    assert client.get(f"{prefix}/m/{token}").status_code == 404


def test_cross_site_post_is_refused(client: FlaskClient, booked: dict[str, Any]) -> None:
    action, fields = post_form(client.get(f"{booked['manage']}/cancel"))
    answer = client.post(action, data=fields, headers={"Sec-Fetch-Site": "cross-site"})
    assert answer.status_code == 403
    answer = client.post(action, data=fields, headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403
    # A null origin (sandboxed frames, some browsers) says nothing: refused on its own…
    answer = client.post(action, data=fields, headers={"Origin": "null"})
    assert answer.status_code == 403
    null_cross = {"Origin": "null", "Sec-Fetch-Site": "cross-site"}
    assert client.post(action, data=fields, headers=null_cross).status_code == 403
    # …and let through when the browser also says it is our own page's (no-referrer
    # pages such as this one send Origin: null for their own POSTs).
    null_same = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    assert client.post(action, data=fields, headers=null_same).status_code == 303


def test_no_change_after_the_upstream_says_it_started(
    client: FlaskClient, clean_sandbox: SandboxProcess, booked: dict[str, Any], api: ModuleApi
) -> None:
    start = datetime.fromisoformat(shown(api, booked["id"])["start"])
    action, fields = post_form(client.get(f"{booked['manage']}/cancel"))
    clean_sandbox.set_clock(start.isoformat())  # the business's clock says it has begun
    answer = client.post(action, data=fields)
    assert answer.status_code == 409
    assert "already started" in answer.get_data(as_text=True)
    clean_sandbox.set_clock(None)
    assert not shown(api, booked["id"])["canceled"]


def test_lost_cancel_answer_is_checked_before_saying_anything(
    client: FlaskClient, clean_sandbox: SandboxProcess, booked: dict[str, Any], api: ModuleApi
) -> None:
    action, fields = post_form(client.get(f"{booked['manage']}/cancel"))
    clean_sandbox.add_fault(route="/cancel", commit_then_hang_s=3)
    answer = own_widget(clean_sandbox).post(action, data=fields)
    assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
    assert shown(api, booked["id"])["canceled"] is True


def test_upstream_down_shows_the_503_page(
    client: FlaskClient, clean_sandbox: SandboxProcess, booked: dict[str, Any], api: ModuleApi
) -> None:
    action, fields = post_form(client.get(f"{booked['manage']}/cancel"))
    faulty = own_widget(clean_sandbox)  # its circuit breaker opens, not the module's
    clean_sandbox.add_fault(route="appointment", status=503, times=0)
    answer = faulty.post(action, data=fields)
    assert answer.status_code == 503
    assert answer.headers.get("Retry-After")
    assert faulty.get(booked["manage"]).status_code == 503
    clean_sandbox.clear_faults()
    assert not shown(api, booked["id"])["canceled"], "no cancel was made"


@pytest.mark.parametrize("lang", ["de", "fr", "es", "it", "nl"])
def test_manage_pages_are_translated(
    client: FlaskClient, booked: dict[str, Any], lang: str
) -> None:
    url = booked["manage"].replace("/en/", f"/{lang}/", 1)
    for page in (client.get(url), client.get(url.split("?")[0] + "/cancel")):
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert f'<html lang="{lang}">' in html
        assert "Cancel the appointment" not in html


def counted(sandbox: SandboxProcess, action: Callable[[], object]) -> dict[str, int]:
    """The upstream requests `action` made (route templates → count)."""
    sandbox.reset_counters()
    action()
    return {route: n for route, n in sandbox.counters()["routes"].items() if n}


def test_upstream_requests_of_a_move_and_a_cancel(
    client: FlaskClient, sandbox: SandboxProcess, booked: dict[str, Any]
) -> None:
    """The figures of the closing note: `pytest -s -k upstream_requests_of`."""
    manage = booked["manage"]
    client.get(manage)  # caches warm: organization, services
    view = client.get(manage)
    move_url = links(view, "/move")[0]
    earliest = client.get(links(client.get(move_url), "/move/earliest")[0])
    confirm_url = other_times(client, earliest.headers["Location"], booked["start"])[0]
    week_url = f"{move_url}&week={week_of(chosen_start(confirm_url), BERLIN)}"
    client.get(week_url)
    steps: dict[str, dict[str, int]] = {}
    steps["move: view"] = counted(sandbox, lambda: client.get(manage))
    steps["move: week"] = counted(sandbox, lambda: client.get(week_url))
    steps["move: confirm page"] = counted(sandbox, lambda: client.get(confirm_url))
    action, fields = post_form(client.get(confirm_url))
    moved: list[TestResponse] = []
    steps["move: POST"] = counted(sandbox, lambda: moved.append(client.post(action, data=fields)))
    result = moved[0].headers["Location"]
    steps["move: result"] = counted(sandbox, lambda: client.get(result))
    cancel_url = links(client.get(result), "/cancel")[0]
    steps["cancel: confirm page"] = counted(sandbox, lambda: client.get(cancel_url))
    action, fields = post_form(client.get(cancel_url))
    done: list[TestResponse] = []
    steps["cancel: POST"] = counted(sandbox, lambda: done.append(client.post(action, data=fields)))
    steps["cancel: result"] = counted(sandbox, lambda: client.get(done[0].headers["Location"]))
    for step, routes in steps.items():
        print(f"{step:22} {sum(routes.values())}  {routes}")
    show = "GET organization/<org_id>/appointment/<appointment_id>/show"
    assert steps["move: POST"] == {"PUT organization/<org_id>/appointment/<appointment_id>/move": 1}
    assert steps["cancel: POST"] == {
        "PUT organization/<org_id>/appointment/<appointment_id>/cancel": 1
    }
    assert steps["move: view"] == {show: 1}
    assert steps["move: confirm page"] == {show: 1}
    assert steps["cancel: confirm page"] == {show: 1}
    assert steps["move: week"] == {show: 1}  # the week itself was cached


def test_moving_back_to_an_earlier_time_is_a_change_of_its_own(
    client: FlaskClient, api: ModuleApi, booked: dict[str, Any]
) -> None:
    """A→B, B→C, C→B ends at B (a once-only record of the first move to B must not
    answer the third)."""
    view = client.get(booked["manage"])
    week = no_cookies(client.get(links(view, "/move")[0]))
    jump = client.get(links(week, "/move/earliest")[0])
    times = other_times(client, jump.headers["Location"], booked["start"])
    distinct = list(dict.fromkeys(times, None))
    starts = {chosen_start(t) for t in distinct}
    assert len(starts) >= 2, "two other times to move between"
    b = distinct[0]
    # Apart from B by more than the appointment lasts: the stylist is busy around B
    # once it is there (the week lists count the appointment's own time as taken).
    far = [t for t in distinct if abs(chosen_start(t) - chosen_start(b)).total_seconds() > 7200]
    assert far, "a second time well apart from the first"
    c = far[0]

    def move_to(time_url: str) -> None:
        action, fields = post_form(no_cookies(client.get(time_url)))
        answer = client.post(action, data=fields)
        assert answer.status_code == 303, answer.get_data(as_text=True)[:300]

    for target in (b, c, b):
        move_to(target)
        shown_start = datetime.fromisoformat(shown(api, booked["id"])["start"])
        assert shown_start == chosen_start(target)


def test_moving_keeps_the_booked_stylist_and_opens_on_the_booked_day(
    client: FlaskClient, api: ModuleApi, booked: dict[str, Any]
) -> None:
    before = shown(api, booked["id"])
    stylist = before["bookingResourceList"][0]["id"]
    view = client.get(booked["manage"])
    week = no_cookies(client.get(links(view, "/move")[0]))
    html = week.get_data(as_text=True)
    assert re.search(rf'<option value="{stylist}" selected', html), "the booked stylist"
    assert shown_day(week) == booked["start"].astimezone(BERLIN).date().isoformat()
    assert "Your current time:" in html, "a banner names the time being moved"
    times = other_times(client, links(view, "/move")[0], booked["start"])
    confirm = no_cookies(client.get(times[0]))
    name = before["bookingResourceList"][0]["name"] or before["bookingResourceList"][0]["firstName"]
    assert re.search(
        r"<dt>With</dt><dd>[^<]*" + re.escape(name.split()[0]), confirm.get_data(as_text=True)
    )
    action, fields = post_form(confirm)
    assert fields.get("staff") == stylist
    assert client.post(action, data=fields).status_code == 303
    after = shown(api, booked["id"])
    assert [r["id"] for r in after["bookingResourceList"]] == [stylist], "the same stylist"


def test_the_confirmation_link_never_shows_a_cancelled_booking_as_booked(
    client: FlaskClient, sandbox: SandboxProcess
) -> None:
    url, token = open_form(client, sandbox.main_org, "en", 0)
    done = client.post(url, data={**DETAILS, "token": token})
    confirmation = done.headers["Location"]
    page = client.get(confirmation)
    assert "Your appointment is booked" in page.get_data(as_text=True)
    cancel_page = client.get(links(page, "/m/")[0].split("?")[0] + "/cancel")
    action, fields = post_form(cancel_page)
    assert client.post(action, data=fields).status_code == 303
    again = client.get(confirmation)  # within its ten minutes of trust
    assert again.status_code == 303, "forwarded to the live manage page"
    live = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Your appointment is booked" not in live
    assert "cancelled" in live
