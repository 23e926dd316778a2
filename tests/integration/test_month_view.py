"""The date-first view against a real sandbox: the month grid marks exactly the days the
API lists free times for (in the customer's zone), opens on the earliest free day, shows
one day's times, and tells past, closed and free days apart, in every zone."""

from __future__ import annotations

import re
from datetime import date, datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.api import ModuleApi
from tests.support.clock import today
from tests.support.pages import chosen_start, links, shown_day, time_links
from tests.support.sandbox import SandboxProcess
from tests.support.widget import widget_for

pytestmark = pytest.mark.integration

BERLIN = ZoneInfo("Europe/Berlin")
# One grid cell: its state class, its day number, and (for free days) its link.
CELL = re.compile(
    r'<(a|span) class="d (free|full|none|past|later)[^"]*"(?: href="([^"]+)")?[^>]*>'
    r'<span aria-hidden="true">(\d+)</span><span class="visually-hidden">([^<]+)</span>'
)


@pytest.fixture(scope="module")
def app(sandbox: SandboxProcess) -> Flask:
    return widget_for(sandbox, BOOKING_RATE_LIMIT_ENABLED="0")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def api(sandbox: SandboxProcess) -> ModuleApi:
    return ModuleApi(sandbox)


def cells(html: str) -> dict[int, tuple[str, str | None, str]]:
    """The grid's days: day number → (state, link, spoken label)."""
    return {
        int(number): (state, unescape(href) if href else None, unescape(label))
        for _tag, state, href, number, label in CELL.findall(html)
    }


def month_title(html: str) -> str:
    found = re.search(r'<h2 id="month-title"[^>]*>([^<]+)</h2>', html)
    assert found, html[:800]
    return found[1]


def api_free_days(api: ModuleApi, template: str, year: int, month: int, zone: ZoneInfo) -> set[int]:
    """The days of `year`-`month` in `zone` on which the API lists a free slot (the
    business's month only: enough for zones close to the business's)."""
    listed = api.month(template, year, month)["list"]
    days = set()
    for slot in listed:
        local = datetime.fromisoformat(slot["timestamp"]).astimezone(zone)
        if (local.year, local.month) == (year, month) and slot.get("seatsLeft", 1) != 0:
            days.add(local.day)
    return days


def test_the_service_page_opens_on_the_earliest_free_day(
    client: FlaskClient, sandbox: SandboxProcess, api: ModuleApi
) -> None:
    haircut = api.template_id("haircut")
    earliest = api.content(api.slot_path(haircut, "earliest"))
    first = datetime.fromisoformat(earliest["timestamp"]).astimezone(BERLIN).date()
    page = client.get(f"/en/o/{sandbox.main_org}/s/{haircut}/?tz=Europe/Berlin")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert shown_day(html) == first.isoformat()
    assert re.search(r'class="d free[^"]*" href="[^"]+" aria-current="date"', html)
    times = time_links(page)
    assert times, "the earliest free day has times"
    assert {chosen_start(t).astimezone(BERLIN).date() for t in times} == {first}
    assert '<ul class="times column">' in html, "one day's times, in one column"


def test_the_grid_marks_exactly_the_days_the_api_lists(
    client: FlaskClient, sandbox: SandboxProcess, api: ModuleApi
) -> None:
    haircut = api.template_id("haircut")
    now = today()
    page = client.get(
        f"/en/o/{sandbox.main_org}/s/{haircut}/?month={now.year}-{now.month:02d}&tz=Europe/Berlin"
    )
    html = page.get_data(as_text=True)
    grid = cells(html)
    assert sorted(grid) == list(range(1, len(grid) + 1)), "every day of the month, once"
    free = {day for day, (state, _href, _label) in grid.items() if state == "free"}
    assert free == {d for d in api_free_days(api, haircut, now.year, now.month, BERLIN)}
    for day, (state, href, label) in grid.items():
        moment = date(now.year, now.month, day)
        if moment < now:
            assert state == "past", (day, state)
            assert "past" in label
        elif moment.weekday() == 6:
            assert state == "none", "Sundays are closed"
        if state == "free":
            assert href
            assert f"day={moment.isoformat()}" in href
            assert re.search(r"\d+ free times?$", label), label
        else:
            assert href is None, "only days with free times are links"


