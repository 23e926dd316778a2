"""The sandbox's switches (`--behave key=value`, `PUT /_sandbox/behaviour`): each setting
of each switch plays one plausible answer of the real API where module-api.md says it is
unknown.

Most tests share one private sandbox with the control API (switched per test, reset
after it); the flag tests start their own. Every booking takes a slot from a list just
before it books.
"""

from __future__ import annotations

import base64
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from booking_app.sandbox.behaviour import CHOICES
from tests.support.api import (
    TIMEOUT,
    ModuleApi,
    assert_envelope,
    assert_error,
    customer,
    new_custom_id,
)
from tests.support.clock import weekday_ahead
from tests.support.payloads import SDK_ADDRESS_GEO
from tests.support.sandbox import SandboxProcess, running_sandbox
from tests.support.sandbox_behaviour import (
    VARIANTS,
    behaving,
    get_behaviour,
    ids,
    reset_behaviour,
    set_behaviour,
)
from tests.support.sandbox_client import ADD, blanked

pytestmark = pytest.mark.integration

DEFAULTS: dict[str, Any] = {
    "repeated_custom_id": "refused",
    "add_answer": "full",
    "taken_slot": "409",
    "module_routes": "served",
    "write_delay_before_ms": 0,
    "write_delay_after_ms": 0,
    "i18n": "lists",
    "identify": "one",
    "identify_cancelled": "found",
}


@pytest.fixture(scope="module")
def switchable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with running_sandbox(tmp_path_factory.mktemp("behaviour"), "--control") as proc:
        yield proc


@pytest.fixture
def sb(switchable: SandboxProcess) -> Iterator[SandboxProcess]:
    """The module's sandbox, back to its start setting after the test."""
    yield switchable
    reset_behaviour(switchable)
    switchable.clear_faults()


@pytest.fixture
def api(sb: SandboxProcess) -> ModuleApi:
    return ModuleApi(sb)


def free_slot(api: ModuleApi, template_id: str, weeks: int) -> dict[str, Any]:
    """A slot free right now, in the week about `weeks` weeks ahead."""
    slots = api.free_slots(template_id, weekday_ahead(weeks))
    assert slots, (template_id, weeks)
    return slots[0]


def booked(api: ModuleApi, slot_id: str, custom_id: str | None = None, **body: Any) -> Any:
    """Book and return the answer's content (201 expected)."""
    resp = api.book(slot_id, custom_id, **body)
    assert resp.status_code == 201, resp.text[:500]
    return resp.json()["content"]


def identify(api: ModuleApi, custom_id: str) -> requests.Response:
    return api.get(api.org_path(f"appointment/{custom_id}/identify"))


def cancel(api: ModuleApi, appointment_id: str) -> None:
    resp = api.appointment(appointment_id, "cancel")
    assert resp.status_code == 200, resp.text[:300]


