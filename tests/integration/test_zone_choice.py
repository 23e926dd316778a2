"""The time zone choice (`/{lang}/zone`): search without JavaScript, links back to the
page it came from with `tz` replaced, and no way to send anyone off the site."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from booking_app.web.timezones import known_zones
from tests.support.api import ModuleApi
from tests.support.sandbox import SandboxProcess
from tests.support.widget import widget_for

ZONE_LINK = re.compile(
    r'<div class="service-name"><a href="([^"]+)"( aria-current="true")?>([^<]+)</a></div>'
)
MAX_PAGE = 30 * 1024
HOST = "https://host.example"


@pytest.fixture(scope="module")
def app(sandbox: SandboxProcess) -> Flask:
    return widget_for(sandbox)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def week_path(sandbox: SandboxProcess) -> str:
    """A real week view of the demo's haircut."""
    return f"/en/o/{sandbox.main_org}/s/{ModuleApi(sandbox).template_id('haircut')}/"


@pytest.fixture(scope="module")
def next_url(week_path: str) -> str:
    """The page to return to, as the week view would name itself: a week, a staff
    choice, the zone in use, the browser's zone and an embed parameter."""
    return f"{week_path}?week=2026-W30&staff=&tz=Europe/Berlin&btz=Asia/Tokyo&eo={HOST}"


def zone_page(client: FlaskClient, lang: str = "en", **query: str) -> TestResponse:
    return client.get(f"/{lang}/zone", query_string=query)


def zone_links(page: TestResponse) -> list[tuple[str, bool, str]]:
    """(href, marked current, city) of every zone listed on the page."""
    html = page.get_data(as_text=True)
    return [(unescape(h), bool(c), unescape(city)) for h, c, city in ZONE_LINK.findall(html)]


def link_to(page: TestResponse, city: str) -> str:
    found = [href for href, _current, name in zone_links(page) if name == city]
    assert len(found) == 1, (city, zone_links(page)[:5])
    return found[0]


def all_hrefs(page: TestResponse) -> list[str]:
    return [unescape(h) for h in re.findall(r'(?:href|action)="([^"]*)"', page.get_data(True))]


def assert_same_site(page: TestResponse) -> None:
    """Every link and form of `page` stays on this site."""
    for href in all_hrefs(page):
        parts = urlsplit(href)
        assert (parts.scheme, parts.netloc) == ("", ""), href
        assert href.startswith("/"), href
        assert not href.startswith(("//", "/\\")), href


def test_the_search_finds_new_york(client: FlaskClient, next_url: str) -> None:
    page = zone_page(client, next=next_url, q="new york")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "<h1>Choose a time zone</h1>" in html
    assert '<label for="q">Search for a city or time zone</label>' in html
    assert 'name="q" type="search" value="new york"' in html
    assert "1 time zone found" in html
    assert [city for _href, _current, city in zone_links(page)] == ["New York"]
    assert re.search(r"UTC\u221205:00|UTC\u221204:00", html)


@pytest.mark.parametrize("query", ["", "new", "berlin", "UTC+1", "Kolkata"])
def test_each_link_returns_to_next_with_its_tz_replaced(
    client: FlaskClient, next_url: str, week_path: str, query: str
) -> None:
    page = zone_page(client, next=next_url, q=query)
    listed = zone_links(page)
    assert listed, query
    for href, _current, _city in listed:
        parts = urlsplit(href)
        assert (parts.scheme, parts.netloc, parts.path) == ("", "", week_path)
        args = parse_qs(parts.query, keep_blank_values=True)
        assert len(args["tz"]) == 1
        assert args["tz"][0] in known_zones()
        assert "btz" not in args
        assert args["week"] == ["2026-W30"]
        assert args["staff"] == [""]
        assert args["eo"] == [HOST]
    assert len({href for href, _c, _n in listed}) == len(listed)


def test_the_link_carries_the_chosen_zone_to_the_week_view(
    client: FlaskClient, week_path: str
) -> None:
    page = zone_page(client, next=f"{week_path}?tz=Europe/Berlin", q="Kolkata")
    href = link_to(page, "Kolkata")
    assert dict(parse_qsl(urlsplit(href).query)) == {"tz": "Asia/Kolkata"}
    week = client.get(href)
    assert week.status_code == 200
    assert 'name="tz" value="Asia/Kolkata"' in week.get_data(as_text=True)


