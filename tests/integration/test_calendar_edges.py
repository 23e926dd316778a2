"""The New Year hour: at 00:20 on Jan 1 in Berlin it is still Dec 31 in UTC.

A sandbox and a widget of their own run on one timeline that starts at
2026-12-31T23:20:00Z (whatever the suite's own clock says): the bookable years jump
to 2027 and 2028 at local midnight, and 2026 has an ISO week 53 (Dec 28 to Jan 3)
while 2027 has none. The widget and the sandbox must agree on every edge, and the
week navigation must never offer a week outside the range.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date

import pytest
from flask.testing import FlaskClient

from tests.support.api import ModuleApi
from tests.support.pages import chosen_start, shown_week, time_links
from tests.support.sandbox import SandboxProcess, running_sandbox
from tests.support.widget import widget_for

pytestmark = pytest.mark.integration

NEW_YEAR = "2026-12-31T23:20:00Z"  # 00:20 on Friday, Jan 1 2027 in Berlin
FIRST_DAY = date(2027, 1, 1)
LAST_DAY = date(2028, 12, 31)


@pytest.fixture(scope="module")
def timeline() -> dict[str, str]:
    """One clock for this module's sandbox and widget."""
    return {"BOOKING_NOW": NEW_YEAR, "BOOKING_NOW_SINCE": repr(time.time())}


@pytest.fixture(scope="module")
def new_year(
    tmp_path_factory: pytest.TempPathFactory, timeline: dict[str, str]
) -> Iterator[SandboxProcess]:
    with running_sandbox(tmp_path_factory.mktemp("new-year"), env=timeline) as proc:
        yield proc


@pytest.fixture(scope="module")
def api(new_year: SandboxProcess) -> ModuleApi:
    return ModuleApi(new_year)


@pytest.fixture(scope="module")
def widget(new_year: SandboxProcess, timeline: dict[str, str]) -> FlaskClient:
    return widget_for(new_year, **timeline).test_client()


def week_page(widget: FlaskClient, sandbox: SandboxProcess, api: ModuleApi, week: str) -> str:
    """The widget's haircut week view URL for `week` (`2026-W53`), or the current one."""
    url = f"/en/o/{sandbox.main_org}/s/{api.template_id('haircut')}/"
    return f"{url}?week={week}" if week else url


@pytest.mark.parametrize(
    ("week", "bookable"),
    [
        ("2026-W52", False),  # Dec 21-27: last year, past
        ("2026-W53", True),  # Dec 28 - Jan 3: holds Jan 1-3 of the current year
        ("2027-W01", True),
        ("2028-W52", True),  # Dec 25-31 2028: the last week of the range
        ("2029-W01", False),  # Jan 1-7 2029: the year after next
        ("2027-W53", False),  # 2027 has 52 ISO weeks
    ],
)
def test_widget_and_sandbox_agree_on_each_edge_week(
    widget: FlaskClient, new_year: SandboxProcess, api: ModuleApi, week: str, bookable: bool
) -> None:
    year, number = week.split("-W")
    upstream = api.get(
        api.slot_path(api.template_id("haircut"), f"year/{year}/week/{int(number)}/listWeek")
    )
    page = widget.get(week_page(widget, new_year, api, week))
    assert (upstream.status_code == 200) is bookable, (week, upstream.status_code, upstream.text)
    assert page.status_code == (200 if bookable else 404), (week, page.status_code)


@pytest.mark.parametrize(("year", "month", "status"), [(2026, 12, 400), (2027, 1, 200)])
def test_sandbox_years_follow_berlin_not_utc(
    api: ModuleApi, year: int, month: int, status: int
) -> None:
    """At 23:20 UTC on Dec 31 the business's year is already the next one."""
    path = api.slot_path(api.template_id("haircut"), f"year/{year}/month/{month}/listMonth")
    assert api.get(path).status_code == status


def test_the_current_week_is_week_53_and_the_past_is_not_offered(
    widget: FlaskClient, new_year: SandboxProcess, api: ModuleApi
) -> None:
    page = widget.get(week_page(widget, new_year, api, "2026-W53"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert shown_week(html) == "2026-W53"
    assert 'rel="prev"' not in html, "no way back into last year"
    assert 'rel="next"' in html
    assert all(chosen_start(t).date() >= FIRST_DAY for t in time_links(page))


def test_the_month_grid_opens_in_the_new_year_with_no_way_back(
    widget: FlaskClient, new_year: SandboxProcess, api: ModuleApi
) -> None:
    page = widget.get(week_page(widget, new_year, api, ""))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<h2 id="month-title" aria-live="polite">January 2027</h2>' in html
    assert 'rel="prev"' not in html, "December 2026 is over in Berlin"
    assert 'rel="next"' in html
    assert 'aria-current="date"' in html, "it opens on the first free day"
    assert time_links(page)
    assert all(chosen_start(t).date() >= FIRST_DAY for t in time_links(page))


@pytest.mark.parametrize(
    ("query", "status", "has_next"),
    [
        ("month=2026-12", 404, False),  # last year, in Berlin
        ("month=2027-01", 200, True),
        ("month=2028-12", 200, False),  # the last month of the range
        ("month=2029-01", 404, False),
        # Tokyo is 8 hours ahead: Dec 31 2028 in Berlin reaches Jan 1 2029 there, so that
        # month shows (with no times: Dec 31 2028 is a Sunday), and never asks for 2029.
        ("month=2029-01&tz=Asia/Tokyo", 200, False),
        ("month=2027-13", 404, False),
        ("month=27-01", 404, False),
        ("day=2027-02-30", 404, False),
        ("day=2029-01-01", 404, False),
    ],
)
def test_the_month_grid_keeps_to_the_bookable_range(
    widget: FlaskClient,
    new_year: SandboxProcess,
    api: ModuleApi,
    query: str,
    status: int,
    has_next: bool,
) -> None:
    page = widget.get(f"{week_page(widget, new_year, api, '')}?{query}")
    assert page.status_code == status, (query, page.status_code)
    if status == 200:
        assert ('rel="next"' in page.get_data(as_text=True)) is has_next


def test_the_last_week_offers_no_next_week(
    widget: FlaskClient, new_year: SandboxProcess, api: ModuleApi
) -> None:
    page = widget.get(week_page(widget, new_year, api, "2028-W52"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'rel="next"' not in html, "Dec 31 2028 is the last bookable day"
    assert 'rel="prev"' in html
    assert time_links(page), "the last week of the range has free times"
    assert all(chosen_start(t).date() <= LAST_DAY for t in time_links(page))


def test_earliest_lands_in_the_new_year(
    widget: FlaskClient, new_year: SandboxProcess, api: ModuleApi
) -> None:
    url = f"/en/o/{new_year.main_org}/s/{api.template_id('haircut')}/earliest"
    jump = widget.get(url)
    assert jump.status_code == 303
    day = re.search(r"day=(\d{4}-\d{2}-\d{2})", jump.headers["Location"])
    assert day
    assert FIRST_DAY <= date.fromisoformat(day[1]) <= date(2027, 1, 8), day[1]
    page = widget.get(jump.headers["Location"])
    times = time_links(page)
    assert times
    assert min(chosen_start(t) for t in times).date() >= FIRST_DAY
