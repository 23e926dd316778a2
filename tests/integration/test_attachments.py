"""Attachments: a service that asks for a file gets it with the booking (`file/add`),
checked by size, name and content; a failed upload never loses the booking."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from tests.support.api import ModuleApi
from tests.support.pages import DETAILS, booked_appointment, form_token, time_links
from tests.support.sandbox import SandboxProcess
from tests.support.widget import widget_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200
PDF = b"%PDF-1.7\n" + b"x" * 200
ADDRESS = {"street": "Torstraße 1", "zip": "10119", "city": "Berlin", "country": "DE"}


@pytest.fixture(scope="module")
def app(sandbox: SandboxProcess) -> Flask:
    return widget_for(sandbox, BOOKING_RATE_LIMIT_ENABLED="0")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def open_form(client: FlaskClient, org: str, template_id: str, index: int = 0) -> tuple[str, str]:
    """The details form of the service's first free time: (POST URL, form token)."""
    jump = client.get(f"/en/o/{org}/s/{template_id}/earliest")
    assert jump.status_code == 303
    times = time_links(client.get(jump.headers["Location"]))
    form = client.get(times[index])
    html = form.get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file"' in html
    return times[index].split("?")[0], form_token(html)


def send(
    client: FlaskClient, url: str, token: str, file: tuple[bytes, str] | None, **extra: str
) -> TestResponse:
    data: dict[str, Any] = {**DETAILS, **extra, "token": token}
    if file is not None:
        data["attachment"] = FileStorage(io.BytesIO(file[0]), file[1])
    # Encoded in memory: the test client would spool a big body to a file it never closes.
    boundary, body = encode_multipart(data)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def files_of(api: ModuleApi, confirmation: TestResponse) -> list[dict[str, Any]]:
    appointment = booked_appointment(confirmation)
    shown = api.content(api.org_path(f"appointment/{appointment}/showProtected"))
    return list(shown["fileList"])


def test_optional_file_is_attached_to_the_appointment(
    client: FlaskClient, sandbox: SandboxProcess
) -> None:
    api = ModuleApi(sandbox)
    url, token = open_form(client, sandbox.main_org, api.template_id("colouring"))
    answer = send(client, url, token, (PNG, "../../Haar foto <b>.png"))
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
    page = client.get(answer.headers["Location"])
    assert "Attached" in page.get_data(as_text=True)
    (file,) = files_of(api, page)
    assert file["fileName"] == "Haar foto _b_.png"
    assert file["size"] == len(PNG)


def test_optional_file_may_be_left_out(client: FlaskClient, sandbox: SandboxProcess) -> None:
    api = ModuleApi(sandbox)
    url, token = open_form(client, sandbox.main_org, api.template_id("colouring"))
    answer = send(client, url, token, None)
    assert answer.status_code == 303
    assert files_of(api, client.get(answer.headers["Location"])) == []


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (None, "Choose a file to attach"),
        ((b"MZ\x90\x00" + b"\x00" * 100, "invoice.pdf"), "must be a PDF, JPEG or PNG"),
        ((JPEG, "photo.png"), "must be a PDF, JPEG or PNG"),
        ((b"GIF89a" + b"\x00" * 10, "photo.gif"), "must be a PDF, JPEG or PNG"),
        ((b"<svg onload=alert(1)>", "image.svg"), "must be a PDF, JPEG or PNG"),
        ((b"", "empty.pdf"), "The file is empty"),
        ((b"%PDF-" + b"x" * (4 * 1024 * 1024), "big.pdf"), "smaller than 4 MB"),
    ],
)
def test_required_file_refused_with_a_clear_error_and_nothing_booked(
    client: FlaskClient,
    sandbox: SandboxProcess,
    file: tuple[bytes, str] | None,
    message: str,
) -> None:
    api = ModuleApi(sandbox)
    template = api.template_id("wedding-styling")
    url, token = open_form(client, sandbox.main_org, template)
    sandbox.reset_counters()
    answer = send(client, url, token, file, **ADDRESS)
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert message in html
    assert 'href="#attachment"' in html, "the error summary links to the field"
    assert 'value="Zoë"' in html, "the other input is kept"
    assert not any("appointment/add" in r for r in sandbox.counters()["routes"])


