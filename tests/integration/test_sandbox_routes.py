"""Every route of the Module API table: envelope, shapes, ids, languages, the demo seed."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from typing import Any

import pytest
import requests

from tests.support.api import (
    TIMEOUT,
    ModuleApi,
    assert_envelope,
    assert_error,
    failures,
    new_custom_id,
)
from tests.support.clock import today
from tests.support.sandbox import SandboxProcess

pytestmark = pytest.mark.integration

ID = re.compile(r"^[0-9A-Za-z]{32}$")
PREFIX_BY_CLASS = {
    "ORGANIZATION": ("f6",),
    "MODULE_CONFIG": ("5f",),
    "BOOKING_TEMPLATE": ("fc",),
    "BOOKING_RESOURCE": ("br",),
    "BOOKING_SLOT": ("4f",),
    "APPOINTMENT": ("ed", "pd"),
    "FILE": ("w1",),
}
# Fields that hold ids of a known entity, wherever they appear.
PREFIX_BY_FIELD = {
    "organizationId": ("f6",),
    "parentId": ("f6",),
    "preselectedBookingTemplateId": ("fc",),
    "bookingTemplateIdList": ("fc",),
    "bookingResourceCombination": ("br",),
    "appointmentId": ("ed", "pd"),
}
UNKNOWN = "0" * 30  # a well-formed id body that the seed never produces


def check_ids(value: Any) -> int:
    """Assert every id in a response has its entity's prefix and 32 characters."""
    seen = 0
    if isinstance(value, list):
        return sum(check_ids(v) for v in value)
    if not isinstance(value, dict):
        return 0
    prefixes = PREFIX_BY_CLASS.get(value.get("class", ""))
    if prefixes is not None:
        assert ID.match(value["id"]), value["id"]
        assert value["id"][:2] in prefixes, (value["class"], value["id"])
        seen += 1
    for key, item in value.items():
        if key in PREFIX_BY_FIELD and item is not None:
            for one in item if isinstance(item, list) else [item]:
                assert ID.match(one), (key, one)
                assert one[:2] in PREFIX_BY_FIELD[key], (key, one)
                seen += 1
        elif key == "customer" and isinstance(item, dict):
            assert ID.match(item["id"]), item
            assert item["id"].startswith("d3"), item
        seen += check_ids(item)
    return seen


def assert_list(content: Any) -> list[dict[str, Any]]:
    """A LIST collection; returns its records."""
    assert content["class"] == "LIST"
    assert isinstance(content["recordTotal"], int)
    assert isinstance(content["recordLimit"], int)
    assert isinstance(content["recordList"], list)
    assert content["recordTotal"] == len(content["recordList"])
    assert content["recordLimit"] >= content["recordTotal"]
    return list(content["recordList"])


def assert_range_list(content: Any, tz: str) -> list[dict[str, Any]]:
    """A RANGE_LIST of BOOKING_SLOTs; returns the slots."""
    assert set(content) >= {"class", "rangeStart", "rangeEnd", "timeZone", "list"}
    assert content["class"] == "RANGE_LIST"
    assert content["timeZone"] == tz
    assert re.match(r"^\d{4}-\d\d-\d\dT00:00:00[+-]\d\d:\d\d$", content["rangeStart"])
    assert re.match(r"^\d{4}-\d\d-\d\dT23:59:59[+-]\d\d:\d\d$", content["rangeEnd"])
    for slot in content["list"]:
        assert slot["class"] == "BOOKING_SLOT"
        assert ID.match(slot["id"])
        assert slot["id"].startswith("4f")
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:00\+00:00$", slot["timestamp"])
        combo = slot["bookingResourceCombination"]
        assert isinstance(combo, list)
        assert combo
        assert all(ID.match(r) and r.startswith("br") for r in combo)
    stamps = [s["timestamp"] for s in content["list"]]
    assert stamps == sorted(stamps)
    return list(content["list"])


@pytest.fixture(scope="module")
def api(sandbox: SandboxProcess) -> ModuleApi:
    return ModuleApi(sandbox)


