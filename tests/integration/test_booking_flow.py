"""The booking flow without JavaScript, against a real sandbox, in every UI language."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from html import unescape
from threading import Barrier
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from booking_app.web.i18n import UI_LANGUAGES
from booking_app.web.slot_choice import decode_start
from tests.integration.test_widget_entry import widget_for
from tests.support.api import ModuleApi
from tests.support.sandbox import SandboxProcess

HREF = re.compile(r'href="([^"]+)"')


def links(page: TestResponse, needle: str) -> list[str]:
    """Every link target on `page` containing `needle`."""
    return [unescape(h) for h in HREF.findall(page.get_data(as_text=True)) if needle in h]


def time_links(page: TestResponse) -> list[str]:
    """The week view's free times as the GET URLs their buttons submit."""
    html = page.get_data(as_text=True)
    form = re.search(r'<form class="days" method="get" action="([^"]+)">(.*?)</form>', html, re.S)
    assert form, "the week view has its times form"
    hidden = "".join(
        f"&{name}={quote(unescape(value))}"
        for name, value in re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form[2])
    )
    values = re.findall(r'<button name="s" value="([^"]+)"', form[2])
    return [f"{unescape(form[1])}?s={v}{hidden}" for v in values]


def chosen_start(url: str) -> datetime:
    """The start a week view's time link chooses."""
    start = decode_start(parse_qs(urlsplit(url).query)["s"][0])
    assert start is not None
    return start


def no_cookies(page: TestResponse) -> TestResponse:
    assert "Set-Cookie" not in page.headers, "the widget must never set a cookie"
    return page


def open_form(client: FlaskClient, org: str, lang: str, service_index: int) -> tuple[str, str]:
    """Entry → a service → its earliest week → the first free time; (form URL, token)."""
    entry = no_cookies(client.get(f"/{lang}/o/{org}/?here=1"))
    service = links(entry, "/s/fc")[service_index]
    week = no_cookies(client.get(service))
    assert week.status_code == 200
    earliest = links(week, "/earliest")[0]
    jump = no_cookies(client.get(earliest))
    assert jump.status_code == 303
    week = no_cookies(client.get(jump.headers["Location"]))
    times = time_links(week)
    assert times, "the earliest week shows free times"
    form = no_cookies(client.get(times[0]))
    assert form.status_code == 200
    token = re.search(r'name="token" value="([^"]+)"', form.get_data(as_text=True))
    assert token
    return times[0].split("?")[0], token[1]


DETAILS = {
    "first_name": "Zoë",
    "last_name": "O'Brien <b>",
    "email": "zoe@example.com",
    "mobile": "+49 170 1234567",
    "consent": "yes",
}


@pytest.fixture(scope="module")
def app(sandbox: SandboxProcess) -> Flask:
    return widget_for(sandbox)


@pytest.mark.parametrize("lang", UI_LANGUAGES)
def test_book_in_every_language(app: Flask, sandbox: SandboxProcess, lang: str) -> None:
    client = app.test_client()
    # Beard trim (index 2): one barber, so each language books a different slot of it.
    url, token = open_form(client, sandbox.main_org, lang, 2)
    done = no_cookies(client.post(url, data={**DETAILS, "token": token}))
    assert done.status_code == 303, done.get_data(as_text=True)[:500]
    page = no_cookies(client.get(done.headers["Location"]))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in html
    assert "Ben Okafor" in html
    ics = no_cookies(client.get(links(page, "appointment.ics")[0]))
    assert ics.mimetype == "text/calendar"
    assert b"BEGIN:VEVENT" in ics.data
    assert b"UID:ed" in ics.data


def test_double_submit_books_once_and_shows_the_same_appointment(
    app: Flask, sandbox: SandboxProcess
) -> None:
    client = app.test_client()
    url, token = open_form(client, sandbox.main_org, "en", 0)
    first = client.post(url, data={**DETAILS, "token": token})
    second = client.post(url, data={**DETAILS, "token": token})
    assert first.status_code == second.status_code == 303
    appointment = re.compile(r'data-appointment="([^"]+)"')
    a = appointment.search(client.get(first.headers["Location"]).get_data(as_text=True))
    b = appointment.search(client.get(second.headers["Location"]).get_data(as_text=True))
    assert a
    assert b
    assert a[1] == b[1]