def test_a_zone_with_a_plus_in_its_name_is_encoded(client: FlaskClient, week_path: str) -> None:
    page = zone_page(client, next=week_path, current="Etc/GMT+5")
    current = [href for href, marked, _city in zone_links(page) if marked]
    assert len(current) == 1
    assert current[0].endswith("tz=Etc/GMT%2B5")
    assert parse_qs(urlsplit(current[0]).query)["tz"] == ["Etc/GMT+5"]


def test_the_back_link_and_the_form_keep_next(client: FlaskClient, next_url: str) -> None:
    html = zone_page(client, next=next_url).get_data(as_text=True)
    back = re.search(r'<p class="back"><a href="([^"]+)">Back to the booking page</a>', html)
    assert back
    assert unescape(back.group(1)) == next_url
    field = re.search(r'name="next" value="([^"]+)"', html)
    assert field
    assert unescape(field.group(1)) == next_url
    assert '<form class="filters" method="get" role="search" action="/en/zone">' in html


HOSTILE_NEXT = [
    "//evil.example/",
    "//evil.example/en/",
    "https://evil.example/",
    "https://evil.example/en/o/",
    "http:/en/o/",
    "/\\evil.example",
    "/\\/evil.example/",
    "\\\\evil.example",
    "/en/\\evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(document.domain)//",
    "data:text/html,<script>alert(1)</script>",
    "/en/o/x/\r\nLocation: https://evil.example/",
    "/en/o/x/\nSet-Cookie: a=b",
    "/en/\tx",
    "/en//evil.example/",
    "/en/o/x//evil.example",
    " /en/o/x/",
    "/en/o/x/ ",
    "/en/o/ü/",
    "/xx/o/x/",
    "/EN/o/x/",
    "/en",
    "/",
    "en/o/x/",
    "evil.example/en/",
    "/en/" + "a" * 2000,
    "",
]


@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
def test_a_hostile_next_is_a_404(client: FlaskClient, hostile: str) -> None:
    page = zone_page(client, next=hostile, q="berlin")
    assert page.status_code == 404
    assert "Content-Security-Policy" in page.headers
    assert_same_site(page)  # the 404 page's language links keep `next`, as text only


def test_no_next_is_a_404(client: FlaskClient) -> None:
    assert zone_page(client).status_code == 404
    assert zone_page(client, q="berlin").status_code == 404


@pytest.mark.parametrize(
    "odd",
    [
        "/en/o/x/?next=//evil.example/&url=https://evil.example/",
        "/en/o/x/?a=%2F%2Fevil.example",
        "/en/%2F%2Fevil.example/",
        "/en/o/x/#//evil.example",
        "/en/../../evil.example/",
        "/en/o/x/?tz=Mars/Base&tz=Europe/Paris&btz=x",
    ],
)
def test_an_odd_but_same_site_next_never_gives_an_off_site_link(
    client: FlaskClient, odd: str
) -> None:
    page = zone_page(client, next=odd, q="berlin")
    assert page.status_code == 200
    assert_same_site(page)
    href = link_to(page, "Berlin")
    assert urlsplit(href).path.startswith("/en/")
    assert parse_qs(urlsplit(href).query)["tz"] == ["Europe/Berlin"]
    assert "btz" not in parse_qs(urlsplit(href).query)


@pytest.mark.parametrize("lang", ["de", "fr", "nl"])
def test_the_links_return_in_the_pages_language(
    client: FlaskClient, next_url: str, week_path: str, lang: str
) -> None:
    page = zone_page(client, lang, next=next_url, q="berlin")
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.get_data(as_text=True)
    for href, _current, _city in zone_links(page):
        assert urlsplit(href).path == f"/{lang}/" + week_path.split("/", 2)[2]


def test_the_language_switch_keeps_the_choice(client: FlaskClient, next_url: str) -> None:
    page = zone_page(client, next=next_url, current="Europe/Berlin", org_tz="America/New_York")
    html = page.get_data(as_text=True)
    german = re.search(r'<a href="([^"]+)" hreflang="de"', html)
    assert german
    switched = client.get(unescape(german.group(1)))
    assert switched.status_code == 200
    assert '<html lang="de">' in switched.get_data(as_text=True)
    marked = [city for _href, current, city in zone_links(switched) if current]
    assert marked == ["Berlin"]
    assert "New York" in [city for _href, _current, city in zone_links(switched)]


