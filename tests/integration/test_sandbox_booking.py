"""Booking over HTTP: add, cancel, move, conflicts, validation, and races for one slot.

These tests share the session's sandbox, so each books in its own week or service and
only ever relies on slots it has just seen free.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import requests

from tests.support.api import (
    JSON_HEADERS,
    TIMEOUT,
    ModuleApi,
    assert_error,
    customer,
    new_custom_id,
)
from tests.support.clock import weekday_ahead
from tests.support.sandbox import SandboxProcess
from tests.support.tamper import flip

pytestmark = pytest.mark.integration


def weeks_ahead(n: int) -> date:
    """Wednesday of the ISO week `n` weeks from now (the business's today)."""
    return weekday_ahead(n)


@pytest.fixture(scope="module")
def api(sandbox: SandboxProcess) -> ModuleApi:
    return ModuleApi(sandbox)


def ids_of(slots: list[dict[str, Any]]) -> set[str]:
    return {s["id"] for s in slots}


def test_add_takes_the_slot_and_cancel_frees_it(api: ModuleApi) -> None:
    haircut = api.template_id("haircut")
    day = weeks_ahead(2)
    slot = api.free_slots(haircut, day)[0]
    custom_id = new_custom_id("add")
    added = api.book(slot["id"], custom_id)
    assert added.status_code == 201, added.text
    appt = added.json()["content"]
    assert appt["start"] == slot["timestamp"]
    assert [r["id"] for r in appt["bookingResourceList"]] == slot["bookingResourceCombination"]
    assert slot["id"] not in ids_of(api.free_slots(haircut, day))
    # The same resource at the same time is gone from every list, not only this id.
    taken = (slot["timestamp"], tuple(slot["bookingResourceCombination"]))
    listed = {
        (s["timestamp"], tuple(s["bookingResourceCombination"]))
        for s in api.free_slots(haircut, day)
    }
    assert taken not in listed
    again = api.book(slot["id"], new_custom_id("again"))
    assert_error(again, 409, "bookingSlotId")

    canceled = api.appointment(appt["id"], "cancel")
    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["content"]["canceled"] is True
    assert canceled.json()["messageList"][0]["type"] == "success"
    assert slot["id"] in ids_of(api.free_slots(haircut, day))
    assert api.content(api.org_path(f"appointment/{custom_id}/identify"))["canceled"] is True

    assert_error(api.appointment(appt["id"], "cancel"), 409, "appointmentId")
    other = api.free_slots(haircut, day)[-1]
    moved = api.appointment(appt["id"], "move", json={"bookingSlotId": other["id"]})
    assert_error(moved, 409, "appointmentId")


def test_move_frees_the_old_slot_and_takes_the_new(api: ModuleApi) -> None:
    haircut = api.template_id("haircut")
    day = weeks_ahead(3)
    slots = api.free_slots(haircut, day)
    old, new, blocker = slots[0], slots[-1], slots[len(slots) // 2]
    assert len({old["timestamp"], new["timestamp"], blocker["timestamp"]}) == 3
    appt = api.book(old["id"], new_custom_id("move")).json()["content"]

    moved = api.appointment(appt["id"], "move", json={"bookingSlotId": new["id"]})
    assert moved.status_code == 200, moved.text
    content = moved.json()["content"]
    assert content["id"] == appt["id"]
    assert content["moved"] is True
    assert content["start"] == new["timestamp"]
    assert content["duration"] == appt["duration"]
    after = ids_of(api.free_slots(haircut, day))
    assert old["id"] in after
    assert new["id"] not in after

    # A slot someone else holds: 409; a slot of another service: 400.
    assert api.book(blocker["id"], new_custom_id("blocker")).status_code == 201
    clash = api.appointment(appt["id"], "move", json={"bookingSlotId": blocker["id"]})
    assert_error(clash, 409, "bookingSlotId")
    beard = api.free_slots(api.template_id("beard-trim"), day)[0]
    wrong = api.appointment(appt["id"], "move", json={"bookingSlotId": beard["id"]})
    assert_error(wrong, 400, "bookingSlotId")
    shown = api.content(api.org_path(f"appointment/{appt['id']}/show"))
    assert shown["start"] == new["timestamp"]


def test_move_and_cancel_after_the_start_are_400(
    clean_sandbox: SandboxProcess, api: ModuleApi
) -> None:
    beard = api.template_id("beard-trim")
    day = weeks_ahead(2)
    slots = api.free_slots(beard, day)
    slot, target = slots[0], slots[-1]
    appt = api.book(slot["id"], new_custom_id("late")).json()["content"]
    start = datetime.fromisoformat(appt["start"])
    for moment in (start, start + timedelta(minutes=1), start + timedelta(days=3)):
        clean_sandbox.set_clock(moment.isoformat())
        move = api.appointment(appt["id"], "move", json={"bookingSlotId": target["id"]})
        assert_error(move, 400, "appointmentId")
        assert_error(api.appointment(appt["id"], "cancel"), 400, "appointmentId")
    clean_sandbox.set_clock((start - timedelta(minutes=1)).isoformat())
    assert api.appointment(appt["id"], "cancel").status_code == 200


def test_duplicate_custom_id_is_409(api: ModuleApi, sandbox: SandboxProcess) -> None:
    consultation = api.template_id("consultation")
    slots = api.free_slots(consultation, weeks_ahead(2))
    custom_id = new_custom_id("dup")
    first = api.book(slots[0]["id"], custom_id)
    assert first.status_code == 201, first.text
    second = api.book(slots[-1]["id"], custom_id)
    assert_error(second, 409, "customId")
    assert slots[-1]["id"] in ids_of(api.free_slots(consultation, weeks_ahead(2)))
    # customIds are unique per organization: a branch may use the same one.
    branch = ModuleApi(sandbox, sandbox.branches[0])
    mitte = branch.free_slots(branch.template_id("mitte-haircut"), weeks_ahead(2))[0]
    assert branch.book(mitte["id"], custom_id).status_code == 201


def test_tampered_and_foreign_slot_ids_are_400(api: ModuleApi, sandbox: SandboxProcess) -> None:
    haircut = api.template_id("haircut")
    day = weeks_ahead(2)
    slot = api.free_slots(haircut, day)[-1]
    for index in (2, 5, 8, 12, 19, 25, 31):
        resp = api.book(flip(slot["id"], index, "ab"))
        assert_error(resp, 400, "bookingSlotId")
    for bad in (
        slot["id"].swapcase(),
        "fc" + slot["id"][2:],
        slot["id"][:-1],
        "4f" + "0" * 30,
        "",
    ):
        assert_error(api.book(bad), 400, "bookingSlotId")
    # A genuine slot of another organization's template.
    branch = ModuleApi(sandbox, sandbox.branches[0])
    foreign = branch.free_slots(branch.template_id("mitte-haircut"), day)[0]
    assert_error(api.book(foreign["id"]), 400, "bookingSlotId")
    assert foreign["id"] in ids_of(branch.free_slots(branch.template_id("mitte-haircut"), day))
    assert slot["id"] in ids_of(api.free_slots(haircut, day))


@pytest.mark.parametrize(
    ("template", "missing", "parameter"),
    [
        ("colouring", "mobile", "customer.mobile"),
        ("consultation", "mobile", "customer.mobile"),
        ("haircut", "email", "customer.email"),
        ("wedding-styling", "address", "customer.address"),
        ("haircut", "firstName", "customer.firstName"),
        ("haircut", "lastName", "customer.lastName"),
    ],
)
def test_required_customer_fields_follow_the_template(
    api: ModuleApi, template: str, missing: str, parameter: str
) -> None:
    tpl = api.template_id(template)
    day = weeks_ahead(3)
    slot = api.free_slots(tpl, day)[0]
    for value in (None, ""):
        body = customer(**{missing: value})  # None leaves the field out
        resp = api.book(slot["id"], new_custom_id("req"), customer=body)
        assert_error(resp, 400, parameter)
    assert slot["id"] in ids_of(api.free_slots(tpl, day))


def test_optional_email_may_be_left_out(api: ModuleApi) -> None:
    consultation = api.template_id("consultation")  # needs a mobile number, no email
    slot = api.free_slots(consultation, weeks_ahead(3))[0]
    resp = api.book(slot["id"], customer=customer(email=None, address=None))
    assert resp.status_code == 201, resp.text


def _race(
    api: ModuleApi, slot_id: str, clients: int, prefix: str
) -> tuple[Counter[int], dict[int, list[str]]]:
    """`clients` threads, each with its own session, book `slot_id` at the same moment."""
    barrier = threading.Barrier(clients)
    url = api.url(api.org_path("appointment/add"))
    headers = {"Authorization": f"Bearer {api.token}", **JSON_HEADERS}

    def one(i: int) -> tuple[int, str, Any]:
        with requests.Session() as session:
            custom_id = f"{prefix}-{i}"
            body = {"bookingSlotId": slot_id, "customId": custom_id, "customer": customer()}
            req = session.prepare_request(requests.Request("POST", url, json=body, headers=headers))
            barrier.wait(timeout=30)
            resp = session.send(req, timeout=TIMEOUT * 3)
            return resp.status_code, custom_id, resp.json()

    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(one, range(clients)))
    statuses = Counter(status for status, _, _ in results)
    by_status: dict[int, list[str]] = {}
    for status, custom_id, body in results:
        by_status.setdefault(status, []).append(custom_id)
        if status == 409:
            assert body["messageList"][0]["parameter"] == "bookingSlotId"
        else:
            assert status == 201, body
    return statuses, by_status


def test_fifty_clients_race_for_one_slot(api: ModuleApi) -> None:
    haircut = api.template_id("haircut")
    day = weeks_ahead(4)
    slot = api.free_slots(haircut, day)[0]
    prefix = new_custom_id("race")
    statuses, by_status = _race(api, slot["id"], 50, prefix)
    assert statuses == Counter({201: 1, 409: 49})
    (winner,) = by_status[201]
    assert api.content(api.org_path(f"appointment/{winner}/identify"))["start"] == slot["timestamp"]
    loser = by_status[409][0]
    assert_error(api.get(api.org_path(f"appointment/{loser}/identify")), 404, "customId")
    assert slot["id"] not in ids_of(api.free_slots(haircut, day))


def test_thirty_clients_race_for_a_five_seat_course(api: ModuleApi) -> None:
    course = api.template_id("styling-workshop")
    slot = None
    for n in range(2, 20):
        for candidate in api.free_slots(course, weeks_ahead(n)):
            if candidate["seatsLeft"] == candidate["seatsTotal"] == 5:
                slot = candidate
                break
        if slot:
            break
    assert slot is not None, "an untouched workshop date"
    statuses, by_status = _race(api, slot["id"], 30, new_custom_id("course"))
    assert statuses == Counter({201: 5, 409: 25})
    for custom_id in by_status[201]:
        appt = api.content(api.org_path(f"appointment/{custom_id}/identify"))
        assert appt["id"].startswith("pd")  # an EVENT_ATTENDANCE
        assert appt["start"] == slot["timestamp"]
    day = date.fromisoformat(slot["timestamp"][:10])
    # The full date stays listed, with no seat left, and cannot be booked any more.
    (full,) = [s for s in api.free_slots(course, day) if s["timestamp"] == slot["timestamp"]]
    assert full["seatsLeft"] == 0
    month = api.month(course, day.year, day.month)["list"]
    assert [s["seatsLeft"] for s in month if s["timestamp"] == slot["timestamp"]] == [0]
    assert api.book(full["id"], new_custom_id("late")).status_code == 409
    earliest = api.content(api.slot_path(course, "earliest"))
    assert earliest is None or earliest["seatsLeft"] > 0


def test_course_seats_count_down(api: ModuleApi) -> None:
    course = api.template_id("styling-workshop")
    for n in range(2, 30):
        free = [s for s in api.free_slots(course, weeks_ahead(n)) if s["seatsLeft"] >= 2]
        if free:
            slot = free[0]
            break
    else:
        pytest.fail("no workshop date with two seats left")
    first = api.book(slot["id"], new_custom_id("seat"))
    assert first.status_code == 201, first.text
    day = date.fromisoformat(slot["timestamp"][:10])
    (same,) = [s for s in api.free_slots(course, day) if s["timestamp"] == slot["timestamp"]]
    assert same["seatsLeft"] == slot["seatsLeft"] - 1
    # Cancelling gives the seat back.
    assert api.appointment(first.json()["content"]["id"], "cancel").status_code == 200
    (back,) = [s for s in api.free_slots(course, day) if s["timestamp"] == slot["timestamp"]]
    assert back["seatsLeft"] == slot["seatsLeft"]


def _at_once(
    clients: int, call: Callable[[int, requests.Session], requests.Response]
) -> list[requests.Response]:
    """Run `call(i, session)` in `clients` threads released together by a barrier."""
    barrier = threading.Barrier(clients)

    def one(i: int) -> requests.Response:
        with requests.Session() as session:
            barrier.wait(timeout=30)
            return call(i, session)

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(one, range(clients)))