def test_twenty_concurrent_submits_make_one_appointment(
    app: Flask, sandbox: SandboxProcess
) -> None:
    url, token = open_form(app.test_client(), sandbox.main_org, "de", 1)
    barrier = Barrier(20)

    def submit(_: int) -> str:
        client = app.test_client()
        barrier.wait()
        answer = client.post(url, data={**DETAILS, "token": token})
        assert answer.status_code == 303, answer.status_code
        page = client.get(answer.headers["Location"]).get_data(as_text=True)
        found = re.search(r'data-appointment="([^"]+)"', page)
        assert found
        return found[1]

    with ThreadPoolExecutor(20) as pool:
        ids = set(pool.map(submit, range(20)))
    assert len(ids) == 1


def test_errors_are_listed_and_input_is_kept(app: Flask, sandbox: SandboxProcess) -> None:
    client = app.test_client()
    url, token = open_form(client, sandbox.main_org, "de", 0)
    page = client.post(url, data={"token": token, "first_name": "  Jürgen ", "email": "nope"})
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "<title>Fehler:" in html
    for field in ("last_name", "email", "consent"):
        assert f'href="#{field}"' in html
    assert 'value="Jürgen"' in html
    assert 'value="nope"' in html


def test_cross_site_post_is_refused(app: Flask, sandbox: SandboxProcess) -> None:
    client = app.test_client()
    url, token = open_form(client, sandbox.main_org, "en", 0)
    answer = client.post(
        url, data={**DETAILS, "token": token}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert answer.status_code == 403
    answer = client.post(
        url, data={**DETAILS, "token": token}, headers={"Origin": "https://evil.example"}
    )
    assert answer.status_code == 403


@pytest.mark.parametrize(
    "mutate",
    [lambda t: t[:-2] + ("A" if t[-2] != "A" else "B") + t[-1], lambda t: "", lambda t: "x" * 5000],
)
def test_tampered_form_token_is_refused(
    app: Flask, sandbox: SandboxProcess, mutate: object
) -> None:
    client = app.test_client()
    url, token = open_form(client, sandbox.main_org, "en", 0)
    answer = client.post(url, data={**DETAILS, "token": mutate(token)})  # type: ignore[operator]
    assert answer.status_code == 410


def test_slot_taken_meanwhile_offers_other_times_and_keeps_the_details(
    app: Flask, sandbox: SandboxProcess
) -> None:
    first, second = app.test_client(), app.test_client()
    url, token_a = open_form(first, sandbox.main_org, "en", 2)
    _url, token_b = open_form(second, sandbox.main_org, "en", 2)
    assert first.post(url, data={**DETAILS, "token": token_a}).status_code == 303
    answer = second.post(url, data={**DETAILS, "token": token_b})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert "That time was just taken" in html
    assert "Zoë" not in re.sub(r'<input type="hidden"[^>]*>', "", html)  # only in the form
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', html, re.S)
    assert form, "another free time that day is offered"
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form[2]))
    assert fields["first_name"] == "Zoë"
    again = second.post(unescape(form[1]), data={k: unescape(v) for k, v in fields.items()})
    page = again.get_data(as_text=True)
    assert again.status_code == 200
    assert 'value="Zoë"' in page
    assert 'value="O&#39;Brien &lt;b&gt;"' in page
    new_token = re.search(r'name="token" value="([^"]+)"', page)
    assert new_token
    done = second.post(url, data={**DETAILS, "token": unescape(new_token[1])})
    assert done.status_code == 303