def test_the_current_zone_is_first_and_marked(client: FlaskClient, next_url: str) -> None:
    page = zone_page(client, next=next_url, current="Asia/Tokyo")
    listed = zone_links(page)
    assert listed[0][1:] == (True, "Tokyo")
    assert [city for _href, current, city in listed if current] == ["Tokyo"]
    assert "In use now" in page.get_data(as_text=True)
    assert '<input type="hidden" name="current" value="Asia/Tokyo">' in page.get_data(True)


def test_an_old_name_or_a_city_marks_its_zone(client: FlaskClient, next_url: str) -> None:
    for asked, city in (
        ("Asia/Calcutta", "Kolkata"),
        ("US/Eastern", "New York"),
        ("Berlin", "Berlin"),
    ):
        page = zone_page(client, next=next_url, current=asked)
        assert 'role="alert"' not in page.get_data(as_text=True), asked
        assert [c for _href, marked, c in zone_links(page) if marked] == [city], asked


def test_the_current_zone_is_marked_in_the_results(client: FlaskClient, next_url: str) -> None:
    page = zone_page(client, next=next_url, current="Europe/Berlin", q="berlin")
    assert zone_links(page)[0][1:] == (True, "Berlin")
    page = zone_page(client, next=next_url, current="Europe/Berlin", q="paris")
    assert [current for _href, current, _city in zone_links(page)] == [False]


def test_the_business_zone_comes_next(client: FlaskClient, next_url: str) -> None:
    page = zone_page(client, next=next_url, current="Asia/Tokyo", org_tz="America/New_York")
    listed = zone_links(page)
    assert [city for _href, _current, city in listed[:2]] == ["Tokyo", "New York"]
    assert [city for _href, _current, city in listed].count("New York") == 1
    assert "<span>The business's time zone</span>" in page.get_data(as_text=True)
    assert '<input type="hidden" name="org_tz" value="America/New_York">' in page.get_data(True)


def test_an_unknown_business_zone_is_left_out(client: FlaskClient, next_url: str) -> None:
    page = zone_page(client, next=next_url, org_tz="Mars/Base")
    main = page.get_data(as_text=True).split("<main", 1)[1]  # the language links keep it
    assert page.status_code == 200
    assert "Mars/Base" not in main
    assert 'role="alert"' not in main
    assert "The business's time zone" not in main


def test_the_popular_list_before_anything_is_typed(client: FlaskClient, next_url: str) -> None:
    page = zone_page(client, next=next_url)
    html = page.get_data(as_text=True)
    cities = [city for _href, _current, city in zone_links(page)]
    assert 20 <= len(cities) <= 30
    assert {"New York", "London", "Berlin", "Tokyo", "Kolkata"} <= set(cities)
    assert "Popular time zones" in html
    assert "Type a city to find more." in html


@pytest.mark.parametrize("asked", ["Mars/Base", "New Yrok", "../../etc/passwd"])
def test_an_unknown_current_zone_is_a_visible_error(
    client: FlaskClient, next_url: str, asked: str
) -> None:
    page = zone_page(client, next=next_url, current=asked)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    notice = re.search(r'<div class="notice" role="alert">([^<]*)</div>', html)
    assert notice
    assert unescape(notice.group(1)) == f"We do not know the time zone “{asked}”."
    assert html.index('role="alert"') < html.index("<form")
    assert not [city for _href, current, city in zone_links(page) if current]
    assert 'name="current"' not in html
    assert zone_links(page)  # the choice is still there


def test_no_result_says_so(client: FlaskClient, next_url: str) -> None:
    page = zone_page(client, next=next_url, q="Atlantis")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "No time zone matches “Atlantis”. Try a city name, like Berlin." in html
    assert "0 time zones found" in html
    assert zone_links(page) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("q", "<script>alert(1)</script>"),
        ("q", '"><img src=x onerror=alert(1)>'),
        ("current", "<script>alert(1)</script>"),
        ("current", '"><img src=x onerror=alert(1)>'),
    ],
)
def test_html_in_the_query_is_escaped(
    client: FlaskClient, next_url: str, field: str, value: str
) -> None:
    page = zone_page(client, next=next_url, **{field: value})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;" in html


