"""The booking flow without JavaScript, against a real sandbox, in every UI language."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from html import unescape
from threading import Barrier
from urllib.parse import quote

import pytest
from flask import Flask

from booking_app.web.i18n import UI_LANGUAGES
from tests.support.api import ModuleApi
from tests.support.clock import weekday_ahead
from tests.support.pages import (
    DETAILS,
    POST_FORM,
    booked_appointment,
    chosen_start,
    form_token,
    links,
    no_cookies,
    open_form,
    time_links,
    whole_week_link,
)
from tests.support.sandbox import SandboxProcess
from tests.support.tamper import flip
from tests.support.widget import widget_for


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
    a = booked_appointment(client.get(first.headers["Location"]))
    b = booked_appointment(client.get(second.headers["Location"]))
    assert a == b


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
        return booked_appointment(client.get(answer.headers["Location"]))

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
    [lambda t: flip(t, len(t) - 2), lambda t: "", lambda t: "x" * 5000],
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
    # A day with several free times (the earliest one may hold the day's last).
    template = links(first.get(f"/en/o/{sandbox.main_org}/?here=1"), "/s/fc")[2].split("?")[0]
    iso = weekday_ahead(3).isocalendar()
    week = first.get(f"{template}?week={iso.year}-W{iso.week:02d}&tz=Europe/Berlin")
    by_day: dict[object, list[str]] = {}
    for link in time_links(week):
        by_day.setdefault(chosen_start(link).date(), []).append(link)
    chosen = next(times[0] for times in by_day.values() if len(times) >= 3)
    url = chosen.split("?")[0]
    token_a = form_token(first.get(chosen))
    token_b = form_token(second.get(chosen))
    assert first.post(url, data={**DETAILS, "token": token_a}).status_code == 303
    answer = second.post(url, data={**DETAILS, "token": token_b})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert "That time was just taken" in html
    assert '<p class="summary"><strong>' in html, "it names the service and the day"
    assert "Zoë" not in re.sub(r'<input type="hidden"[^>]*>', "", html)  # only in the form
    form = POST_FORM.search(html)
    assert form, "another free time that day is offered"
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form[2]))
    assert fields["first_name"] == "Zoë"
    again = second.post(unescape(form[1]), data={k: unescape(v) for k, v in fields.items()})
    page = again.get_data(as_text=True)
    assert again.status_code == 200
    assert 'value="Zoë"' in page
    assert 'value="O&#39;Brien &lt;b&gt;"' in page
    done = second.post(url, data={**DETAILS, "token": unescape(form_token(page))})
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
    day = client.get(client.get(haircut.rstrip("/") + "/earliest").headers["Location"])
    # The earliest day's whole week: a staff member may have no time on that one day.
    whole = whole_week_link(day)
    assert whole
    week = client.get(whole)
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


@pytest.mark.parametrize("lang", ["en", "de", "fr", "es", "it", "nl"])
def test_the_appointment_time_reads_the_same_on_every_page(
    app: Flask, sandbox: SandboxProcess, lang: str
) -> None:
    """One format per language: the details form, the confirmation and the manage page
    name the appointment alike, with its end and without seconds."""
    from zoneinfo import ZoneInfo

    from booking_app.web.dates import span_label

    client = app.test_client()
    url, token = open_form(client, sandbox.main_org, lang, 0)
    details = client.post(url, data={"token": token}).get_data(as_text=True)  # 400: the form again
    done = client.post(url, data={**DETAILS, "token": token})
    assert done.status_code == 303
    confirmation = client.get(done.headers["Location"]).get_data(as_text=True)
    manage = client.get(links(confirmation, "/m/")[0]).get_data(as_text=True)
    appointment = ModuleApi(sandbox).appointment(booked_appointment(confirmation), "show").json()
    start = datetime.fromisoformat(appointment["content"]["start"])
    end = datetime.fromisoformat(appointment["content"]["end"])
    expected = unescape(span_label(start, end, ZoneInfo("Europe/Berlin"), lang))
    for name, html in (("details", details), ("confirmation", confirmation), ("manage", manage)):
        assert expected in unescape(html), (name, expected)
        assert not re.search(r"\b\d{1,2}:\d\d:\d\d\b", html), f"{name}: no seconds"


def test_the_german_week_view_reads_correctly(app: Flask, sandbox: SandboxProcess) -> None:
    client = app.test_client()
    entry = client.get(f"/de/o/{sandbox.main_org}/?here=1")
    week = client.get(links(entry, "/s/fc")[0]).get_data(as_text=True)
    assert "Beliebig" in week, "not the colloquial 'Egal'"
    assert "Egal" not in week
    assert "Zeiten in Mitteleuropäische Zeit" not in week, "no case error"


def test_the_confirmation_offers_calendars_and_a_file_named_after_the_service(
    app: Flask, sandbox: SandboxProcess
) -> None:
    client = app.test_client()
    url, token = open_form(client, sandbox.main_org, "de", 0)
    done = client.post(url, data={**DETAILS, "token": token})
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    google = re.search(r'href="(https://calendar\.google\.com/[^"]+)"', page)
    outlook = re.search(r'href="(https://outlook\.live\.com/[^"]+)"', page)
    assert google
    assert outlook
    for link in (google[1], outlook[1]):
        assert "/m/" not in unescape(link), "the manage key never goes to another calendar"
    assert "dates=" in google[1]
    ics = client.get(links(page, "appointment.ics")[0])
    disposition = ics.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "appointment.ics" not in disposition.split(";")[1], disposition
    assert "filename*=UTF-8''" in disposition


@pytest.mark.parametrize(
    ("typed", "shown"),
    [("New York", "America/New_York"), ("berlin", "Europe/Berlin"), ("Asia/Tokyo", "Asia/Tokyo")],
)
def test_a_time_zone_may_be_typed_as_a_city(
    app: Flask, sandbox: SandboxProcess, typed: str, shown: str
) -> None:
    client = app.test_client()
    entry = client.get(f"/en/o/{sandbox.main_org}/?here=1")
    week = client.get(links(entry, "/s/fc")[0].split("?")[0] + f"?tz={quote(typed)}")
    html = week.get_data(as_text=True)
    assert f'name="tz" value="{shown}"' in html
    assert "We do not know the time zone" not in html


def test_an_unknown_time_zone_is_a_visible_error(app: Flask, sandbox: SandboxProcess) -> None:
    client = app.test_client()
    entry = client.get(f"/de/o/{sandbox.main_org}/?here=1")
    week = client.get(links(entry, "/s/fc")[0].split("?")[0] + "?tz=Mars/Base")
    html = week.get_data(as_text=True)
    assert week.status_code == 200
    assert "Die Zeitzone „Mars/Base“ kennen wir nicht." in html