@pytest.mark.parametrize(
    "path",
    [
        "/en/o/{org}/s/fc" + "0" * 30 + "/",
        "/en/o/{org}/s/nonsense/",
        "/en/o/{org}/s/{tpl}/?week=2020-W01",
        "/en/o/{org}/s/{tpl}/?week=garbage",
        "/en/o/{org}/s/{tpl}/book?slot=4fx&at=2026",
        "/en/o/{org}/confirmed/forged",
    ],
)
def test_bad_links_are_404(app: Flask, sandbox: SandboxProcess, path: str) -> None:
    client = app.test_client()
    tpl = (
        links(client.get(f"/en/o/{sandbox.main_org}/?here=1"), "/s/fc")[0]
        .split("/s/")[1]
        .strip("/")
    )
    answer = client.get(path.format(org=sandbox.main_org, tpl=tpl))
    assert answer.status_code == 404
    assert "Page not found" in answer.get_data(as_text=True)


def test_staff_choice_filters_the_times(app: Flask, sandbox: SandboxProcess) -> None:
    client = app.test_client()
    entry = client.get(f"/en/o/{sandbox.main_org}/?here=1")
    haircut = links(entry, "/s/fc")[0]  # Anna, Ben or Chloé
    week = client.get(client.get(haircut.rstrip("/") + "/earliest").headers["Location"])
    html = week.get_data(as_text=True)
    options = dict(re.findall(r'<option value="(br[^"]*)"[^>]*>([^<]+)</option>', html))
    assert set(options.values()) == {"Anna Schmidt", "Ben Okafor", "Chloé Dubois"}
    assert '<option value="" selected>Anyone</option>' in html
    anyone = set(time_links(week))
    ben = next(k for k, v in options.items() if v == "Ben Okafor")
    location = week.request.url
    only_ben = client.get(f"{location}&staff={ben}")
    assert '<option value="' + ben + '" selected>' in only_ben.get_data(as_text=True)
    bens = time_links(only_ben)
    assert all(f"staff={ben}" in url for url in bens)
    assert len(bens) <= len(anyone)
    # Every time offered "with Ben" is a time Ben is free, and choosing one books Ben.
    tpl = haircut.split("/s/")[1].strip("/")
    starts = {chosen_start(u) for u in bens}
    week_slots = ModuleApi(sandbox, sandbox.main_org).week(tpl, min(starts).date())["list"]
    bens_times = {
        datetime.fromisoformat(s["timestamp"])
        for s in week_slots
        if s["bookingResourceCombination"] == [ben]
    }
    assert starts <= bens_times
    form = client.get(bens[0]).get_data(as_text=True)
    slot = re.search(r'data-slot="(4f[0-9A-Za-z]{30})"', form)
    assert slot
    combos = {s["id"]: s["bookingResourceCombination"] for s in week_slots}
    assert combos[slot[1]] == [ben]


def test_a_time_taken_before_the_form_opens_leads_back_to_the_week(
    app: Flask, sandbox: SandboxProcess
) -> None:
    client = app.test_client()
    api = ModuleApi(sandbox)
    beard = api.template_id("beard-trim")  # one barber: one slot per time
    jump = client.get(f"/en/o/{sandbox.main_org}/s/{beard}/earliest")
    week = client.get(jump.headers["Location"])
    url = time_links(week)[-1]
    start = chosen_start(url)
    (slot,) = [
        s
        for s in api.free_slots(beard, start.date())
        if datetime.fromisoformat(s["timestamp"]) == start
    ]
    assert api.book(slot["id"]).status_code == 201  # someone else, meanwhile
    client = widget_for(sandbox).test_client()  # whose week cache is not this one's
    answer = client.get(url)
    assert answer.status_code == 303
    assert "gone=1" in answer.headers["Location"]
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "that time has just been taken" in page


@pytest.mark.parametrize("value", ["", "zzzzzzzz", "4f" + "0" * 30 + ".1795703400", "-1", "ABC"])
def test_malformed_time_values_are_404(app: Flask, sandbox: SandboxProcess, value: str) -> None:
    api = ModuleApi(sandbox)
    beard = api.template_id("beard-trim")
    answer = app.test_client().get(f"/en/o/{sandbox.main_org}/s/{beard}/book?s={quote(value)}")
    assert answer.status_code == 404