def test_organization_show(api: ModuleApi, sandbox: SandboxProcess) -> None:
    resp = api.get(f"organization/{sandbox.main_org}/show")
    body = assert_envelope(resp)
    assert resp.status_code == 200
    assert body["messageList"] == []
    org = body["content"]
    assert org["class"] == "ORGANIZATION"
    assert org["id"] == sandbox.main_org
    assert org["timeZone"] == "Europe/Berlin"
    assert org["currency"] == "EUR"
    assert org["parentId"] is None
    for field in ("customId", "name", "address", "telephone", "email", "openingHours", "sector"):
        assert field in org
    assert check_ids(org) >= 1


def test_branches_and_search(api: ModuleApi, sandbox: SandboxProcess) -> None:
    module = f"module/{sandbox.module_id}"
    branches = assert_list(
        api.content(f"{module}/organization/{sandbox.main_org}/organization/list")
    )
    assert [b["id"] for b in branches] == sandbox.branches
    assert all(b["parentId"] == sandbox.main_org for b in branches)
    assert {b["timeZone"] for b in branches} == {"Europe/Berlin", "Europe/Vienna"}
    check_ids(branches)

    everything = assert_list(api.content(f"{module}/organization/filter?searchQuery="))
    assert {o["id"] for o in everything} == {sandbox.main_org, *sandbox.branches}
    wien = assert_list(api.content(f"{module}/organization/filter?searchQuery=wien"))
    assert [o["timeZone"] for o in wien] == ["Europe/Vienna"]
    assert assert_list(api.content(f"{module}/organization/filter?searchQuery=zzzz-none")) == []
    # Another module's id: not this token's module.
    assert_error(api.get(f"module/23{UNKNOWN}/organization/filter"), 401)
    assert_error(api.get("module/23short/organization/filter"), 400, "moduleId")


def test_the_ready_line_names_the_client_id_and_the_module_id(sandbox: SandboxProcess) -> None:
    info = sandbox.info
    assert info["event"] == "sandbox-ready"
    assert ID.match(info["module_id"])
    assert info["module_id"].startswith("23")
    assert re.fullmatch(r"demo-client-[0-9A-Za-z]{20}", info["client_id"])
    assert (sandbox.client_id, sandbox.module_id) == (info["client_id"], info["module_id"])


def test_the_modules_config_for_an_organization(api: ModuleApi, sandbox: SandboxProcess) -> None:
    def path(module: str, org: str) -> str:
        return f"module/{module}/organization/{org}/moduleConfig/show"

    config = api.content(path(sandbox.module_id, sandbox.main_org))
    assert config == api.content(api.org_path("moduleConfig/website-hair/identify"))
    assert config["class"] == "MODULE_CONFIG"
    check_ids(config)
    # A branch has no module config of its own.
    branch = ModuleApi(sandbox, sandbox.branches[0])
    missing = branch.get(path(sandbox.module_id, sandbox.branches[0]))
    assert_error(missing, 404, "moduleConfigId")
    # The checks of every module route: the path's module must be the token's, and
    # the token must be for the organization.
    assert_error(api.get(path(sandbox.client_id, sandbox.main_org)), 400, "moduleId")
    assert_error(api.get(path(f"23{UNKNOWN}", sandbox.main_org)), 401)
    assert_error(api.get(path(sandbox.module_id, sandbox.branches[0])), 401)
    assert_error(api.get(path(sandbox.module_id, "f6short")), 400, "organizationId")
    stranger = ModuleApi(sandbox, token="not-a-token")
    assert_error(stranger.get(path(sandbox.module_id, sandbox.main_org)), 401)


