"""Courses (a fixed schedule, a number of seats) in the widget, against a real sandbox:
seats left shown per date, booked until full, the last seat raced for."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from html import unescape
from threading import Barrier
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from booking_app.web.slot_choice import encode_start
from tests.support.api import ModuleApi, iso_week
from tests.support.clock import today
from tests.support.pages import DETAILS, form_token, time_links
from tests.support.sandbox import SandboxProcess
from tests.support.widget import widget_for


@pytest.fixture(scope="module")
def app(sandbox: SandboxProcess) -> Flask:
    return widget_for(sandbox, BOOKING_RATE_LIMIT_ENABLED="0")


def untouched_date(api: ModuleApi, course: str, skip: int) -> dict[str, Any]:
    """A workshop date no test has booked yet (from `skip` weeks ahead)."""
    for weeks in range(skip, 60):
        day = today() + timedelta(weeks=weeks)
        for slot in api.free_slots(course, day):
            if slot["seatsLeft"] == slot["seatsTotal"]:
                return slot
    pytest.fail("no untouched workshop date")


def week_url(org: str, course: str, slot: dict[str, Any]) -> str:
    year, week = iso_week(date.fromisoformat(slot["timestamp"][:10]))
    return f"/en/o/{org}/s/{course}/?week={year}-W{week:02d}&tz=Europe/Berlin"


def offers(url: str, slot: dict[str, Any]) -> bool:
    """Whether a week view's time link chooses the slot's date."""
    return f"s={encode_start(datetime.fromisoformat(slot['timestamp']))}&" in url + "&"


def open_course_form(client: FlaskClient, week: str, slot: dict[str, Any]) -> tuple[str, str, str]:
    """(POST URL, token, form HTML) of the date's details form."""
    url = next(u for u in time_links(client.get(week)) if offers(u, slot))
    html = client.get(url).get_data(as_text=True)
    return url.split("?")[0], form_token(html), html


def book_from_week(client: FlaskClient, week: str, slot: dict[str, Any]) -> int:
    """Choose the date in the week view and book one seat; the booking's status."""
    url, token, _html = open_course_form(client, week, slot)
    return client.post(url, data={**DETAILS, "token": token}).status_code


def course_form(
    app: Flask, sandbox: SandboxProcess, weeks_ahead: int
) -> tuple[ModuleApi, str, dict[str, Any], FlaskClient, str, str, str]:
    """An untouched workshop date's form: (api, course, slot, client, URL, token, HTML)."""
    api = ModuleApi(sandbox)
    course = api.template_id("styling-workshop")
    slot = untouched_date(api, course, weeks_ahead)
    client = app.test_client()
    week = week_url(sandbox.main_org, course, slot)
    url, token, html = open_course_form(client, week, slot)
    return api, course, slot, client, url, token, html


def test_seats_count_down_until_fully_booked_and_the_last_seat_goes_once(
    app: Flask, sandbox: SandboxProcess
) -> None:
    api = ModuleApi(sandbox)
    course = api.template_id("styling-workshop")
    slot = untouched_date(api, course, 3)
    total = slot["seatsTotal"]
    week = week_url(sandbox.main_org, course, slot)
    client = app.test_client()
    html = client.get(week).get_data(as_text=True)
    assert f"{total} of {total} seats left" in html

    for booked in range(1, total):
        assert book_from_week(client, week, slot) == 303
        left = total - booked
        seats = "seat" if left == 1 else "seats"
        assert f"{left} of {total} {seats} left" in client.get(week).get_data(as_text=True)

    # One seat left; three customers want it at the same moment.
    html = client.get(week).get_data(as_text=True)
    assert f"1 of {total} seat left" in html
    barrier = Barrier(3)
    forms = []
    for _ in range(3):
        other = app.test_client()
        url = next(u for u in time_links(other.get(week)) if offers(u, slot))
        forms.append((url.split("?")[0], form_token(other.get(url))))

    def race(form: tuple[str, str]) -> tuple[int, str]:
        barrier.wait()
        answer = app.test_client().post(form[0], data={**DETAILS, "token": form[1]})
        return answer.status_code, answer.get_data(as_text=True)

    with ThreadPoolExecutor(3) as pool:
        answers = sorted(pool.map(race, forms))
    assert [status for status, _body in answers] == [303, 409, 409]
    # The losers are offered the next date, not a dead end.
    lost = answers[1][1]
    assert "There are no other free times that day." in lost
    following = re.search(r'<a class="button" href="([^"]+)">Next free day: ([^<]+)</a>', lost)
    assert following, lost[-1500:]
    next_date = re.search(r"day=(\d{4}-\d{2}-\d{2})", unescape(following[1]))
    assert next_date
    assert date.fromisoformat(next_date[1]) > date.fromisoformat(slot["timestamp"][:10])
    assert time_links(client.get(unescape(following[1]))), "that day has the course's times"

    (listed,) = [
        s
        for s in api.free_slots(course, date.fromisoformat(slot["timestamp"][:10]))
        if s["timestamp"] == slot["timestamp"]
    ]
    assert listed["seatsLeft"] == 0
    html = client.get(week).get_data(as_text=True)
    assert "fully booked" in html
    assert not [u for u in time_links(client.get(week)) if offers(u, slot)]
    day = date.fromisoformat(slot["timestamp"][:10])
    grid = client.get(
        f"/en/o/{sandbox.main_org}/s/{course}/?month={day.year}-{day.month:02d}&tz=Europe/Berlin"
    ).get_data(as_text=True)
    cell = re.search(rf'<span class="d full"><span aria-hidden="true">{day.day}</span>', grid)
    assert cell, "the grid marks the date fully booked, apart from days without dates"