def as_maps(value: Any) -> Any:
    """The test's own oracle of `i18n=maps`: every non-empty `…I18nList` as a map."""
    if isinstance(value, list):
        return [as_maps(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key.endswith("I18nList") and isinstance(item, list) and item:
            out[key] = {e["key"]: e["value"] for e in item}
        else:
            out[key] = as_maps(item)
    return out


# The setting: control API ------------------------------------------------------------


def test_defaults_are_todays_behaviour(sb: SandboxProcess) -> None:
    assert get_behaviour(sb) == DEFAULTS


def test_variants_name_every_non_default_setting() -> None:
    named = {(key, str(value)) for variant in VARIANTS for key, value in variant.items()}
    for key, choices in CHOICES.items():
        assert {(key, c) for c in choices[1:]} <= named, key
        assert (key, choices[0]) not in named, key
        assert DEFAULTS[key] == choices[0]
    assert {k for v in VARIANTS for k in v} == set(DEFAULTS)
    assert len({ids(v) for v in VARIANTS}) == len(VARIANTS)


def test_put_changes_only_the_named_switches_and_delete_restores(sb: SandboxProcess) -> None:
    whole = set_behaviour(sb, add_answer="id", write_delay_after_ms=250)
    assert whole == {**DEFAULTS, "add_answer": "id", "write_delay_after_ms": 250}
    assert get_behaviour(sb) == whole
    assert set_behaviour(sb, taken_slot=400) == {**whole, "taken_slot": "400"}
    assert set_behaviour(sb, write_delay_after_ms="300")["write_delay_after_ms"] == 300
    resp = requests.delete(f"{sb.root}/_sandbox/behaviour", timeout=TIMEOUT)
    assert resp.status_code == 204
    assert get_behaviour(sb) == DEFAULTS


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"bogus": 1}, "bogus"),
        ({"Add_answer": "id"}, "Add_answer"),
        ({"add_answer": "none"}, "none"),
        ({"taken_slot": "418"}, "taken_slot"),
        ({"module_routes": 500}, "module_routes"),
        ({"i18n": None}, "i18n"),
        ({"identify": True}, "identify"),
        ({"identify_cancelled": "gone"}, "identify_cancelled"),
        ({"repeated_custom_id": "ACCEPTED"}, "repeated_custom_id"),
        ({"write_delay_before_ms": -1}, "write_delay_before_ms"),
        ({"write_delay_after_ms": "slow"}, "write_delay_after_ms"),
        ({"write_delay_after_ms": 1.5}, "write_delay_after_ms"),
        ({"write_delay_after_ms": 10**9}, "write_delay_after_ms"),
        ({"identify": "list", "bogus": 1}, "bogus"),  # nothing of it is applied
        ([1], "object"),
        ("identify=list", "object"),
    ],
)
def test_control_api_refuses_bad_keys_and_values(sb: SandboxProcess, body: Any, named: str) -> None:
    set_behaviour(sb, add_answer="sdk")
    resp = requests.put(f"{sb.root}/_sandbox/behaviour", json=body, timeout=TIMEOUT)
    assert resp.status_code == 400, resp.text
    assert named in resp.json()["error"]
    assert get_behaviour(sb) == {**DEFAULTS, "add_answer": "sdk"}  # nothing changed


def test_control_api_refuses_a_body_that_is_not_json(sb: SandboxProcess) -> None:
    resp = requests.put(
        f"{sb.root}/_sandbox/behaviour",
        data="{",
        headers={"Content-Type": "application/json"},
        timeout=TIMEOUT,
    )
    assert resp.status_code == 400
    assert "error" in resp.json()
    assert get_behaviour(sb) == DEFAULTS


def test_no_behaviour_routes_without_control(tmp_path: Path) -> None:
    with running_sandbox(tmp_path, "--behave", "add_answer=id") as plain:
        resp = requests.get(f"{plain.root}/_sandbox/behaviour", timeout=TIMEOUT)
        assert resp.status_code == 404
        resp = requests.put(f"{plain.root}/_sandbox/behaviour", json={}, timeout=TIMEOUT)
        assert resp.status_code == 404
        api = ModuleApi(plain)
        slot = free_slot(api, api.template_id("beard-trim"), 3)
        assert set(booked(api, slot["id"], new_custom_id("plain"))) == {"id"}


# The setting: flags -------------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS, ids=ids)
def test_flag_and_control_api_agree(
    variant: dict[str, str | int],
    sb: SandboxProcess,
    start_sandbox: Callable[..., SandboxProcess],
) -> None:
    flags = [arg for key, value in variant.items() for arg in ("--behave", f"{key}={value}")]
    flagged = start_sandbox("--control", *flags)
    expected = {**DEFAULTS, **variant}
    assert get_behaviour(flagged) == expected
    assert set_behaviour(sb, **variant) == expected
    # DELETE goes back to the flags' setting, not to the defaults.
    assert set_behaviour(flagged, **{k: DEFAULTS[k] for k in variant}) == DEFAULTS
    reset_behaviour(flagged)
    assert get_behaviour(flagged) == expected