def test_module_config_show_and_identify(api: ModuleApi, sandbox: SandboxProcess) -> None:
    config = api.content(api.org_path("moduleConfig/website-hair/identify"))
    assert config["class"] == "MODULE_CONFIG"
    assert config["id"].startswith("5f")
    assert config["organizationId"] == sandbox.main_org
    shown = api.content(api.org_path(f"moduleConfig/{config['id']}/show"))
    assert shown == config
    template_ids = {t["id"] for t in api.templates().values()}
    assert config["bookingTemplateIdList"]
    assert set(config["bookingTemplateIdList"]) <= template_ids
    assert config["preselectedBookingTemplateId"] in config["bookingTemplateIdList"]
    check_ids(config)
    assert_error(api.get(api.org_path("moduleConfig/no-such-config/identify")), 404, "customId")
    assert_error(api.get(api.org_path(f"moduleConfig/5f{UNKNOWN}/show")), 404, "moduleConfigId")
    assert_error(api.get(api.org_path(f"moduleConfig/fc{UNKNOWN}/show")), 400, "moduleConfigId")


def test_templates_list_show_and_resources(api: ModuleApi) -> None:
    templates = assert_list(api.content(api.org_path("bookingTemplate/list")))
    check_ids(templates)
    for tpl in templates:
        assert tpl["class"] == "BOOKING_TEMPLATE"
        for field in (
            "customId",
            "name",
            "nameI18nList",
            "publicName",
            "publicNameI18nList",
            "duration",
            "showPrice",
            "priceGross",
            "currency",
            "taxRate",
            "descriptionI18nList",
            "customerEmailRequired",
            "customerMobileRequired",
            "customerAddressRequired",
            "appointmentAddressRequired",
            "bookingDayEarliest",
            "bookingDayLatest",
            "bookingLeadTime",
            "bookingStepList",
        ):
            assert field in tpl, (tpl["customId"], field)
        assert tpl["bookingStepList"]
        for step in tpl["bookingStepList"]:
            assert step["class"] == "BOOKING_STEP"
            assert step["bookingResourceList"]
        assert api.content(api.org_path(f"bookingTemplate/{tpl['id']}/show")) == tpl

    resources = assert_list(api.content(api.org_path("bookingResource/list")))
    check_ids(resources)
    for res in resources:
        assert res["class"] == "BOOKING_RESOURCE"
        assert api.content(api.org_path(f"bookingResource/{res['id']}/show")) == res
    anna = next(r for r in resources if r["customId"] == "anna")
    anna_templates = assert_list(
        api.content(api.org_path(f"bookingResource/{anna['id']}/bookingTemplate/list"))
    )
    names = {t["customId"] for t in anna_templates}
    assert {"haircut", "colouring"} <= names
    assert "beard-trim" not in names  # Ben only
    for tpl in anna_templates:
        staff = {r["id"] for s in tpl["bookingStepList"] for r in s["bookingResourceList"]}
        assert anna["id"] in staff


def test_slot_routes_shapes(api: ModuleApi) -> None:
    haircut = api.template_id("haircut")
    earliest = api.content(api.slot_path(haircut, "earliest"))
    assert earliest["class"] == "BOOKING_SLOT"
    check_ids(earliest)
    day = today() + timedelta(days=14)
    week = assert_range_list(api.week(haircut, day), "Europe/Berlin")
    assert week, "two weeks ahead the haircut has free slots"
    assert earliest["timestamp"] <= week[0]["timestamp"]
    assert_range_list(api.day(haircut, day), "Europe/Berlin")
    assert_range_list(api.month(haircut, day.year, day.month), "Europe/Berlin")
    check_ids(week)


@pytest.mark.parametrize("kind", ["timeZone", "language", "country", "currency"])
def test_static_lists(api: ModuleApi, kind: str) -> None:
    records = assert_list(api.content(f"static/{kind}/list"))
    assert len(records) > 10
    keys = [r["key"] for r in records]
    assert len(set(keys)) == len(keys)
    assert all(isinstance(r["name"], str) and r["name"] for r in records)
    sample = {"timeZone": "Europe/Berlin", "language": "de", "country": "AT", "currency": "EUR"}
    assert sample[kind] in keys


def test_static_lists_are_translated_by_lang(api: ModuleApi) -> None:
    en = {r["key"]: r["name"] for r in api.content("static/country/list")["recordList"]}
    de = {
        r["key"]: r["name"]
        for r in api.with_lang("de").content("static/country/list")["recordList"]
    }
    assert en["DE"] != de["DE"]  # Germany / Deutschland
    assert_error(api.get("static/planet/list"), 404)