def test_concurrent_moves_into_one_slot_and_concurrent_cancels(api: ModuleApi) -> None:
    haircut = api.template_id("haircut")
    day = weeks_ahead(6)
    slots = api.free_slots(haircut, day)
    target = slots[-1]
    sources = [s for s in slots if s["timestamp"] < target["timestamp"]][:10]
    appointments = []
    for slot in sources:
        resp = api.book(slot["id"], new_custom_id("mover"))
        if resp.status_code == 201:  # overlapping starts of one person refuse each other
            appointments.append(resp.json()["content"]["id"])
    assert len(appointments) >= 5

    def move(i: int, session: requests.Session) -> requests.Response:
        url = api.url(api.org_path(f"appointment/{appointments[i]}/move"))
        headers = {"Authorization": f"Bearer {api.token}", **JSON_HEADERS}
        return session.put(url, json={"bookingSlotId": target["id"]}, headers=headers)

    moved = Counter(r.status_code for r in _at_once(len(appointments), move))
    assert moved == Counter({200: 1, 409: len(appointments) - 1})

    victim = appointments[0]

    def cancel(i: int, session: requests.Session) -> requests.Response:
        url = api.url(api.org_path(f"appointment/{victim}/cancel"))
        return session.put(url, headers={"Authorization": f"Bearer {api.token}"})

    canceled = Counter(r.status_code for r in _at_once(20, cancel))
    assert canceled == Counter({200: 1, 409: 19})