def test_many_flags_at_once_play_together(start_sandbox: Callable[..., SandboxProcess]) -> None:
    settings = {
        "repeated_custom_id": "accepted",
        "add_answer": "id",
        "taken_slot": "400",
        "module_routes": "404",
        "write_delay_before_ms": 50,
        "write_delay_after_ms": 50,
        "i18n": "maps",
        "identify": "list",
        "identify_cancelled": "hidden",
    }
    flags = [arg for key, value in settings.items() for arg in ("--behave", f"{key}={value}")]
    flagged = start_sandbox("--control", *flags)
    assert get_behaviour(flagged) == settings
    api = ModuleApi(flagged)
    beard = api.template_id("beard-trim")
    custom_id = new_custom_id("flags")
    first = free_slot(api, beard, 4)
    one = booked(api, first["id"], custom_id)
    assert set(one) == {"id"}
    two = booked(api, free_slot(api, beard, 4)["id"], custom_id)
    assert set(two) == {"id"}
    assert_error(api.book(first["id"], new_custom_id("flags")), 400, "bookingSlotId")
    found = api.content(api.org_path(f"appointment/{custom_id}/identify"))
    assert [a["id"] for a in found["recordList"]] == [two["id"], one["id"]]
    assert isinstance(found["recordList"][0]["descriptionI18nList"], dict | list)
    assert_error(api.get(f"module/{flagged.module_id}/organization/filter"), 404)
    set_behaviour(flagged, add_answer="full")
    full = booked(api, free_slot(api, beard, 4)["id"], new_custom_id("flags"))
    assert full["class"] == "APPOINTMENT"
    reset_behaviour(flagged)
    assert get_behaviour(flagged) == settings


@pytest.mark.parametrize(
    ("flag", "named"),
    [
        ("bogus=1", "bogus"),
        ("add_answer=nope", "nope"),
        ("taken_slot=418", "taken_slot"),
        ("write_delay_after_ms=soon", "write_delay_after_ms"),
        ("identify", "identify"),
    ],
)
def test_a_bad_flag_is_a_usage_error_naming_it(tmp_path: Path, flag: str, named: str) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "booking_app.cli",
            "sandbox",
            "--port",
            "0",
            "--db",
            str(tmp_path / "never.db"),
            "--behave",
            "add_answer=id",
            "--behave",
            flag,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2, run.stdout + run.stderr
    assert "--behave" in run.stderr
    assert named in run.stderr
    assert not (tmp_path / "never.db").exists()


def test_help_lists_every_switch() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "booking_app.cli", "sandbox", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0
    text = " ".join(run.stdout.split())
    for key, value in DEFAULTS.items():
        assert key in text
        assert isinstance(value, int) or f"{key}={'|'.join(CHOICES[key])}" in text


# repeated_custom_id ---------------------------------------------------------------------


def test_repeated_custom_id_refused_by_default(api: ModuleApi) -> None:
    beard = api.template_id("beard-trim")
    custom_id = new_custom_id("refused")
    first = booked(api, free_slot(api, beard, 5)["id"], custom_id)
    other = free_slot(api, beard, 5)
    assert_error(api.book(other["id"], custom_id), 409, "customId")
    assert other["id"] in {s["id"] for s in api.free_slots(beard, weekday_ahead(5))}
    assert api.content(api.org_path(f"appointment/{custom_id}/identify"))["id"] == first["id"]


def test_repeated_custom_id_accepted_makes_another_appointment(
    sb: SandboxProcess, api: ModuleApi
) -> None:
    set_behaviour(sb, repeated_custom_id="accepted")
    beard = api.template_id("beard-trim")
    custom_id = new_custom_id("accepted")
    first = booked(api, free_slot(api, beard, 6)["id"], custom_id)
    slot = free_slot(api, beard, 6)
    second = booked(api, slot["id"], custom_id)
    assert second["id"] != first["id"]
    assert first["customId"] == second["customId"] == custom_id
    assert second["start"] == slot["timestamp"]
    assert slot["id"] not in {s["id"] for s in api.free_slots(beard, weekday_ahead(6))}
    for appointment in (first, second):
        shown = api.appointment(appointment["id"], "showProtected").json()["content"]
        assert shown["customId"] == custom_id
        assert api.appointment(appointment["id"], "show").json()["content"]["customId"] == custom_id
    # identify=one: the newest not cancelled, else the newest.
    assert api.content(api.org_path(f"appointment/{custom_id}/identify"))["id"] == second["id"]
    cancel(api, second["id"])
    assert api.content(api.org_path(f"appointment/{custom_id}/identify"))["id"] == first["id"]
    cancel(api, first["id"])
    newest = api.content(api.org_path(f"appointment/{custom_id}/identify"))
    assert (newest["id"], newest["canceled"]) == (second["id"], True)
    # Back to refused: the customId is taken, whatever made it.
    set_behaviour(sb, repeated_custom_id="refused")
    assert_error(api.book(free_slot(api, beard, 6)["id"], custom_id), 409, "customId")