def test_appointment_routes_and_file_upload(api: ModuleApi, sandbox: SandboxProcess) -> None:
    beard = api.template_id("beard-trim")
    slots = api.free_slots(beard, today() + timedelta(weeks=6))
    custom_id = new_custom_id("routes")
    added = api.book(slots[0]["id"], custom_id)
    body = assert_envelope(added)
    assert added.status_code == 201, added.text
    assert [m["type"] for m in body["messageList"]] == ["success"]
    appt = body["content"]
    assert appt["class"] == "APPOINTMENT"
    assert appt["id"].startswith("ed")
    assert appt["customId"] == custom_id
    assert appt["organizationId"] == sandbox.main_org
    assert appt["start"] == slots[0]["timestamp"]
    assert appt["duration"] == 20
    assert appt["canceled"] is False
    assert appt["moved"] is False
    check_ids(appt)

    shown = api.appointment(appt["id"], "show")
    assert shown.status_code == 200
    protected = api.appointment(appt["id"], "showProtected")
    assert protected.status_code == 200
    assert shown.json()["content"]["customer"] is None
    assert shown.json()["content"]["protected"] is False
    customer = protected.json()["content"]["customer"]
    assert protected.json()["content"]["protected"] is True
    assert customer["firstName"] == "Erika"
    assert customer["email"] == "erika@example.com"
    assert customer["id"].startswith("d3")
    # show hides nothing else: everything but customer/protected is the same.
    strip = {"customer", "protected"}
    plain = {k: v for k, v in shown.json()["content"].items() if k not in strip}
    full = {k: v for k, v in protected.json()["content"].items() if k not in strip}
    assert plain == full
    identified = api.content(api.org_path(f"appointment/{custom_id}/identify"))
    assert identified["id"] == appt["id"]

    pdf = b"%PDF-1.4 tiny"
    upload = api.post(
        api.org_path("file/add"),
        json={
            "name": "Reference photo",
            "fileName": "photo.pdf",
            "fileContent": base64.b64encode(pdf).decode(),
            "appointmentId": appt["id"],
        },
    )
    assert upload.status_code == 201, upload.text
    file = upload.json()["content"]
    assert file["id"].startswith("w1")
    assert file["size"] == len(pdf)
    files = api.content(api.org_path(f"appointment/{appt['id']}/showProtected"))["fileList"]
    assert [f["id"] for f in files] == [file["id"]]
    bad = api.post(
        api.org_path("file/add"),
        json={
            "name": "x",
            "fileName": "x.txt",
            "fileContent": "%%% not base64",
            "appointmentId": appt["id"],
        },
    )
    assert_error(bad, 400, "fileContent")
    download = api.get(api.org_path(f"file/{file['id']}/download"))
    assert download.status_code == 200
    assert download.content == pdf, "raw bytes, not JSON"
    assert_error(api.get(api.org_path(f"file/w1{UNKNOWN}/download")), 404, "fileId")


def test_identify_routes_of_templates_resources_and_branches(
    api: ModuleApi, sandbox: SandboxProcess
) -> None:
    templates = api.templates()
    haircut = api.content(api.org_path("bookingTemplate/haircut/identify"))
    assert haircut["id"] == templates["haircut"]["id"]
    resource = next(iter(api.resources().values()))
    found = api.content(api.org_path(f"bookingResource/{resource['customId']}/identify"))
    assert found["id"] == resource["id"]
    branches = api.content(
        f"module/{sandbox.module_id}/organization/{sandbox.main_org}/organization/list"
    )
    branch = branches["recordList"][0]
    identified = api.content(api.org_path(f"organization/{branch['customId']}/identify"))
    assert identified["id"] == branch["id"]
    for kind in ("bookingTemplate", "bookingResource", "organization"):
        assert_error(api.get(api.org_path(f"{kind}/no-such-thing/identify")), 404, "customId")


