"""What every step tells the customer (the booking-page issue): a step indicator, a
summary of the choice with a way back to each part, where the confirmation e-mail goes
(masked), and success pages that say so once."""

from __future__ import annotations

import re
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient

from booking_app import create_app
from booking_app.booking.confirmation import masked_email
from booking_app.booking.form import FormFlags, booking_body
from tests.support.api import ModuleApi
from tests.support.pages import DETAILS, form_token, links, post_form, time_links
from tests.support.sandbox import SandboxProcess
from tests.support.widget import widget_for

SUMMARY = re.compile(r'<dl class="facts summary".*?</dl>', re.S)


@pytest.fixture(scope="module")
def app(sandbox: SandboxProcess) -> Flask:
    return widget_for(sandbox, BOOKING_RATE_LIMIT_ENABLED="0")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def api(sandbox: SandboxProcess) -> ModuleApi:
    return ModuleApi(sandbox)


def details_form(client: FlaskClient, org: str, template: str, query: str = "") -> str:
    """The details form of the first free time of the earliest day (with `query`)."""
    jump = client.get(f"/en/o/{org}/s/{template}/earliest?{query}")
    assert jump.status_code == 303
    day = client.get(jump.headers["Location"])
    return client.get(time_links(day)[0]).get_data(as_text=True)


def book(client: FlaskClient, form: str) -> str:
    """Send the details `form` filled in; the confirmation's URL."""
    action = re.search(r'<form method="post" novalidate[^>]*action="([^"]+)"', form)
    assert action
    done = client.post(unescape(action[1]), data={**DETAILS, "token": form_token(form)})
    assert done.status_code == 303, done.get_data(as_text=True)[:300]
    return done.headers["Location"]


@pytest.mark.integration
def test_the_details_form_sums_up_the_choice_with_ways_back(
    client: FlaskClient, sandbox: SandboxProcess, api: ModuleApi
) -> None:
    html = details_form(client, sandbox.main_org, api.template_id("haircut"))
    assert '<ol class="steps"' in html
    assert re.search(r'<li aria-current="step">\s*Your details\s*</li>', html)
    summary = SUMMARY.search(html)
    assert summary, html[:1500]
    text = summary[0]
    assert "Haircut" in text
    assert "minutes" in text
    assert "<dt>With</dt>" in text
    assert "Anyone" in text, "no staff chosen: anyone"
    assert re.search(r"\d{1,2}:\d{2}\s?(AM|PM)?\s?[–-]\s?\d{1,2}:\d{2}", text), "start and end"
    changes = re.findall(r'<a class="change" href="([^"]+)">', text)
    assert len(changes) == 3, "a way back to the service, the staff and the time"
    assert any("day=" in unescape(href) for href in changes), "back to the chosen day"


@pytest.mark.integration
def test_a_chosen_stylist_is_named_on_the_details_form(
    client: FlaskClient, sandbox: SandboxProcess, api: ModuleApi
) -> None:
    ben = api.resources()["ben"]
    html = details_form(client, sandbox.main_org, api.template_id("haircut"), f"staff={ben['id']}")
    summary = SUMMARY.search(html)
    assert summary
    assert "Ben" in summary[0]
    assert "Anyone" not in summary[0]


@pytest.mark.integration
def test_the_confirmation_says_where_the_e_mail_goes_masked(
    client: FlaskClient, sandbox: SandboxProcess, api: ModuleApi
) -> None:
    page = client.get(
        book(client, details_form(client, sandbox.main_org, api.template_id("haircut")))
    )
    text = page.get_data(as_text=True)
    assert "A confirmation e-mail is on its way to z…@example.com." in text
    assert "zoe@example.com" not in text, "the whole address is never shown in a link's page"
    assert '<span class="tick" aria-hidden="true">✓</span>' in text


@pytest.mark.integration
def test_a_cancelled_page_says_cancelled_once(
    client: FlaskClient, sandbox: SandboxProcess, api: ModuleApi
) -> None:
    html = details_form(client, sandbox.main_org, api.template_id("haircut"))
    confirmation = client.get(book(client, html))
    manage = links(confirmation, "/m/")[0].split("?")[0]
    cancel_action, fields = post_form(client.get(f"{manage}/cancel"))
    cancelled = client.post(cancel_action, data=fields)
    assert cancelled.status_code == 303
    page = client.get(cancelled.headers["Location"]).get_data(as_text=True)
    assert "Your appointment has been cancelled." in page
    assert "This appointment is cancelled." not in page, "the banner says it already"
    assert client.get(manage).get_data(as_text=True).count("This appointment is cancelled.") == 1


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("zoe@example.com", "z…@example.com"),
        ("  a@b.de ", "a…@b.de"),
        ("Zoë.Ü@münchen.de", "Z…@münchen.de"),
        ("x@y@example.com", "x…@example.com"),
        ("", ""),
        ("no-at-sign", ""),
        ("@example.com", ""),
        ("zoe@", ""),
    ],
)
def test_masked_email(address: str, masked: str) -> None:
    assert masked_email(address) == masked


@pytest.mark.parametrize("email", ["zoe@example.com", ""])
def test_the_confirmation_e_mail_is_asked_for_when_there_is_an_address(email: str) -> None:
    app = create_app({"TESTING": True, "BOOKING_DEMO": "1"})
    values = {"first_name": "Zoë", "last_name": "Test", "email": email, "mobile": ""}
    with app.test_request_context("/en/"):
        body = booking_body(
            values,
            FormFlags(False, False, False, False),
            slot_id="4f" + "0" * 30,
            custom_id="k" * 32,
            locale="en",
        )
    assert body.get("sendAppointmentAddEventEmail") is (True if email else None)


WHEN = re.compile(r"<dt>(?:When|Wann)</dt>\s*<dd>(?:<s>)?([^<(]+?) \(")


@pytest.mark.integration
@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_time_reads_the_same_on_the_form_the_confirmation_and_the_manage_page(
    client: FlaskClient, sandbox: SandboxProcess, api: ModuleApi, lang: str
) -> None:
    jump = client.get(f"/{lang}/o/{sandbox.main_org}/s/{api.template_id('haircut')}/earliest")
    day = client.get(jump.headers["Location"])
    form = client.get(time_links(day)[-1]).get_data(as_text=True)
    confirmation = client.get(book(client, form)).get_data(as_text=True)
    manage = client.get(links(confirmation, "/m/")[0]).get_data(as_text=True)
    shown = [WHEN.search(page) for page in (form, confirmation, manage)]
    assert all(shown), [bool(s) for s in shown]
    texts = {s[1].strip() for s in shown if s}
    assert len(texts) == 1, texts
    (text,) = texts
    assert ":00:" not in text, "no seconds"
    if lang == "de":
        assert re.search(r"\w+, \d{1,2}\. \w+ \d{4}, \d{1,2}:\d{2}", text), text
