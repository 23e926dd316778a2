"""Hostile and sloppy input: always a 4xx envelope naming the problem, never a 500 or HTML."""

from __future__ import annotations

import calendar
import json
from datetime import date
from typing import Any
from urllib.parse import quote

import pytest
import requests

from tests.support.api import (
    TIMEOUT,
    ModuleApi,
    assert_envelope,
    assert_error,
    customer,
    new_custom_id,
)
from tests.support.clock import this_year, weekday_ahead
from tests.support.sandbox import SandboxProcess

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def api(sandbox: SandboxProcess) -> ModuleApi:
    return ModuleApi(sandbox)


@pytest.fixture(scope="module")
def slot_id(api: ModuleApi) -> str:
    """A genuine, free haircut slot (these tests never manage to book it)."""
    day = weekday_ahead(7)
    return str(api.free_slots(api.template_id("haircut"), day)[-1]["id"])


@pytest.fixture(scope="module")
def appointment_id(api: ModuleApi) -> str:
    """A booked beard trim, for the move route's body checks."""
    slot = api.free_slots(api.template_id("beard-trim"), weekday_ahead(7))[0]
    resp = api.book(slot["id"], new_custom_id("bad-input"))
    assert resp.status_code == 201, resp.text
    return str(resp.json()["content"]["id"])


def post_raw(api: ModuleApi, path: str, data: bytes | str, **headers: str) -> requests.Response:
    return api.post(path, data=data, headers=headers)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"{", id="truncated"),
        pytest.param(b'{"bookingSlotId": }', id="malformed"),
        pytest.param(b"{'bookingSlotId': 'x'}", id="single-quotes"),
        pytest.param(b"null", id="null"),
        pytest.param(b"[]", id="array"),
        pytest.param(b'[{"bookingSlotId": "x"}]', id="array-of-object"),
        pytest.param(b'"text"', id="string"),
        pytest.param(b"42", id="number"),
        pytest.param(b"true", id="bool"),
        pytest.param(b"\xff\xfe\x00garbage", id="not-utf8"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="deeply-nested-array"),
        pytest.param(b'{"a":' * 50_000 + b"1" + b"}" * 50_000, id="deeply-nested-object"),
    ],
)
def test_bodies_that_are_not_a_json_object(api: ModuleApi, appointment_id: str, raw: bytes) -> None:
    assert_error(api.post(api.org_path("appointment/add"), data=raw), 400)
    move = api.put(api.org_path(f"appointment/{appointment_id}/move"), data=raw)
    assert_error(move, 400)


def test_wrong_content_type_is_still_not_a_crash(api: ModuleApi, slot_id: str) -> None:
    body = f'{{"bookingSlotId": "{slot_id}"}}'
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/xml"):
        resp = post_raw(
            api, api.org_path("appointment/add"), body, **{"Content-Type": content_type}
        )
        assert_error(resp, 400)


@pytest.mark.parametrize(
    ("change", "parameter"),
    [
        ({"bookingSlotId": 5}, "bookingSlotId"),
        ({"bookingSlotId": None}, "bookingSlotId"),
        ({"bookingSlotId": ["4f"]}, "bookingSlotId"),
        ({"customer": "Erika"}, "customer"),
        ({"customer": None}, "customer"),
        ({"customer": []}, "customer"),
        ({"customer": customer(firstName=123)}, "customer.firstName"),
        ({"customer": customer(lastName=["x"])}, "customer.lastName"),
        ({"customer": customer(email="not-an-email")}, "customer.email"),
        ({"customer": customer(email=42)}, "customer.email"),
        ({"customer": customer(mobile="call me")}, "customer.mobile"),
        ({"customer": customer(gender="X")}, "customer.gender"),
        ({"customer": customer(birthday="yesterday")}, "customer.birthday"),
        ({"customer": customer(locale="english!")}, "customer.locale"),
        ({"customer": customer(firstName="x" * 101)}, "customer.firstName"),
        ({"customer": customer(address={"country": "Germany"})}, "customer.address.country"),
        ({"customer": customer(address={"zip": 10119})}, "customer.address.zip"),
        (
            {"customer": customer(address={"geoCoordinates": {"latitude": "north"}})},
            "customer.address.geoCoordinates.latitude",
        ),
        ({"notes": {"a": 1}}, "notes"),
        ({"notes": "x" * 2001}, "notes"),
        ({"customId": 7}, "customId"),
        ({"customId": "x" * 101}, "customId"),
        ({"sendAppointmentAddEventEmail": "maybe"}, "sendAppointmentAddEventEmail"),
        ({"additionalData": "text"}, "additionalData"),
        ({"additionalData": {"k": {"nested": 1}}}, "additionalData"),
        ({"additionalData": {"k": "x" * 1001}}, "additionalData"),
        ({"address": "Torstraße 1"}, "address"),
    ],
)
def test_wrong_types_and_values_name_the_parameter(
    api: ModuleApi, slot_id: str, change: dict[str, Any], parameter: str
) -> None:
    body: dict[str, Any] = {"bookingSlotId": slot_id, "customer": customer(), **change}
    resp = api.post(api.org_path("appointment/add"), json=body)
    assert_error(resp, 400)
    params = {m["parameter"] or "" for m in resp.json()["messageList"]}
    assert any(p == parameter or p.startswith(parameter + ".") for p in params), params


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"unexpected": 1}, "unexpected"),
        ({"customer": customer(nickname="E")}, "customer.nickname"),
        ({"customer": customer(address={"planet": "Earth"})}, "customer.address.planet"),
        ({"address": {"street": "x", "floor": 3}}, "address.floor"),
    ],
)
def test_unknown_fields_are_refused_by_name(
    api: ModuleApi, slot_id: str, body: dict[str, Any], parameter: str
) -> None:
    full = {"bookingSlotId": slot_id, "customer": customer(), **body}
    resp = api.post(api.org_path("appointment/add"), json=full)
    assert_error(resp, 400, parameter)