def test_repeated_custom_id_accepted_on_a_course_is_another_seat(
    sb: SandboxProcess, api: ModuleApi
) -> None:
    set_behaviour(sb, repeated_custom_id="accepted", identify="list")
    course = api.template_id("styling-workshop")
    for weeks in range(3, 30):
        seats = [s for s in api.free_slots(course, weekday_ahead(weeks)) if s["seatsLeft"] >= 2]
        if seats:
            slot = seats[0]
            break
    else:
        pytest.fail("no course date with two seats left")
    custom_id = new_custom_id("seat")
    first = booked(api, slot["id"], custom_id)
    second = booked(api, slot["id"], custom_id)
    assert first["id"].startswith("pd")
    assert second["id"].startswith("pd")
    assert first["id"] != second["id"]
    after = {s["id"]: s for s in api.free_slots(course, weekday_ahead(weeks))}
    assert after[slot["id"]]["seatsLeft"] == slot["seatsLeft"] - 2
    found = api.content(api.org_path(f"appointment/{custom_id}/identify"))
    assert found["recordTotal"] == 2
    assert [a["id"] for a in found["recordList"]] == [second["id"], first["id"]]


# identify, identify_cancelled ----------------------------------------------------------


def test_identify_list_is_a_collection_newest_first_with_cancelled(
    sb: SandboxProcess, api: ModuleApi
) -> None:
    beard = api.template_id("beard-trim")
    custom_id = new_custom_id("list")
    single = booked(api, free_slot(api, beard, 7)["id"], custom_id)
    set_behaviour(sb, identify="list")
    listing = api.content(api.org_path(f"appointment/{custom_id}/identify"))
    assert listing["class"] == "LIST"
    assert listing["recordTotal"] == 1
    assert listing["recordLimit"] == 9999
    assert [a["id"] for a in listing["recordList"]] == [single["id"]]
    assert listing["recordList"][0]["class"] == "APPOINTMENT"
    assert_error(identify(api, new_custom_id("none")), 404, "customId")

    set_behaviour(sb, repeated_custom_id="accepted")
    newer = booked(api, free_slot(api, beard, 7)["id"], custom_id)
    cancel(api, single["id"])
    listing = api.content(api.org_path(f"appointment/{custom_id}/identify"))
    assert listing["recordTotal"] == 2
    assert [(a["id"], a["canceled"]) for a in listing["recordList"]] == [
        (newer["id"], False),
        (single["id"], True),
    ]
    set_behaviour(sb, identify="one")
    assert api.content(api.org_path(f"appointment/{custom_id}/identify"))["id"] == newer["id"]


