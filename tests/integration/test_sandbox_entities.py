"""The sandbox's custom-entity routes (`6T…`), exactly the SDK's: every one carries the
entity type as a path segment (module-api.md, docs/sandbox.md). Over real HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.support.api import ModuleApi, assert_error, failures, new_custom_id
from tests.support.sandbox import SandboxProcess

pytestmark = pytest.mark.integration

TYPE = "hairLength"  # the demo seed's type
UNKNOWN_TYPE = "car"  # a well-formed type nothing in the sandbox has (no test adds it)
UNKNOWN = "0" * 30  # a well-formed id body the seed never produces
SHORT_KEYS = {
    *("class", "id", "customId", "name", "image", "appointment", "bookingResource"),
    *("bookingTemplate", "customEntity", "additionalData"),
}
ENTITY_KEYS = {
    *("class", "id", "customId", "type", "name", "nameI18nList", "description"),
    *("descriptionI18nList", "image", "additionalData"),
}


@pytest.fixture(scope="module")
def api(sandbox: SandboxProcess) -> ModuleApi:
    return ModuleApi(sandbox)


def listed(api: ModuleApi, path: str) -> list[dict[str, Any]]:
    """The records of a LIST of CUSTOM_ENTITY_SHORT at `path` (organization-relative)."""
    content = api.content(api.org_path(path))
    assert content["class"] == "LIST"
    assert content["recordTotal"] == len(content["recordList"])
    for entry in content["recordList"]:
        assert set(entry) == SHORT_KEYS, sorted(entry)
        assert entry["class"] == "CUSTOM_ENTITY_SHORT"
    return list(content["recordList"])


def custom_ids(api: ModuleApi, path: str) -> list[str]:
    return [entry["customId"] for entry in listed(api, path)]


def entities(api: ModuleApi, entity_type: str = TYPE) -> dict[str, dict[str, Any]]:
    """The organization's entities of a type, by customId."""
    return {e["customId"]: e for e in listed(api, f"customEntity/{entity_type}/list")}


def fresh_type() -> str:
    """A type of this test's own (the sandbox is shared)."""
    return f"rentalCar{uuid.uuid4().hex[:12]}"


def test_a_list_holds_short_entries_and_nothing_else(api: ModuleApi) -> None:
    found = listed(api, f"customEntity/{TYPE}/list")
    assert [e["customId"] for e in found] == ["hair-short", "hair-long"], "in seed order"
    for entry in found:
        assert entry["id"].startswith("6T")
        assert len(entry["id"]) == 32
        assert entry["additionalData"] == []  # PHP's empty array, as in the SDK's sample
        assert entry["customEntity"] is None
        assert (entry["appointment"], entry["bookingResource"], entry["bookingTemplate"]) == (
            None,
            None,
            None,
        )
        assert entry["image"] is None
    assert found[1]["name"] == "Long hair"


def test_show_and_identify_answer_the_full_entity(api: ModuleApi) -> None:
    long = entities(api)["hair-long"]
    shown = api.content(api.org_path(f"customEntity/{TYPE}/{long['id']}/show"))
    assert set(shown) == ENTITY_KEYS
    assert shown["class"] == "CUSTOM_ENTITY"
    assert (shown["id"], shown["customId"], shown["type"]) == (long["id"], "hair-long", TYPE)
    assert shown["name"] == long["name"]
    assert {"key": "de", "value": "Lange Haare"} in shown["nameI18nList"]
    identified = api.content(api.org_path(f"customEntity/{TYPE}/hair-long/identify"))
    assert identified == shown
    missing = api.get(api.org_path(f"customEntity/{TYPE}/no-such-entity/identify"))
    assert_error(missing, 404, "customId")
    too_long = api.get(api.org_path(f"customEntity/{TYPE}/{'x' * 101}/identify"))
    assert_error(too_long, 400, "customId")


def test_an_entity_of_another_type_is_absent(api: ModuleApi) -> None:
    long = entities(api)["hair-long"]["id"]
    for rest in ("show", "bookingTemplate/list", "bookingResource/list"):
        resp = api.get(api.org_path(f"customEntity/{UNKNOWN_TYPE}/{long}/{rest}"))
        assert_error(resp, 404, "customEntityId")
    resp = api.get(api.org_path(f"customEntity/{UNKNOWN_TYPE}/hair-long/identify"))
    assert_error(resp, 404, "customId")