def test_seats_are_translated(app: Flask, sandbox: SandboxProcess) -> None:
    api = ModuleApi(sandbox)
    course = api.template_id("styling-workshop")
    slot = untouched_date(api, course, 30)
    html = app.test_client().get(week_url(sandbox.main_org, course, slot).replace("/en/", "/de/"))
    text = html.get_data(as_text=True)
    assert "seats left" not in text
    assert re.search(r"\d+ von \d+ Plätzen frei", text)


def seats_left(api: ModuleApi, course: str, slot: dict[str, Any]) -> int:
    day = date.fromisoformat(slot["timestamp"][:10])
    (same,) = [s for s in api.free_slots(course, day) if s["timestamp"] == slot["timestamp"]]
    return int(same["seatsLeft"])


def test_several_seats_in_one_booking_and_cancelled_together(
    app: Flask, sandbox: SandboxProcess
) -> None:
    api, course, slot, client, url, token, html = course_form(app, sandbox, 8)
    assert '<select id="seats" name="seats">' in html
    assert re.search(r'<option value="3">3 – €[\d.]+ per seat · total €[\d.]+</option>', html)
    assert '<option value="4">' not in html, "the template allows three per booking"
    done = client.post(url, data={**DETAILS, "token": token, "seats": "3"})
    assert done.status_code == 303, done.get_data(as_text=True)[:300]
    assert seats_left(api, course, slot) == slot["seatsTotal"] - 3
    page = client.get(done.headers["Location"])
    assert re.search(r"<dt>Seats</dt><dd>3</dd>", page.get_data(as_text=True))
    assert "per seat · total" in page.get_data(as_text=True), "and on the confirmation"

    manage = re.search(r'href="([^"]+/m/[^"]+)"', page.get_data(as_text=True))
    assert manage
    view = client.get(unescape(manage[1]))
    html = view.get_data(as_text=True)
    assert re.search(r"<dt>Seats</dt><dd>3</dd>", html)
    assert re.search(r"per seat · total", html), "the total of three seats, on the manage page"
    assert "Change the time" not in html, "several seats move only by rebooking"
    assert "A booking of several seats cannot be moved." in html, "and it says why"
    cancel_page = client.get(unescape(manage[1]).split("?")[0] + "/cancel")
    action = re.search(r'<form method="post" action="([^"]+)"', cancel_page.get_data(as_text=True))
    assert action
    assert client.post(unescape(action[1])).status_code == 303
    assert seats_left(api, course, slot) == slot["seatsTotal"], "all three seats are free again"


def test_asking_more_seats_than_are_left_books_none(app: Flask, sandbox: SandboxProcess) -> None:
    api, course, slot, client, url, token, _html = course_form(app, sandbox, 12)
    for _ in range(slot["seatsTotal"] - 2):  # others take all but two meanwhile
        assert api.book(slot["id"]).status_code == 201
    answer = client.post(url, data={**DETAILS, "token": token, "seats": "3"})
    assert answer.status_code == 409
    html = answer.get_data(as_text=True)
    assert "Not enough seats are left" in html
    assert 'value="Zoë"' in html
    assert seats_left(api, course, slot) == 2, "the seats taken on the way were given back"


@pytest.mark.parametrize("seats", ["0", "4", "-1", "two", "99999999999"])
def test_impossible_seat_counts_are_refused(
    app: Flask, sandbox: SandboxProcess, seats: str
) -> None:
    api, course, slot, client, url, token, _html = course_form(app, sandbox, 16)
    answer = client.post(url, data={**DETAILS, "token": token, "seats": seats})
    assert answer.status_code == 400
    assert "Choose how many seats you want" in answer.get_data(as_text=True)
    assert seats_left(api, course, slot) == slot["seatsTotal"]