def test_html_in_next_is_escaped(client: FlaskClient, week_path: str) -> None:
    page = zone_page(client, next=f'{week_path}?a="><script>alert(1)</script>', q="berlin")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&#34;&gt;&lt;script&gt;" in html  # the back link and the form's field
    assert parse_qs(urlsplit(link_to(page, "Berlin")).query)["a"] == ['"><script>alert(1)</script>']


def test_a_long_query_is_cut_not_refused(client: FlaskClient, next_url: str) -> None:
    page = zone_page(client, next=next_url, q="berlin " + "x" * 500)
    assert page.status_code == 200
    assert 'value="berlin ' + "x" * 57 + '"' in page.get_data(as_text=True)


@pytest.mark.parametrize("query", ["", "new", "a", "e", "UTC"])
def test_the_page_stays_small(client: FlaskClient, next_url: str, query: str) -> None:
    page = zone_page(client, next=next_url, q=query, current="Europe/Berlin", org_tz="Asia/Tokyo")
    assert page.status_code == 200
    assert len(page.data) <= MAX_PAGE, (query, len(page.data))


def test_a_broad_search_shows_the_first_results_and_says_so(
    client: FlaskClient, next_url: str
) -> None:
    page = zone_page(client, next=next_url, q="a")
    html = page.get_data(as_text=True)
    shown = len(zone_links(page))
    assert 30 <= shown < 400
    found = re.search(r"(\d+) time zones found", html)
    assert found
    assert int(found.group(1)) > shown
    assert f"Showing the first {shown}. Type more to narrow the search." in html


def test_the_organizations_own_zone_page(
    client: FlaskClient, sandbox: SandboxProcess, next_url: str
) -> None:
    page = client.get(f"/en/o/{sandbox.main_org}/zone", query_string={"next": next_url, "q": "x"})
    assert page.status_code == 200
    action = f'action="/en/o/{sandbox.main_org}/zone"'
    assert action in page.get_data(as_text=True)
    assert client.get("/en/o/not-an-id/zone", query_string={"next": next_url}).status_code == 404


@pytest.mark.parametrize("path", ["/xx/zone", "/EN/zone", "/en/zone/", "/en/zones"])
def test_other_paths_are_404(client: FlaskClient, next_url: str, path: str) -> None:
    assert client.get(path, query_string={"next": next_url}).status_code == 404


def test_only_get(client: FlaskClient, next_url: str) -> None:
    assert client.post("/en/zone", query_string={"next": next_url}).status_code == 405


def test_the_page_has_the_security_headers(client: FlaskClient, next_url: str) -> None:
    page = zone_page(client, next=next_url)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in page.get_data(as_text=True)  # no inline script


@pytest.mark.parametrize(
    ("moment", "label"),
    [("2026-07-01T12:00:00Z", "UTC+02:00"), ("2026-01-15T12:00:00Z", "UTC+01:00")],
)
def test_offsets_are_those_of_the_apps_clock(
    sandbox: SandboxProcess, moment: str, label: str
) -> None:
    client = widget_for(sandbox, BOOKING_NOW=moment).test_client()
    page = client.get("/en/zone", query_string={"next": "/en/o/x/", "q": "berlin"})
    html = page.get_data(as_text=True)
    assert re.search(
        r">Berlin</a></div>\s*<p class=\"service-facts\"><span>" + re.escape(label), html
    )


def test_the_organizations_zone_page_has_its_theme_and_frame_ancestors(
    sandbox: SandboxProcess, tmp_path: Path, next_url: str
) -> None:
    """Embedded on the business's own site (its theme file's `frame_ancestors`), the
    zone page must be allowed in that frame too: `/{lang}/o/{org_id}/zone` is."""
    (tmp_path / f"{sandbox.main_org}.toml").write_text(
        'primary = "#0b5cad"\nframe_ancestors = ["https://shop.example.com"]\n'
    )
    client = widget_for(sandbox, BOOKING_THEME_DIR=str(tmp_path)).test_client()
    own = client.get(f"/en/o/{sandbox.main_org}/zone", query_string={"next": next_url})
    assert own.status_code == 200
    assert "https://shop.example.com" in own.headers["Content-Security-Policy"]
    assert re.search(r'<link rel="stylesheet" href="/theme/', own.get_data(as_text=True))
    plain = client.get("/en/zone", query_string={"next": next_url})
    assert plain.status_code == 200
    assert "shop.example.com" not in plain.headers["Content-Security-Policy"]