def test_a_day_link_shows_only_that_days_times(
    client: FlaskClient, sandbox: SandboxProcess, api: ModuleApi
) -> None:
    haircut = api.template_id("haircut")
    page = client.get(f"/en/o/{sandbox.main_org}/s/{haircut}/?tz=Europe/Berlin")
    free = [(d, href) for d, (s, href, _l) in cells(page.get_data(as_text=True)).items() if href]
    day, href = free[-1]  # another day than the one it opened on, where there is one
    assert href
    chosen = client.get(href)
    assert chosen.status_code == 200
    assert {chosen_start(t).astimezone(BERLIN).day for t in time_links(chosen)} == {day}


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/Los_Angeles", "Pacific/Kiritimati"])
def test_the_grid_is_in_the_customers_zone(
    client: FlaskClient, sandbox: SandboxProcess, api: ModuleApi, zone: str
) -> None:
    """Far from Berlin, a business's day is split over two of the customer's: every time
    shown under a day is on that day in the customer's zone."""
    haircut = api.template_id("haircut")
    page = client.get(f"/en/o/{sandbox.main_org}/s/{haircut}/?tz={zone}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for _day, (_state, href, _label) in list(cells(html).items())[:40]:
        if href is None:
            continue
        shown = client.get(href)
        day = date.fromisoformat(shown_day(shown))
        starts = [chosen_start(t) for t in time_links(shown)]
        assert starts, href
        assert {s.astimezone(ZoneInfo(zone)).date() for s in starts} == {day}, href


def test_months_go_forward_and_back_within_the_range(
    client: FlaskClient, sandbox: SandboxProcess, api: ModuleApi
) -> None:
    haircut = api.template_id("haircut")
    base = f"/en/o/{sandbox.main_org}/s/{haircut}/"
    now = today()
    first = client.get(f"{base}?month={now.year}-{now.month:02d}").get_data(as_text=True)
    assert 'rel="prev"' not in first, "no month before this one"
    nxt = unescape(re.search(r'<a rel="next" href="([^"]+)"', first)[1])  # type: ignore[index]
    second = client.get(nxt)
    assert second.status_code == 200
    assert month_title(second.get_data(as_text=True)) != month_title(first)
    assert 'rel="prev"' in second.get_data(as_text=True)
    last = client.get(f"{base}?month={now.year + 1}-12").get_data(as_text=True)
    assert 'rel="next"' not in last, "December next year is the last month"
    assert client.get(f"{base}?month={now.year + 2}-01").status_code == 404
    assert client.get(f"{base}?month={now.year}-00").status_code == 404
    assert client.get(f"{base}?day=not-a-day").status_code == 404


def test_the_grid_speaks_the_customers_language(
    client: FlaskClient, sandbox: SandboxProcess, api: ModuleApi
) -> None:
    haircut = api.template_id("haircut")
    year = today().year + 1  # March of next year: always in the bookable range
    monday = next(date(year, 3, d) for d in range(1, 8) if date(year, 3, d).weekday() == 0)
    html = client.get(f"/de/o/{sandbox.main_org}/s/{haircut}/?month={year}-03").text
    assert month_title(html) == f"März {year}"
    assert '<th scope="col" abbr="Montag">Mo.</th>' in html, "weeks start on Monday"
    assert "Die ganze Woche zeigen" in html
    labels = [label for _s, _h, label in cells(html).values()]
    expected = f"Montag, {monday.day}. März {year}: "
    assert any(label.startswith(expected) for label in labels), labels[:3]


def test_a_day_without_times_points_to_the_next_free_day(
    client: FlaskClient, sandbox: SandboxProcess, api: ModuleApi
) -> None:
    haircut = api.template_id("haircut")
    # A Sunday some weeks ahead: closed, and the Monday after it has times.
    sunday = date.fromordinal(today().toordinal() + 21 + (6 - today().weekday()))
    html = client.get(
        f"/en/o/{sandbox.main_org}/s/{haircut}/?day={sunday.isoformat()}&tz=Europe/Berlin"
    ).get_data(as_text=True)
    assert "No free times on this day." in html
    assert links(html, "day=")
    following = re.search(r'<a href="([^"]+)#times">Next free day: ([^<]+)</a>', html)
    if sunday.day == max(cells(html)):  # the month's last day: look in the next month
        assert "Look in the next month" in html
    else:
        assert following, html[-2000:]
        assert date.fromisoformat(following[1].split("day=")[1][:10]) > sunday


def test_a_staff_choice_marks_only_their_days(
    client: FlaskClient, sandbox: SandboxProcess, api: ModuleApi
) -> None:
    haircut = api.template_id("haircut")
    ben = api.resources()["ben"]["id"]
    now = today()
    base = f"/en/o/{sandbox.main_org}/s/{haircut}/?tz=Europe/Berlin"
    grid = cells(client.get(f"{base}&month={now.year}-{now.month:02d}&staff={ben}").text)
    listed = api.month(haircut, now.year, now.month)["list"]
    bens_days = {
        datetime.fromisoformat(s["timestamp"]).astimezone(BERLIN).day
        for s in listed
        if ben in s["bookingResourceCombination"]
    }
    free = {day for day, (state, _h, _l) in grid.items() if state == "free"}
    assert free == {d for d in bens_days if date(now.year, now.month, d) >= now}
    for _day, (_state, href, _label) in grid.items():
        if href:
            assert f"staff={ben}" in href, "the choice stays on every day link"
    anyones = {
        day
        for day, (s, _h, _l) in cells(
            client.get(f"{base}&month={now.year}-{now.month:02d}").text
        ).items()
        if s == "free"
    }
    without_ben = sorted(anyones - free)
    if without_ben:  # a day with times, none of them Ben's: it says so, and where his are
        day = date(now.year, now.month, without_ben[0])
        html = client.get(f"{base}&day={day.isoformat()}&staff={ben}").text
        assert "No free times on this day." in html
        assert "Next free day" in html or "Look in the next month" in html