def test_identify_cancelled_found_or_hidden(sb: SandboxProcess, api: ModuleApi) -> None:
    beard = api.template_id("beard-trim")
    custom_id = new_custom_id("hidden")
    appointment = booked(api, free_slot(api, beard, 8)["id"], custom_id)
    cancel(api, appointment["id"])
    found = api.content(api.org_path(f"appointment/{custom_id}/identify"))
    assert (found["id"], found["canceled"]) == (appointment["id"], True)
    set_behaviour(sb, identify_cancelled="hidden")
    assert_error(identify(api, custom_id), 404, "customId")
    set_behaviour(sb, identify="list")
    assert_error(identify(api, custom_id), 404, "customId")

    set_behaviour(sb, repeated_custom_id="accepted")
    live = booked(api, free_slot(api, beard, 8)["id"], custom_id)
    listing = api.content(api.org_path(f"appointment/{custom_id}/identify"))
    assert [a["id"] for a in listing["recordList"]] == [live["id"]]
    assert listing["recordTotal"] == 1
    set_behaviour(sb, identify="one")
    assert api.content(api.org_path(f"appointment/{custom_id}/identify"))["id"] == live["id"]
    set_behaviour(sb, identify_cancelled="found", identify="list")
    assert api.content(api.org_path(f"appointment/{custom_id}/identify"))["recordTotal"] == 2


# add_answer -----------------------------------------------------------------------------


def test_add_answer_id_is_only_the_id(sb: SandboxProcess, api: ModuleApi) -> None:
    set_behaviour(sb, add_answer="id")
    beard = api.template_id("beard-trim")
    slot = free_slot(api, beard, 9)
    resp = api.book(slot["id"], new_custom_id("id"))
    assert resp.status_code == 201
    body = assert_envelope(resp)
    assert body["messageList"][0]["type"] == "success"
    assert set(body["content"]) == {"id"}
    appointment_id = body["content"]["id"]
    assert appointment_id.startswith("ed")
    assert len(appointment_id) == 32
    shown = api.appointment(appointment_id, "showProtected").json()["content"]
    assert shown["start"] == slot["timestamp"]
    assert shown["customer"]["firstName"] == "Erika"
    # Other writes answer as before.
    moved = api.appointment(
        appointment_id, "move", json={"bookingSlotId": free_slot(api, beard, 9)["id"]}
    )
    assert moved.status_code == 200
    assert moved.json()["content"]["id"] == appointment_id
    assert moved.json()["content"]["class"] == "APPOINTMENT"


def test_add_answer_sdk_is_the_sample_answers_shape(sb: SandboxProcess, api: ModuleApi) -> None:
    set_behaviour(sb, add_answer="sdk")
    templates = api.templates()
    haircut = templates["haircut"]
    slot = free_slot(api, haircut["id"], 10)
    custom_id = new_custom_id("sdk")
    appointment = booked(api, slot["id"], custom_id, address=SDK_ADDRESS_GEO)
    assert appointment["class"] == "APPOINTMENT"
    assert appointment["id"].startswith("ed")
    assert appointment["customId"] == custom_id
    assert appointment["customer"] == []
    assert appointment["nameI18nList"] == []
    assert appointment["bookingResourceList"] == []
    assert appointment["fileList"] == []
    description = haircut["descriptionI18nList"]
    expected = {e["key"]: e["value"] for e in description} if description else []
    assert appointment["descriptionI18nList"] == expected
    geo = SDK_ADDRESS_GEO["geoCoordinates"]
    flat = {k: v for k, v in SDK_ADDRESS_GEO.items() if k != "geoCoordinates"}
    assert appointment["address"] == {**flat, **geo}
    assert appointment["duration"] == str(haircut["duration"])
    assert appointment["taxRate"] == str(haircut["taxRate"])
    start = datetime.fromisoformat(appointment["start"])
    end = datetime.fromisoformat(appointment["end"])
    assert start.tzinfo is not None
    assert end.tzinfo is not None
    assert start == datetime.fromisoformat(slot["timestamp"])
    assert (end - start).total_seconds() == int(haircut["duration"]) * 60
    for field in ("canceled", "moved", "organizationId", "timeZone", "protected", "showPrice"):
        assert field in appointment

    plain = booked(api, free_slot(api, haircut["id"], 10)["id"], new_custom_id("sdk"))
    assert plain["address"] == []
    # Only the answer of appointment/add takes the sample's shape.
    shown = api.appointment(appointment["id"], "showProtected").json()["content"]
    assert shown["customer"]["firstName"] == "Erika"
    assert shown["bookingResourceList"]