def test_an_unknown_type_lists_nothing(api: ModuleApi) -> None:
    haircut = api.template_id("haircut")
    anna = api.resources()["anna"]["id"]
    long = entities(api)["hair-long"]["id"]
    for path in (
        f"customEntity/{UNKNOWN_TYPE}/list",
        f"bookingTemplate/{haircut}/customEntity/{UNKNOWN_TYPE}/list",
        f"bookingResource/{anna}/customEntity/{UNKNOWN_TYPE}/list",
        f"customEntity/{long}/customEntity/{UNKNOWN_TYPE}/list",
    ):
        assert listed(api, path) == [], path


def test_a_malformed_type_is_400(api: ModuleApi) -> None:
    for bad in ("hair%20length", "1car", "x" * 101, "car%0A"):
        resp = api.get(api.org_path(f"customEntity/{bad}/list"))
        assert_error(resp, 400, "customEntityType")


def test_the_typeless_routes_are_gone(api: ModuleApi) -> None:
    long = entities(api)["hair-long"]["id"]
    for rest in (
        "customEntity/list",
        f"customEntity/{long}/show",
        f"customEntity/{long}/bookingTemplate/list",
        f"customEntity/{long}/bookingResource/list",
    ):
        resp = api.get(api.org_path(rest))
        assert_error(resp, 404)
        assert [(m["parameter"], m["text"]) for m in failures(resp)] == [
            (None, "This route does not exist.")
        ], rest


def test_templates_and_resources_of_an_entity(api: ModuleApi) -> None:
    long = entities(api)["hair-long"]["id"]
    templates = api.content(api.org_path(f"customEntity/{TYPE}/{long}/bookingTemplate/list"))
    assert {t["class"] for t in templates["recordList"]} == {"BOOKING_TEMPLATE"}
    tied = [t["customId"] for t in templates["recordList"]]
    assert tied == ["haircut", "colouring", "consultation", "head-massage", "wedding-styling"]
    in_order = [t for t in api.templates() if t in tied]
    assert tied == in_order, "in service order"
    resources = api.content(api.org_path(f"customEntity/{TYPE}/{long}/bookingResource/list"))
    assert [r["customId"] for r in resources["recordList"]] == ["anna", "chloe"]


def test_entities_of_a_template_and_of_a_resource(api: ModuleApi) -> None:
    templates = {key: t["id"] for key, t in api.templates().items()}
    for template, expected in (
        ("haircut", ["hair-short", "hair-long"]),
        ("colouring", ["hair-long"]),
        ("beard-trim", ["hair-short"]),
        ("styling-workshop", []),
    ):
        path = f"bookingTemplate/{templates[template]}/customEntity/{TYPE}/list"
        assert custom_ids(api, path) == expected, template
    resources = {key: r["id"] for key, r in api.resources().items()}
    for resource, expected in (
        ("anna", ["hair-short", "hair-long"]),
        ("ben", ["hair-short"]),
        ("studio-room", []),
    ):
        path = f"bookingResource/{resources[resource]}/customEntity/{TYPE}/list"
        assert custom_ids(api, path) == expected, resource


def test_an_appointments_entities_are_its_services(api: ModuleApi) -> None:
    beard = api.template_id("beard-trim")
    slot = api.content(api.slot_path(beard, "earliest"))
    assert slot is not None
    booked = api.book(slot["id"], new_custom_id("entities"))
    assert booked.status_code == 201, booked.text
    appointment = booked.json()["content"]["id"]
    path = f"appointment/{appointment}/customEntity/{TYPE}/list"
    template_path = f"bookingTemplate/{beard}/customEntity/{TYPE}/list"
    assert listed(api, path) == listed(api, template_path)
    assert custom_ids(api, path) == ["hair-short"]
    assert listed(api, f"appointment/{appointment}/customEntity/{UNKNOWN_TYPE}/list") == []
    assert api.appointment(appointment, "cancel").status_code == 200
    assert custom_ids(api, path) == ["hair-short"], "a cancelled appointment keeps them"


def test_entities_under_an_entity(api: ModuleApi) -> None:
    long = entities(api)["hair-long"]["id"]
    assert listed(api, f"customEntity/{long}/customEntity/{TYPE}/list") == [], "none in the demo"
    resp = api.get(api.org_path(f"customEntity/6T{UNKNOWN}/customEntity/{TYPE}/list"))
    assert_error(resp, 404, "customEntityId")
    resp = api.get(api.org_path(f"customEntity/nonsense/customEntity/{TYPE}/list"))
    assert_error(resp, 400, "customEntityId")