def test_the_rest_of_the_sdks_routes(api: ModuleApi) -> None:
    assert assert_list(api.content(api.org_path("bookingCategory/tree"))) == []
    sectors = assert_list(api.content("static/sector/list"))
    assert "01ab" in {s["key"] for s in sectors}  # the SDK sample's sector
    for code in (400, 401, 403, 404, 405, 500):
        assert api.get(f"static/error/{code}/show").status_code == code
    assert api.get("static/error/418/show").status_code == 404


def test_messages_come_in_en_and_de(api: ModuleApi) -> None:
    path = api.org_path(f"bookingTemplate/fc{UNKNOWN}/show")
    en, de = api.get(path), api.with_lang("de").get(path)
    assert en.status_code == de.status_code == 404
    (m_en,), (m_de,) = failures(en), failures(de)
    assert m_en["parameter"] == m_de["parameter"] == "bookingTemplateId"
    assert m_en["text"] != m_de["text"]
    # Validation failures too, message by message.
    body = {"bookingSlotId": "", "customer": {"email": "nope"}, "extra": 1}
    en_v = api.post(api.org_path("appointment/add"), json=body)
    de_v = api.with_lang("de").post(api.org_path("appointment/add"), json=body)
    assert en_v.status_code == de_v.status_code == 400
    pairs_en = sorted((m["parameter"] or "", m["text"]) for m in failures(en_v))
    pairs_de = sorted((m["parameter"] or "", m["text"]) for m in failures(de_v))
    assert [p for p, _ in pairs_en] == [p for p, _ in pairs_de]
    assert all(a != b for (_, a), (_, b) in zip(pairs_en, pairs_de, strict=True))
    assert {"customer.firstName", "customer.email", "extra"} <= {p for p, _ in pairs_en}


@pytest.mark.parametrize("lang", ["fr", "EN", "xx", "en-GB", "d"])
def test_unknown_lang_is_404(api: ModuleApi, sandbox: SandboxProcess, lang: str) -> None:
    resp = api.with_lang(lang).get(f"organization/{sandbox.main_org}/show")
    assert_error(resp, 404)


def test_unknown_routes_and_methods_answer_envelopes(
    api: ModuleApi, sandbox: SandboxProcess
) -> None:
    assert_error(api.get(f"organization/{sandbox.main_org}/nothing/here"), 404)
    resp = requests.get(f"{sandbox.root}/no/such/page", timeout=TIMEOUT)
    assert_error(resp, 404)
    resp = api.request("DELETE", api.org_path("appointment/add"))
    assert_error(resp, 405)
    resp = api.get(api.org_path("appointment/add"))
    assert_error(resp, 405)


def _unknown_routes(api: ModuleApi) -> list[tuple[str, str, str | None]]:
    haircut = api.template_id("haircut")
    year = today().year
    return [
        ("GET", api.org_path(f"bookingTemplate/fc{UNKNOWN}/show"), "bookingTemplateId"),
        ("GET", api.org_path(f"bookingResource/br{UNKNOWN}/show"), "bookingResourceId"),
        (
            "GET",
            api.org_path(f"bookingResource/br{UNKNOWN}/bookingTemplate/list"),
            "bookingResourceId",
        ),
        ("GET", api.org_path(f"moduleConfig/5f{UNKNOWN}/show"), "moduleConfigId"),
        ("GET", api.slot_path(f"fc{UNKNOWN}", "earliest"), "bookingTemplateId"),
        ("GET", api.slot_path(f"fc{UNKNOWN}", f"year/{year}/week/2/listWeek"), "bookingTemplateId"),
        ("GET", api.org_path(f"appointment/ed{UNKNOWN}/show"), "appointmentId"),
        ("GET", api.org_path(f"appointment/pd{UNKNOWN}/showProtected"), "appointmentId"),
        ("PUT", api.org_path(f"appointment/ed{UNKNOWN}/cancel"), "appointmentId"),
        ("GET", api.org_path("appointment/no-such-custom-id/identify"), "customId"),
        ("GET", api.slot_path(haircut, "nothing"), None),
    ]