def test_move_refuses_unknown_fields_and_wrong_types(
    api: ModuleApi, slot_id: str, appointment_id: str
) -> None:
    for body, parameter in (
        ({"bookingSlotId": slot_id, "x": 1}, "x"),
        ({"bookingSlotId": 5}, "bookingSlotId"),
        ({}, "bookingSlotId"),
    ):
        resp = api.appointment(appointment_id, "move", json=body)
        assert_error(resp, 400, parameter)


@pytest.mark.parametrize(
    ("fragment", "parameter"),
    [
        ('"additionalData": {"k": NaN}', "additionalData"),
        ('"additionalData": {"k": [1, Infinity]}', "additionalData"),
        ('"additionalData": {"k": -Infinity}', "additionalData"),
        (
            '"address": {"geoCoordinates": {"latitude": NaN, "longitude": 1}}',
            "address.geoCoordinates.latitude",
        ),
    ],
)
def test_non_finite_numbers_are_refused(
    api: ModuleApi, slot_id: str, fragment: str, parameter: str
) -> None:
    """Python's parser accepts NaN; stored, it would make every later answer invalid JSON."""
    person = json.dumps(customer())
    raw = f'{{"bookingSlotId": "{slot_id}", "customer": {person}, {fragment}}}'
    resp = api.post(api.org_path("appointment/add"), data=raw)
    assert_error(resp, 400)
    params = {m["parameter"] or "" for m in resp.json()["messageList"]}
    assert any(p == parameter or p.startswith(parameter + ".") for p in params), params


def test_a_huge_body_is_413(api: ModuleApi, slot_id: str) -> None:
    notes = "x" * (8 * 1024 * 1024 + 10)
    body = {"bookingSlotId": slot_id, "customer": customer(), "notes": notes}
    resp = api.post(api.org_path("appointment/add"), json=body)
    assert_error(resp, 413)
    resp = requests.post(
        api.sb.oauth_url,
        data={"grant_type": "client_credentials", "client_id": "x" * (9 * 1024 * 1024)},
        timeout=TIMEOUT,
    )
    assert resp.status_code == 413
    assert_envelope(resp)


def _year_fields() -> dict[str, int]:
    """The years and days the bad paths name, from the business's current year now (not
    at collection: the ids stay the same whichever year the suite runs in)."""
    year = this_year()
    thirty = next(m for m in range(1, 13) if calendar.monthrange(year + 1, m)[1] == 30)
    short = next(y for y in (year, year + 1) if date(y, 12, 28).isocalendar().week == 52)
    return {
        "last_year": year - 1,
        "five_ago": year - 5,
        "next": year + 1,
        "in_two": year + 2,
        "in_nine": year + 9,
        "short": short,  # this or next year, whichever has only 52 ISO weeks
        "thirty": thirty,  # a month of next year with 30 days
        "feb_end": calendar.monthrange(year + 1, 2)[1] + 1,
    }


def _bad_dates() -> list[Any]:
    cases = [
        ("year/{in_two}/week/10/listWeek", "year"),
        ("year/{last_year}/week/10/listWeek", "year"),
        ("year/{five_ago}/month/3/listMonth", "year"),
        ("year/{in_nine}/month/3/day/3/listDay", "year"),
        ("year/0/week/1/listWeek", "year"),
        ("year/99999/week/1/listWeek", "year"),
        ("year/{next}/week/0/listWeek", "week"),
        ("year/{next}/week/54/listWeek", "week"),
        ("year/{short}/week/53/listWeek", "week"),
        ("year/{next}/month/0/listMonth", "month"),
        ("year/{next}/month/13/listMonth", "month"),
        ("year/{next}/month/13/day/1/listDay", "month"),
        ("year/{next}/month/{thirty}/day/31/listDay", "day"),
        ("year/{next}/month/2/day/{feb_end}/listDay", "day"),
        ("year/{next}/month/1/day/0/listDay", "day"),
        ("year/{next}/month/1/day/32/listDay", "day"),
    ]
    for junk in ("abc", "-1", "1.5", "1e3", "0x10", "%C2%B2", "%EF%BC%92", "%20", "12345678"):
        cases.append((f"year/{junk}/week/2/listWeek", "year"))
        cases.append((f"year/{{next}}/week/{junk}/listWeek", "week"))
        cases.append((f"year/{{next}}/month/{junk}/listMonth", "month"))
        cases.append((f"year/{{next}}/month/3/day/{junk}/listDay", "day"))
    return [pytest.param(path, param, id=path) for path, param in cases]


