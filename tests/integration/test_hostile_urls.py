"""Hostile query parameters found by a red-team pass (issue 16): each once gave an
unhandled 500, and then the server's bare page without the security headers. Every one
is now a clear answer below 500 with the full header set, and anything that still
escapes the app gets the translated 500 page with those headers."""

from __future__ import annotations

import re
from datetime import date, datetime
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient

from booking_app.web.slot_choice import encode_start
from tests.support.api import ModuleApi, date_with_seats, iso_week
from tests.support.pages import DETAILS, form_token, open_form, time_links
from tests.support.sandbox import SandboxProcess
from tests.support.widget import widget_for

HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")


@pytest.fixture(scope="module")
def app(sandbox: SandboxProcess) -> Flask:
    return widget_for(sandbox, BOOKING_PREVIEW="1")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def assert_safe(response: object, what: str) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    headers = response.headers  # type: ignore[attr-defined]
    assert status < 500, (what, status)
    for name in HEADERS:
        assert name in headers, (what, name)
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.fixture(scope="module")
def paths(app: Flask, sandbox: SandboxProcess) -> dict[str, str]:
    """A real page of each kind: entry, week view, details form, manage page."""
    client = app.test_client()
    org = sandbox.main_org
    template = ModuleApi(sandbox).template_id("haircut")
    url, token = open_form(client, org, "en", 0)
    booked = client.post(url, data={**DETAILS, "token": token})
    assert booked.status_code == 303
    page = client.get(booked.headers["Location"]).get_data(as_text=True)
    manage = unescape(re.findall(r'href="([^"]*/m/[^"?]+)', page)[0])
    css = re.search(
        r'href="(/theme/[^"]+\.css)[^"]*"', client.get(f"/en/o/{org}/").get_data(as_text=True)
    )
    return {
        "entry": f"/en/o/{org}/",
        "week": f"/en/o/{org}/s/{template}/",
        "book": url,
        "manage": manage,
        "css": css[1] if css else f"/theme/{org}/x.css",
    }


QUERIES = [
    "th=radius:%C2%B2",
    "th=radius:%D9%A3",
    "_method=DELETE",
    "endpoint=x",
    "_scheme=x&_external=1",
    "_anchor=x",
    "lang=xx&org_id=y",
    "week=0000-W01",
    "week=%D9%A2%D9%A0%D9%A2%D9%A6-W01",
    "week=9999-W52",
    "s=ffffffff",
    "s=zzzz",
    "tz=%00",
    "staff=" + "x" * 5000,
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("page", ["entry", "week", "book", "manage", "css"])
def test_hostile_query_parameters_never_500(
    client: FlaskClient, paths: dict[str, str], page: str, query: str
) -> None:
    assert_safe(client.get(f"{paths[page]}?{query}"), f"{page}?{query}")


@pytest.mark.parametrize("query", ["week=0000-W01", "s=ffffffff", "_method=DELETE"])
@pytest.mark.parametrize("suffix", ["/move", "/move/earliest", "/move/confirm", "/cancel"])
def test_hostile_query_parameters_on_the_manage_pages(
    client: FlaskClient, paths: dict[str, str], suffix: str, query: str
) -> None:
    assert_safe(client.get(f"{paths['manage']}{suffix}?{query}"), f"{suffix}?{query}")


@pytest.mark.parametrize("radius", ["%C2%B2", "%D9%A3", "9999", "-1", "1e3"])
def test_the_preview_refuses_odd_radii(client: FlaskClient, radius: str) -> None:
    page = client.get(f"/en/embed/preview?radius={radius}")
    assert_safe(page, radius)
    assert "Enter a whole number from 0 to" in page.get_data(as_text=True)


def test_language_links_carry_only_known_parameters(
    client: FlaskClient, paths: dict[str, str]
) -> None:
    html = client.get(
        f"{paths['week']}?tz=Europe/Vienna&_external=1&_scheme=evil&endpoint=x"
    ).get_data(as_text=True)
    switch = [unescape(h) for h in re.findall(r'href="([^"]+)" hreflang="de"', html)]
    assert switch
    assert switch[0].startswith("/de/"), "never an absolute, foreign link"
    assert "tz=Europe" in switch[0]
    assert "_scheme" not in switch[0]
    assert "endpoint" not in switch[0]


@pytest.mark.parametrize("seats", ["²", "٣", "03", "3" * 20])
def test_odd_seat_counts_are_refused_not_500(
    app: Flask, sandbox: SandboxProcess, seats: str
) -> None:
    client = app.test_client()
    api = ModuleApi(sandbox)
    course = api.template_id("styling-workshop")
    slot = date_with_seats(api, course, 2)  # so that the form offers (and reads) seats
    year, week = iso_week(date.fromisoformat(slot["timestamp"][:10]))
    view = client.get(f"/en/o/{sandbox.main_org}/s/{course}/?week={year}-W{week:02d}")
    start = encode_start(datetime.fromisoformat(slot["timestamp"]))
    chosen = next(u for u in time_links(view) if f"s={start}&" in u + "&")
    form = client.get(chosen)
    assert 'name="seats"' in form.get_data(as_text=True)
    answer = client.post(
        chosen.split("?")[0], data={**DETAILS, "token": form_token(form), "seats": seats}
    )
    assert_safe(answer, seats)
    if seats != "03":  # "03" is a fine way to write 3
        assert answer.status_code == 400, "refused as a seat count, nothing booked"


@pytest.fixture
def broken_app(sandbox: SandboxProcess) -> Flask:
    app = widget_for(sandbox)

    @app.get("/_boom")
    def boom() -> str:
        raise RuntimeError("a bug")

    return app


def test_an_error_page_that_fails_is_still_a_translated_page_with_headers(
    broken_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    import booking_app.web.errors as errors

    def failing(*args: object, **kwargs: object) -> str:
        raise RuntimeError("the template broke too")

    monkeypatch.setattr(errors, "render_template", failing)
    page = broken_app.test_client().get("/_boom", headers={"Accept-Language": "de"})
    assert page.status_code == 500
    assert '<html lang="de">' in page.get_data(as_text=True)
    assert_headers(page.headers)


def test_whatever_escapes_the_app_gets_the_last_resort_page(broken_app: Flask) -> None:
    @broken_app.after_request
    def failing_hook(response: object) -> object:
        raise RuntimeError("a hook broke")

    client = broken_app.test_client()
    client.application.testing = False  # let the exception reach the middleware
    broken_app.config["PROPAGATE_EXCEPTIONS"] = True
    page = client.get("/healthz", headers={"Accept-Language": "fr"})
    assert page.status_code == 500
    assert page.headers["Cache-Control"] == "no-store"
    assert 'lang="fr"' in page.get_data(as_text=True)
    assert_headers(page.headers)


def assert_headers(headers: object) -> None:
    for name in HEADERS:
        assert name in headers, name  # type: ignore[operator]
