"""`--quirks` answers like the SDK's sample data; without `--control` there is no control API.

Both run against one private sandbox started with `--quirks` and without `--control`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests

from tests.support.api import TIMEOUT, ModuleApi, assert_error, new_custom_id
from tests.support.clock import today
from tests.support.sandbox import SandboxProcess, running_sandbox

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def quirky(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with running_sandbox(tmp_path_factory.mktemp("quirks"), "--quirks") as proc:
        yield proc


@pytest.fixture(scope="module")
def api(quirky: SandboxProcess) -> ModuleApi:
    return ModuleApi(quirky)


def is_numeric_text(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


def test_numbers_come_as_strings(api: ModuleApi) -> None:
    listing = api.content(api.org_path("bookingTemplate/list"))
    assert isinstance(listing["recordTotal"], str)
    assert int(listing["recordTotal"]) == len(listing["recordList"])
    assert listing["recordLimit"] == "9999"
    for tpl in listing["recordList"]:
        for field in ("duration", "priceGross", "taxRate", "bookingLeadTime", "bookingDayLatest"):
            assert is_numeric_text(tpl[field]), (tpl["customId"], field, tpl[field])
        assert isinstance(tpl["showPrice"], bool)  # booleans stay booleans
        for step in tpl["bookingStepList"]:
            assert is_numeric_text(step["selectionQuantity"])
    course = next(t for t in listing["recordList"] if t["customId"] == "styling-workshop")
    slot = api.content(api.slot_path(course["id"], "earliest"))
    assert slot["seatsTotal"] == "5"
    assert is_numeric_text(slot["seatsLeft"])


def test_empty_lists_and_objects_take_the_sample_datas_forms(api: ModuleApi) -> None:
    templates = api.templates()
    consultation = templates["consultation"]  # no translations at all
    assert consultation["publicNameI18nList"] in ("", None)
    assert consultation["nameI18nList"] in ("", None)
    assert consultation["additionalData"] is None
    assert consultation["address"] == []
    empties = [
        t[key]
        for t in templates.values()
        for key in ("nameI18nList", "descriptionI18nList", "publicNameI18nList")
        if not isinstance(t[key], list)
    ]
    assert "" in empties
    assert None in empties
    # Filled lists stay lists.
    assert templates["haircut"]["publicNameI18nList"][0] == {"key": "en", "value": "Haircut"}
    org = api.content(f"organization/{api.org}/show")
    assert isinstance(org["address"], dict)
    assert org["address"]["city"] == "Berlin"
    resources = api.resources()
    assert all(r["nameI18nList"] in ("", None) for r in resources.values())
    assert all(r["additionalData"] is None for r in resources.values())


def test_booking_works_and_answers_quirkily(api: ModuleApi) -> None:
    beard = api.template_id("beard-trim")
    slot = api.free_slots(beard, today() + timedelta(weeks=2))[0]
    resp = api.book(slot["id"], new_custom_id("quirk"))
    assert resp.status_code == 201, resp.text
    appt = resp.json()["content"]
    assert appt["duration"] == "20"
    assert appt["address"] == []
    assert appt["additionalData"] is None
    assert is_numeric_text(appt["priceGross"])
    # Errors are still plain envelopes.
    assert_error(api.book(slot["id"]), 409, "bookingSlotId")


def test_control_api_is_absent_without_the_flag(quirky: SandboxProcess) -> None:
    root = quirky.root
    for method, path, body in (
        ("GET", "counters", None),
        ("DELETE", "counters", None),
        ("POST", "faults", {"route": "", "status": 503}),
        ("DELETE", "faults", None),
        ("PUT", "clock", {"now": None}),
        ("PUT", "latency", {"latency_ms": 10}),
    ):
        resp = requests.request(method, f"{root}/_sandbox/{path}", json=body, timeout=TIMEOUT)
        assert resp.status_code == 404, (method, path, resp.status_code)
    # Nothing was injected: the API answers normally.
    assert ModuleApi(quirky).get(f"organization/{quirky.main_org}/show").status_code == 200