@pytest.mark.parametrize(("template", "parameter"), _bad_dates())
def test_dates_out_of_range_are_400(api: ModuleApi, template: str, parameter: str) -> None:
    tpl = api.template_id("haircut")
    path = template.format(**_year_fields())
    resp = api.get(api.slot_path(tpl, path))
    assert_error(resp, 400, parameter)
    de = api.with_lang("de").get(api.slot_path(tpl, path))
    assert_error(de, 400, parameter)
    assert de.json()["messageList"][0]["text"] != resp.json()["messageList"][0]["text"]


def test_identify_with_odd_custom_ids(api: ModuleApi) -> None:
    for custom_id in ("%20", "a%2Fb", "..", "%3Cscript%3E", "ü" * 50, "x" * 101):
        resp = api.get(api.org_path(f"appointment/{custom_id}/identify"))
        assert resp.status_code in (400, 404), (custom_id, resp.status_code)
        assert_envelope(resp)


def test_odd_query_strings_do_not_crash(api: ModuleApi, sandbox: SandboxProcess) -> None:
    base = f"module/{sandbox.module_id}/organization/filter"
    for query in ("searchQuery=%00", "searchQuery=" + "a" * 300, "searchQuery=%E2%82", "x=1"):
        resp = api.get(f"{base}?{query}")
        assert resp.status_code in (200, 400), (query, resp.status_code)
        assert_envelope(resp)


def test_unicode_and_html_round_trip_unchanged(api: ModuleApi) -> None:
    beard = api.template_id("beard-trim")
    slot = api.free_slots(beard, weekday_ahead(4))[0]
    custom_id = new_custom_id("ünï-😀")
    person = customer(
        firstName='<script>alert("x")</script>',
        lastName="Ñandú-山田 😀 &amp; O'Brien",
        title="<b>Dr.</b>",
        notes="Line 1\nLine 2\t\u200b — “quotes” & <i>tags</i>",
        address={"street": "Straße <1>", "zip": "1070", "city": "Wien & Co", "country": "AT"},
    )
    notes = "</textarea><img src=x onerror=alert(1)> ½ ∑ \U0001f487"
    extra = {"allergy": "<none>", "tags": ["ä", "<b>"], "count": 2, "vip": True}
    resp = api.book(slot["id"], custom_id, customer=person, notes=notes, additionalData=extra)
    assert resp.status_code == 201, resp.text
    appointment_id = resp.json()["content"]["id"]
    shown = api.content(api.org_path(f"appointment/{appointment_id}/showProtected"))
    for key, value in person.items():
        assert shown["customer"][key] == value, key
    assert shown["notes"] == notes
    assert shown["additionalData"] == extra
    # identify finds it by the unicode customId, sent percent-encoded.
    found = api.content(api.org_path(f"appointment/{quote(custom_id)}/identify"))
    assert found["id"] == appointment_id
    assert found["customId"] == custom_id
    # The JSON itself carries the characters, not HTML entities.
    raw = api.get(api.org_path(f"appointment/{appointment_id}/showProtected")).text
    assert "&lt;" not in raw
    assert "&amp;amp;" not in raw


def test_oauth_endpoint_survives_junk(sandbox: SandboxProcess) -> None:
    url = sandbox.oauth_url
    for data, content_type in (
        (b"[" * 100_000, "application/json"),
        (b"not json", "application/json"),
        (b'["grant_type"]', "application/json"),
        (b"\xff\xfe", "application/x-www-form-urlencoded"),
        (b"", "text/plain"),
    ):
        resp = requests.post(
            url, data=data, headers={"Content-Type": content_type}, timeout=TIMEOUT
        )
        assert resp.status_code in (400, 401), (data[:20], resp.status_code, resp.text[:200])
        assert resp.json()["error"]
    resp = requests.get(url, timeout=TIMEOUT)
    assert resp.status_code == 405
    assert resp.headers["Content-Type"].startswith("application/json")


def test_content_type_of_answers_is_json_utf8(api: ModuleApi, sandbox: SandboxProcess) -> None:
    resp = api.get(f"organization/{sandbox.main_org}/show")
    assert resp.headers["Content-Type"].startswith("application/json")
    assert "Torstraße" in resp.content.decode("utf-8")  # UTF-8, not \u escapes