def test_unknown_well_formed_ids_are_404(api: ModuleApi, sandbox: SandboxProcess) -> None:
    for method, path, parameter in _unknown_routes(api):
        resp = api.request(method, path)
        assert_error(resp, 404, parameter)
    branch = ModuleApi(sandbox, sandbox.branches[0])
    mitte_tpl = branch.template_id("mitte-haircut")
    assert_error(api.get(api.org_path(f"bookingTemplate/{mitte_tpl}/show")), 404)


@pytest.mark.parametrize(
    ("make_id", "why"),
    [
        (lambda good: "xx" + good[2:], "wrong-prefix"),
        (lambda good: good[:-1], "31-chars"),
        (lambda good: good + "A", "33-chars"),
        (lambda good: good[:2] + "-" * 30, "punctuation"),
        (lambda good: good[:2] + "ü" * 30, "non-ascii"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_malformed_ids_are_400_naming_the_parameter(
    api: ModuleApi, sandbox: SandboxProcess, make_id: Any, why: str
) -> None:
    tpl = api.template_id("haircut")
    res = next(iter(api.resources().values()))["id"]
    config = api.content(api.org_path("moduleConfig/website-hair/identify"))["id"]
    appt = "ed" + "1" * 30
    cases = [
        (f"organization/{make_id(sandbox.main_org)}/show", "organizationId"),
        (f"organization/{make_id(sandbox.main_org)}/bookingTemplate/list", "organizationId"),
        (api.org_path(f"bookingTemplate/{make_id(tpl)}/show"), "bookingTemplateId"),
        (api.slot_path(make_id(tpl), "earliest"), "bookingTemplateId"),
        (api.org_path(f"bookingResource/{make_id(res)}/show"), "bookingResourceId"),
        (api.org_path(f"moduleConfig/{make_id(config)}/show"), "moduleConfigId"),
        (api.org_path(f"appointment/{make_id(appt)}/show"), "appointmentId"),
        (api.org_path(f"appointment/{make_id(appt)}/showProtected"), "appointmentId"),
        (
            f"module/{sandbox.module_id}/organization/{make_id(sandbox.main_org)}"
            "/organization/list",
            "organizationId",
        ),
    ]
    for path, parameter in cases:
        assert_error(api.get(path), 400, parameter)
    for action in ("move", "cancel"):
        resp = api.put(api.org_path(f"appointment/{make_id(appt)}/{action}"), json={})
        assert_error(resp, 400, "appointmentId")


def test_demo_seed_facts(api: ModuleApi, sandbox: SandboxProcess) -> None:
    assert len(sandbox.branches) == 2
    templates = api.templates()
    assert len(templates) >= 5
    langs = {"en", "de", "fr", "es"}
    full = [t for t in templates.values() if {e["key"] for e in t["publicNameI18nList"]} >= langs]
    assert len(full) >= 4
    assert [t for t in templates.values() if t["publicNameI18nList"] == []], "one untranslated"
    assert [
        t for t in templates.values() if [e["key"] for e in t["publicNameI18nList"]] == ["de-AT"]
    ], "one translated only into de-AT"
    assert {t["currency"] for t in templates.values()} == {"EUR"}
    assert all(isinstance(t["priceGross"], int | float) for t in templates.values())
    assert any(t["showPrice"] and t["priceGross"] > 0 for t in templates.values())
    assert templates["colouring"]["customerMobileRequired"] is True
    two_steps = [t for t in templates.values() if len(t["bookingStepList"]) == 2]
    assert two_steps, "a service needing a stylist and a room"
    # The course: its slots carry seats.
    course = templates["styling-workshop"]
    slot = api.content(api.slot_path(course["id"], "earliest"))
    assert slot["seatsTotal"] == 5
    assert 0 < slot["seatsLeft"] <= 5
    # A module config exists and lists templates in order.
    config = api.content(api.org_path("moduleConfig/website-hair/identify"))
    assert config["bookingTemplateIdList"][0] == templates["haircut"]["id"]
    # Each branch has its own service.
    for branch, name in zip(sandbox.branches, ("mitte-haircut", "wien-haircut"), strict=True):
        assert name in ModuleApi(sandbox, branch).templates()
