"""Edges of the booking flow: time zones, hostile upstream text, lost answers, cost."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient

from tests.support.api import ModuleApi, last_sunday
from tests.support.clock import today
from tests.support.pages import DETAILS, form_token, links, open_form, time_links
from tests.support.sandbox import SandboxProcess
from tests.support.widget import widget_for


def week_page(client: FlaskClient, org: str, tpl: str, day: date, **args: str) -> str:
    iso = day.isocalendar()
    query = "&".join(f"{k}={v}" for k, v in {"week": f"{iso.year}-W{iso.week:02d}", **args}.items())
    page = client.get(f"/en/o/{org}/s/{tpl}/?{query}")
    assert page.status_code == 200, page.status_code
    return page.get_data(as_text=True)


def first_time_of(html: str, day: date) -> str:
    section = html.split(f'id="day-{day.isoformat()}"', 1)[1].split("</section>", 1)[0]
    found = re.search(r'<button name="s"[^>]*>([^<]+)<', section)
    assert found, f"no time on {day}"
    return found[1]


def test_times_follow_the_customer_zone_and_dst(sandbox: SandboxProcess) -> None:
    client = widget_for(sandbox).test_client()
    api = ModuleApi(sandbox, sandbox.main_org)
    haircut = api.template_id("beard-trim")  # Ben: from 10:00 Berlin time, Tuesday to Saturday
    year = today().year + 1
    spring = last_sunday(year, 3)
    before, after = spring - timedelta(days=5), spring + timedelta(days=2)  # Tuesdays
    for tuesday in (before, after):
        html = week_page(client, sandbox.main_org, haircut, tuesday, tz="Europe/Berlin")
        assert first_time_of(html, tuesday) == "10:00\u202fAM"
    # New York: 6 h behind Berlin, except in the weeks the two changes differ.
    html = week_page(client, sandbox.main_org, haircut, after, tz="America/New_York")
    assert "Times are shown in" in html
    assert first_time_of(html, after) == "4:00\u202fAM"  # both on summer time
    # The browser's zone is used when no explicit choice is made; junk is ignored.
    html = week_page(client, sandbox.main_org, haircut, after, btz="America/New_York")
    assert first_time_of(html, after) == "4:00\u202fAM"
    html = week_page(client, sandbox.main_org, haircut, after, tz="../../etc/passwd")
    assert first_time_of(html, after) == "10:00\u202fAM"


def test_upstream_html_is_shown_as_text(start_sandbox: Callable[..., SandboxProcess]) -> None:
    sandbox = start_sandbox()
    sandbox.stop()
    with sqlite3.connect(sandbox.db) as db:  # an operator typed HTML into a service name
        row = db.execute("SELECT data FROM booking_template WHERE custom_id = 'haircut'").fetchone()
        data = json.loads(row[0])
        data["publicName"] = data["name"] = "<script>alert(1)</script>Cut"
        data["publicNameI18nList"] = data["nameI18nList"] = []
        db.execute(
            "UPDATE booking_template SET data = ? WHERE custom_id = 'haircut'", (json.dumps(data),)
        )
    sandbox.start()
    html = (
        widget_for(sandbox)
        .test_client()
        .get(f"/en/o/{sandbox.main_org}/?here=1")
        .get_data(as_text=True)
    )
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Cut" in html


def test_lost_answer_ends_in_one_confirmed_appointment(
    start_sandbox: Callable[..., SandboxProcess],
) -> None:
    sandbox = start_sandbox("--control")
    app = widget_for(sandbox, BOOKING_READ_TIMEOUT=1)
    client = app.test_client()
    url, token = open_form(client, sandbox.main_org, "en", 0)
    sandbox.add_fault(route="appointment/add", commit_then_hang_s=3)
    answer = client.post(url, data={**DETAILS, "token": token})
    assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
    assert "/confirmed/" in answer.headers["Location"]
    routes = sandbox.counters()["routes"]
    assert routes["POST organization/<org_id>/appointment/add"] == 1
    assert routes["GET organization/<org_id>/appointment/<custom_id>/identify"] == 1


def test_a_warm_booking_costs_two_upstream_requests(
    start_sandbox: Callable[..., SandboxProcess],
) -> None:
    sandbox = start_sandbox("--control")
    client = widget_for(sandbox).test_client()
    open_form(client, sandbox.main_org, "en", 0)  # warms organization, services, tokens
    api = ModuleApi(sandbox, sandbox.main_org)
    tpl = api.template_id("colouring")
    earliest = api.content(api.slot_path(tpl, "earliest"))
    day = date.fromisoformat(earliest["timestamp"][:10])
    sandbox.reset_counters()
    # The date-first view of the earliest day: its month's list serves the pick too.
    week = client.get(f"/en/o/{sandbox.main_org}/s/{tpl}/?day={day.isoformat()}")
    token = form_token(client.get(time_links(week)[0]))
    url = time_links(week)[0].split("?")[0]
    done = client.post(url, data={**DETAILS, "token": token})
    assert done.status_code == 303
    assert client.get(done.headers["Location"]).status_code == 200
    counters = sandbox.counters()
    print("upstream requests of one warm booking:", json.dumps(counters))
    assert counters["routes"] == {
        "GET organization/<org_id>/bookingTemplate/<template_id>/bookingSlot/year/<year>"
        "/month/<month>/listMonth": 1,
        "POST organization/<org_id>/appointment/add": 1,
    }


def test_no_slot_link_is_offered_for_a_past_week(sandbox: SandboxProcess) -> None:
    client = widget_for(sandbox).test_client()
    tpl = links(client.get(f"/en/o/{sandbox.main_org}/?here=1"), "/s/fc")[0].split("/s/")[1]
    now = today()
    this_week = now.isocalendar()
    week = f"{this_week.year}-W{this_week.week:02d}"
    html = client.get(f"/en/o/{sandbox.main_org}/s/{tpl}?week={week}").get_data(as_text=True)
    assert 'rel="prev"' not in html  # this week is the first one
    this_month = client.get(f"/en/o/{sandbox.main_org}/s/{tpl}?month={now:%Y-%m}")
    assert 'rel="prev"' not in this_month.get_data(as_text=True)  # and this month
    past = now - timedelta(days=7)
    iso = past.isocalendar()
    answer = client.get(f"/en/o/{sandbox.main_org}/s/{tpl}?week={iso.year}-W{iso.week:02d}")
    assert answer.status_code == 404


@pytest.mark.parametrize(
    "value",
    [
        "0",  # 1970: the upstream would refuse to list its week (it gave a 503 page)
        "1",
        "ffffffff",  # past the year 9999 (it gave a 500)
        "3fffffff",  # the year 4011: beyond Dec 31 of next year
    ],
)
def test_a_chosen_time_outside_the_bookable_weeks_is_404(
    sandbox: SandboxProcess, value: str
) -> None:
    client = widget_for(sandbox).test_client()
    tpl = links(client.get(f"/en/o/{sandbox.main_org}/?here=1"), "/s/fc")[0].split("/s/")[1]
    tpl = tpl.split("/")[0].split("?")[0]
    answer = client.get(f"/en/o/{sandbox.main_org}/s/{tpl}/book?s={value}")
    assert answer.status_code == 404, (value, answer.status_code)
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