# taken_slot ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [409, 400])
def test_taken_slot_status_on_add_and_move(sb: SandboxProcess, api: ModuleApi, status: int) -> None:
    set_behaviour(sb, taken_slot=str(status))
    beard = api.template_id("beard-trim")
    weeks = 11 if status == 409 else 12
    mine = free_slot(api, beard, weeks)
    first = booked(api, mine["id"], new_custom_id("taken"))
    assert_error(api.book(mine["id"], new_custom_id("taken")), status, "bookingSlotId")
    theirs = free_slot(api, beard, weeks)
    booked(api, theirs["id"], new_custom_id("taken"))
    moved = api.appointment(first["id"], "move", json={"bookingSlotId": theirs["id"]})
    assert_error(moved, status, "bookingSlotId")
    # Other refusals keep their status.
    cancel(api, first["id"])
    assert_error(api.appointment(first["id"], "cancel"), 409, "appointmentId")


# module_routes -------------------------------------------------------------------------


@pytest.mark.parametrize("status", [403, 404])
def test_module_routes_refused(sb: SandboxProcess, api: ModuleApi, status: int) -> None:
    module = f"module/{sb.module_id}"
    routes = [
        f"{module}/organization/filter?searchQuery=",
        f"{module}/organization/{sb.main_org}/organization/list",
    ]
    for route in routes:
        assert api.get(route).status_code == 200
    set_behaviour(sb, module_routes=str(status))
    for route in routes:
        resp = api.get(route)
        assert_error(resp, status)
        assert resp.json()["content"] is None
        assert_error(api.with_lang("de").get(route), status)
    assert api.get(f"organization/{sb.main_org}/show").status_code == 200
    assert api.get(api.org_path("bookingTemplate/list")).status_code == 200
    reset_behaviour(sb)
    assert all(api.get(route).status_code == 200 for route in routes)


def test_counters_still_count(sb: SandboxProcess, api: ModuleApi) -> None:
    beard = api.template_id("beard-trim")
    slot = free_slot(api, beard, 13)
    set_behaviour(sb, module_routes="403", write_delay_before_ms=100, write_delay_after_ms=100)
    sb.reset_counters()
    module = f"module/{sb.module_id}"
    for _ in range(2):
        api.get(f"{module}/organization/filter?searchQuery=")
    api.get(f"{module}/organization/{sb.main_org}/organization/list")
    booked(api, slot["id"], new_custom_id("count"))
    counts = sb.counters()
    assert counts["total"] == 4
    assert blanked(counts["routes"]) == {
        "GET module/<>/organization/filter": 2,
        "GET module/<>/organization/<>/organization/list": 1,
        ADD: 1,
    }


# write delays ---------------------------------------------------------------------------


def test_write_delay_before_nothing_exists_during_the_wait(
    sb: SandboxProcess, api: ModuleApi
) -> None:
    set_behaviour(sb, write_delay_before_ms=1000)
    beard = api.template_id("beard-trim")
    slot = free_slot(api, beard, 14)
    custom_id = new_custom_id("before")
    with ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        future = pool.submit(api.book, slot["id"], custom_id, session=requests.Session())
        time.sleep(0.4)
        assert_error(identify(api, custom_id), 404, "customId")
        assert slot["id"] in {s["id"] for s in api.free_slots(beard, weekday_ahead(14))}
        resp = future.result(timeout=10)
    assert time.monotonic() - started >= 1.0
    assert resp.status_code == 201
    appointment = resp.json()["content"]
    assert api.content(api.org_path(f"appointment/{custom_id}/identify"))["id"] == appointment["id"]

    with ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        future = pool.submit(
            ModuleApi(sb, session=requests.Session()).appointment, appointment["id"], "cancel"
        )
        time.sleep(0.4)
        shown = api.appointment(appointment["id"], "showProtected").json()["content"]
        assert shown["canceled"] is False
        assert future.result(timeout=10).status_code == 200
    assert time.monotonic() - started >= 1.0