def test_required_file_accepted_as_pdf(client: FlaskClient, sandbox: SandboxProcess) -> None:
    api = ModuleApi(sandbox)
    url, token = open_form(client, sandbox.main_org, api.template_id("wedding-styling"), 1)
    answer = send(client, url, token, (PDF, "Inspiration.PDF"), **ADDRESS)
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
    (file,) = files_of(api, client.get(answer.headers["Location"]))
    assert file["fileName"] == "Inspiration.PDF"


def test_huge_upload_is_413_with_a_page_not_a_crash(
    client: FlaskClient, sandbox: SandboxProcess
) -> None:
    api = ModuleApi(sandbox)
    url, token = open_form(client, sandbox.main_org, api.template_id("colouring"))
    answer = send(client, url, token, (b"%PDF-" + b"x" * (6 * 1024 * 1024), "huge.pdf"))
    assert answer.status_code == 413
    assert "This file is too large" in answer.get_data(as_text=True)


def test_a_service_without_attachments_takes_no_large_body(
    client: FlaskClient, sandbox: SandboxProcess
) -> None:
    api = ModuleApi(sandbox)
    template = api.template_id("haircut")
    jump = client.get(f"/en/o/{sandbox.main_org}/s/{template}/earliest")
    form_url = time_links(client.get(jump.headers["Location"]))[0]
    html = client.get(form_url).get_data(as_text=True)
    assert 'type="file"' not in html
    token = form_token(html)
    answer = send(client, form_url.split("?")[0], token, (PDF + b"x" * 200_000, "a.pdf"))
    assert answer.status_code == 413


def test_failed_upload_keeps_the_booking_and_says_so(
    app: Flask, clean_sandbox: SandboxProcess
) -> None:
    api = ModuleApi(clean_sandbox)
    client = widget_for(clean_sandbox, BOOKING_RATE_LIMIT_ENABLED="0").test_client()
    url, token = open_form(client, clean_sandbox.main_org, api.template_id("colouring"))
    clean_sandbox.add_fault(route="file/add", status=503, times=0)
    answer = send(client, url, token, (JPEG, "photo.jpg"))
    assert answer.status_code == 303, "the booking is made all the same"
    page = client.get(answer.headers["Location"])
    assert "could not be attached" in page.get_data(as_text=True)
    assert files_of(api, page) == []


def test_double_submit_with_a_file_makes_one_appointment_with_one_file(
    sandbox: SandboxProcess,
) -> None:
    api = ModuleApi(sandbox)
    app = widget_for(sandbox, BOOKING_RATE_LIMIT_ENABLED="0")  # no week cached by other tests
    url, token = open_form(app.test_client(), sandbox.main_org, api.template_id("colouring"))

    def submit(_: int) -> str:
        client = app.test_client()
        answer = send(client, url, token, (PNG, "twice.png"))
        assert answer.status_code == 303, answer.get_data(as_text=True)[-3000:]
        return str(answer.headers["Location"])

    with ThreadPoolExecutor(3) as pool:
        locations = list(pool.map(submit, range(3)))
    client = app.test_client()
    ids = set()
    for location in locations:
        ids.add(booked_appointment(client.get(location)))
    assert len(ids) == 1
    assert len(files_of(api, client.get(locations[0]))) == 1


def test_the_country_is_a_choice_in_the_customers_language(
    client: FlaskClient, sandbox: SandboxProcess
) -> None:
    template = ModuleApi(sandbox).template_id("wedding-styling")
    jump = client.get(f"/de/o/{sandbox.main_org}/s/{template}/earliest")
    times = time_links(client.get(jump.headers["Location"]))
    html = client.get(times[0]).get_data(as_text=True)
    assert '<select id="country" name="country" autocomplete="country" required' in html
    assert '<option value="DE" selected>Deutschland</option>' in html, "the business's country"
    assert '<option value="AT">Österreich</option>' in html
    assert "Zwei Buchstaben" not in html
