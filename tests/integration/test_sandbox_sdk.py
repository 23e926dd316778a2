"""The SDK's own requests (lib-phpsdk-module) against the sandbox: its sample booking
body field by field, `file/add` with a `customId`, and a token without organization
(refresh_token grant without `organization_id`, multipart like the SDK)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests

from tests.support.api import (
    TIMEOUT,
    ModuleApi,
    assert_error,
    new_custom_id,
    refresh_token,
)
from tests.support.clock import weekday_ahead
from tests.support.sandbox import SandboxProcess

pytestmark = pytest.mark.integration

ADDRESS: dict[str, Any] = {
    "name": "Home",
    "extra": "2nd floor",
    "street": "Torstraße 2",
    "zip": "10119",
    "city": "Berlin",
    "country": "DE",
    "geoCoordinates": {"latitude": 52.5297, "longitude": 13.4013},
}


def sdk_body(slot_id: str) -> dict[str, Any]:
    """The SDK test's `appointment/add` body (module-api.md, "Booking body")."""
    return {
        "bookingSlotId": slot_id,
        "customId": new_custom_id("sdk"),
        "notes": "Booked through the SDK.",
        "address": dict(ADDRESS),
        "additionalData": {"testKey": ["value1", "value2"]},
        "sendAppointmentAddEventEmail": False,
        "sendAppointmentStartEventEmail": False,
        "sendAppointmentEndEventEmail": True,
        "customer": {
            "customId": new_custom_id("cust"),
            "gender": "NOT_SPECIFIED",
            "title": "Dr.",
            "firstName": "Erika",
            "lastName": "Mustermann",
            "birthday": "",
            "email": "erika@example.com",
            "mobile": "",
            "notes": "Customer notes.",
            "locale": "de_DE",
            "address": dict(ADDRESS),
        },
    }


@pytest.fixture(scope="module")
def api(sandbox: SandboxProcess) -> ModuleApi:
    return ModuleApi(sandbox)


def free_slot(api: ModuleApi, template: str, weeks: int) -> str:
    slots = api.free_slots(api.template_id(template), weekday_ahead(weeks))
    assert slots, f"no free {template} slot {weeks} weeks ahead"
    return str(slots[0]["id"])


# The fields of the SDK body that the sandbox refused, each alone on a minimal body
# (the whole body, every field at once, is the next test).
SDK_FIELDS: list[tuple[str, Any]] = [
    ("sendAppointmentStartEventEmail", True),
    ("sendAppointmentEndEventEmail", False),
    ("customer.birthday", ""),
    ("customer.mobile", ""),
]


@pytest.mark.parametrize(("field", "value"), SDK_FIELDS, ids=[f for f, _ in SDK_FIELDS])
def test_each_field_of_the_sdk_body_is_accepted(api: ModuleApi, field: str, value: Any) -> None:
    body: dict[str, Any] = {
        "bookingSlotId": free_slot(api, "haircut", 30),
        "customId": new_custom_id("field"),
        "customer": {"firstName": "Erika", "lastName": "Mustermann", "email": "e@example.com"},
    }
    target = body["customer"] if field.startswith("customer.") else body
    target[field.removeprefix("customer.")] = value
    resp = api.post(api.org_path("appointment/add"), json=body)
    assert resp.status_code == 201, resp.text


def test_the_whole_sdk_body_is_accepted(api: ModuleApi) -> None:
    resp = api.post(api.org_path("appointment/add"), json=sdk_body(free_slot(api, "haircut", 31)))
    assert resp.status_code == 201, resp.text
    appt = resp.json()["content"]
    assert appt["id"].startswith("ed")
    shown = api.content(api.org_path(f"appointment/{appt['id']}/showProtected"))
    assert shown["id"] == appt["id"]


def test_an_empty_mobile_is_missing_where_the_template_requires_one(api: ModuleApi) -> None:
    body = sdk_body(free_slot(api, "consultation", 32))
    resp = api.post(api.org_path("appointment/add"), json=body)
    assert_error(resp, 400, "customer.mobile")
    body["customer"]["mobile"] = "+49 170 1234567"
    resp = api.post(api.org_path("appointment/add"), json=body)
    assert resp.status_code == 201, resp.text


def test_file_add_takes_a_custom_id(api: ModuleApi) -> None:
    booked = api.book(free_slot(api, "haircut", 33), new_custom_id("file"))
    assert booked.status_code == 201, booked.text
    appointment_id = booked.json()["content"]["id"]
    custom_id = new_custom_id("w1")
    upload = api.post(
        api.org_path("file/add"),
        json={
            "name": "Reference photo",
            "fileName": "photo.pdf",
            "fileContent": base64.b64encode(b"%PDF-1.4 tiny").decode(),
            "customId": custom_id,
            "appointmentId": appointment_id,
        },
    )
    assert upload.status_code == 201, upload.text
    assert upload.json()["content"]["customId"] == custom_id
    files = api.content(api.org_path(f"appointment/{appointment_id}/showProtected"))["fileList"]
    assert [f.get("customId") for f in files] == [custom_id]


def organizationless_token(sb: SandboxProcess) -> str:
    """The SDK's refresh_token grant for a path without `organization/{f6…}/`:
    multipart, and no `organization_id` at all."""
    form = {
        "grant_type": "refresh_token",
        "client_id": sb.client_id,
        "refresh_token": refresh_token(sb),
    }
    resp = requests.post(
        sb.oauth_url, files={k: (None, v) for k, v in form.items()}, timeout=TIMEOUT
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert isinstance(body["access_token"], str)
    assert body["access_token"]
    assert float(body["expires_in"]) > 0
    return str(body["access_token"])


def test_a_token_without_organization_serves_static_and_search_routes(
    sandbox: SandboxProcess,
) -> None:
    api = ModuleApi(sandbox, token=organizationless_token(sandbox))
    zones = api.content("static/timeZone/list")
    assert any(z["key"] == "Europe/Berlin" for z in zones["recordList"])
    found = api.content(f"module/{sandbox.module_id}/organization/filter?searchQuery=x")
    assert found["class"] == "LIST"


def test_a_token_without_organization_is_refused_on_organization_routes(
    sandbox: SandboxProcess,
) -> None:
    api = ModuleApi(sandbox, token=organizationless_token(sandbox))
    resp = api.get(api.org_path("show"))
    assert resp.status_code in (401, 403), resp.text
    assert_error(resp)
    branches = api.get(
        f"module/{sandbox.module_id}/organization/{sandbox.main_org}/organization/list"
    )
    assert branches.status_code in (401, 403), branches.text