def test_write_delay_after_the_booking_exists_while_the_client_waits(
    sb: SandboxProcess, api: ModuleApi
) -> None:
    set_behaviour(sb, write_delay_after_ms=1500)
    beard = api.template_id("beard-trim")
    slot = free_slot(api, beard, 15)
    custom_id = new_custom_id("after")
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        requests.post(
            api.url(api.org_path("appointment/add")),
            json={"bookingSlotId": slot["id"], "customId": custom_id, "customer": customer()},
            headers={"Authorization": f"Bearer {api.token}"},
            timeout=(3, 0.5),
        )
    found = api.content(api.org_path(f"appointment/{custom_id}/identify"))
    assert time.monotonic() - started < 1.5  # the sandbox has not answered yet
    assert found["start"] == slot["timestamp"]
    assert found["canceled"] is False
    assert slot["id"] not in {s["id"] for s in api.free_slots(beard, weekday_ahead(15))}
    # A refusal commits nothing: it answers without the wait.
    started = time.monotonic()
    assert_error(api.book(slot["id"], new_custom_id("after")), 409, "bookingSlotId")
    assert time.monotonic() - started < 1.0


def test_write_delays_slow_every_write(sb: SandboxProcess, api: ModuleApi) -> None:
    beard = api.template_id("beard-trim")
    appointment = booked(api, free_slot(api, beard, 16)["id"], new_custom_id("writes"))
    other = free_slot(api, beard, 16)
    file_body = {
        "name": "note",
        "fileName": "note.txt",
        "fileContent": base64.b64encode(b"hello").decode(),
        "appointmentId": appointment["id"],
    }
    writes: list[Callable[[], requests.Response]] = [
        lambda: api.appointment(appointment["id"], "move", json={"bookingSlotId": other["id"]}),
        lambda: api.post(api.org_path("file/add"), json=file_body),
        lambda: api.appointment(appointment["id"], "cancel"),
        lambda: api.book(free_slot(api, beard, 16)["id"], new_custom_id("writes")),
    ]
    for key in ("write_delay_before_ms", "write_delay_after_ms"):
        with behaving(sb, **{key: 400}) as setting:
            assert setting[key] == 400
            for write in writes[:2] if key == "write_delay_before_ms" else writes[2:]:
                started = time.monotonic()
                resp = write()
                assert resp.status_code in (200, 201), resp.text[:300]
                assert time.monotonic() - started >= 0.4, key
        assert get_behaviour(sb) == DEFAULTS
    started = time.monotonic()
    api.get(f"organization/{sb.main_org}/show")
    assert time.monotonic() - started < 0.4  # reads are never delayed


# i18n ----------------------------------------------------------------------------------


def test_i18n_lists_by_default_and_maps_when_switched(sb: SandboxProcess, api: ModuleApi) -> None:
    beard = api.template_id("beard-trim")
    appointment = booked(api, free_slot(api, beard, 17)["id"], new_custom_id("i18n"))
    paths = [
        api.org_path("bookingTemplate/list"),
        api.org_path("bookingResource/list"),
        api.org_path(f"appointment/{appointment['id']}/showProtected"),
        f"module/{sb.module_id}/organization/{sb.main_org}/organization/list",
    ]
    lists = {path: api.content(path) for path in paths}
    templates = {t["customId"]: t for t in lists[paths[0]]["recordList"]}
    assert templates["haircut"]["publicNameI18nList"][0] == {"key": "en", "value": "Haircut"}
    set_behaviour(sb, i18n="maps")
    for path in paths:
        assert api.content(path) == as_maps(lists[path]), path
    maps = {t["customId"]: t for t in api.content(paths[0])["recordList"]}
    assert maps["haircut"]["publicNameI18nList"]["en"] == "Haircut"
    assert maps["consultation"]["publicNameI18nList"] == []  # an empty one stays []
    moved = api.appointment(
        appointment["id"], "move", json={"bookingSlotId": free_slot(api, beard, 17)["id"]}
    )
    assert moved.status_code == 200
    names = templates["beard-trim"]["publicNameI18nList"]
    assert (
        moved.json()["content"]["nameI18nList"]
        == as_maps({"n": names, "nI18nList": names})["nI18nList"]
    )