def test_add_then_identify_show_and_list(api: ModuleApi) -> None:
    kind, custom_id = fresh_type(), new_custom_id("car")
    resp = api.post(
        api.org_path(f"customEntity/{kind}/add"), json={"customId": custom_id, "name": "Van"}
    )
    assert resp.status_code == 201, resp.text
    added = resp.json()["content"]
    assert set(added) == ENTITY_KEYS
    assert added["class"] == "CUSTOM_ENTITY"
    assert added["id"].startswith("6T")
    assert len(added["id"]) == 32
    assert (added["customId"], added["type"], added["name"]) == (custom_id, kind, "Van")
    assert api.content(api.org_path(f"customEntity/{kind}/{custom_id}/identify")) == added
    assert api.content(api.org_path(f"customEntity/{kind}/{added['id']}/show")) == added
    assert custom_ids(api, f"customEntity/{kind}/list") == [custom_id]
    assert custom_id not in entities(api), "another type's list does not hold it"
    # Tied to nothing, under nothing.
    for rest in ("bookingTemplate/list", "bookingResource/list"):
        records = api.content(api.org_path(f"customEntity/{kind}/{added['id']}/{rest}"))
        assert records["recordList"] == []
    # A customId is unique per organization and type.
    again = api.post(
        api.org_path(f"customEntity/{kind}/add"), json={"customId": custom_id, "name": "Van 2"}
    )
    assert_error(again, 409, "customId")
    other = api.post(
        api.org_path(f"customEntity/{fresh_type()}/add"), json={"customId": custom_id, "name": "X"}
    )
    assert other.status_code == 201, other.text
    # Without customId: added, found by id.
    anonymous = api.post(api.org_path(f"customEntity/{kind}/add"), json={"name": "Truck"})
    assert anonymous.status_code == 201, anonymous.text
    assert anonymous.json()["content"]["customId"] is None
    assert len(listed(api, f"customEntity/{kind}/list")) == 2


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        pytest.param({"customId": "x", "name": "A", "colour": "red"}, "colour", id="unknown-field"),
        pytest.param({"customId": "x"}, "name", id="missing-name"),
        pytest.param({"customId": "x", "name": ""}, "name", id="empty-name"),
        pytest.param({"customId": "x", "name": 7}, "name", id="number-name"),
        pytest.param({"customId": "x" * 101, "name": "A"}, "customId", id="long-customId"),
        pytest.param({"customId": ["x"], "name": "A"}, "customId", id="list-customId"),
    ],
)
def test_add_refuses_a_bad_body(api: ModuleApi, body: dict[str, Any], parameter: str) -> None:
    kind = fresh_type()
    assert_error(api.post(api.org_path(f"customEntity/{kind}/add"), json=body), 400, parameter)
    assert listed(api, f"customEntity/{kind}/list") == [], "nothing was added"


def test_add_refuses_what_is_not_a_json_object(api: ModuleApi) -> None:
    path = api.org_path(f"customEntity/{fresh_type()}/add")
    assert_error(api.post(path, json=["name"]), 400)
    assert_error(api.post(path, data="not json"), 400)
    assert_error(api.post(api.org_path("customEntity/1bad/add"), json={"name": "A"}), 400)
    assert_error(api.get(path), 405)


def test_bad_and_foreign_ids(api: ModuleApi, sandbox: SandboxProcess) -> None:
    path = api.org_path(f"customEntity/{TYPE}/nonsense/show")
    assert_error(api.get(path), 400, "customEntityId")
    for rest in ("show", "bookingTemplate/list", "bookingResource/list"):
        resp = api.get(api.org_path(f"customEntity/{TYPE}/6T{UNKNOWN}/{rest}"))
        assert_error(resp, 404, "customEntityId")
    tied = (
        ("bookingTemplate", "fc", "bookingTemplateId"),
        ("bookingResource", "br", "bookingResourceId"),
        ("appointment", "ed", "appointmentId"),
    )
    for kind, prefix, parameter in tied:
        malformed = api.get(api.org_path(f"{kind}/{prefix}short/customEntity/{TYPE}/list"))
        assert_error(malformed, 400, parameter)
        unknown = api.get(api.org_path(f"{kind}/{prefix}{UNKNOWN}/customEntity/{TYPE}/list"))
        assert_error(unknown, 404, parameter)
    long = entities(api)["hair-long"]["id"]
    branch = ModuleApi(sandbox, sandbox.branches[0])
    resp = branch.get(branch.org_path(f"customEntity/{TYPE}/{long}/show"))
    assert_error(resp, 404, "customEntityId")
    assert entities(branch) == {}
    # The main organization's token is not the branch's.
    assert_error(api.get(f"organization/{sandbox.branches[0]}/customEntity/{TYPE}/list"), 401)
