"""The sandbox's custom-entity routes (`6T…`, docs/sandbox.md), over real HTTP."""

from __future__ import annotations

from typing import Any

from tests.support.api import ModuleApi, assert_error
from tests.support.sandbox import SandboxProcess


def entities(api: ModuleApi) -> dict[str, dict[str, Any]]:
    listing = api.content(api.org_path("customEntity/list"))
    assert listing["class"] == "LIST"
    return {e["customId"]: e for e in listing["recordList"]}


def test_list_show_and_ties(sandbox: SandboxProcess) -> None:
    api = ModuleApi(sandbox)
    found = entities(api)
    assert set(found) == {"hair-short", "hair-long"}
    long = found["hair-long"]
    assert long["class"] == "CUSTOM_ENTITY"
    assert long["id"].startswith("6T")
    assert len(long["id"]) == 32
    assert {"key": "de", "value": "Lange Haare"} in long["nameI18nList"]
    shown = api.content(api.org_path(f"customEntity/{long['id']}/show"))
    assert shown == long
    templates = api.content(api.org_path(f"customEntity/{long['id']}/bookingTemplate/list"))
    custom_ids = [t["customId"] for t in templates["recordList"]]
    assert "colouring" in custom_ids
    assert "beard-trim" not in custom_ids
    all_templates = [
        t["customId"] for t in api.content(api.org_path("bookingTemplate/list"))["recordList"]
    ]
    assert custom_ids == [c for c in all_templates if c in custom_ids], "in service order"
    resources = api.content(api.org_path(f"customEntity/{long['id']}/bookingResource/list"))
    assert {r["customId"] for r in resources["recordList"]} == {"anna", "chloe"}


def test_bad_and_foreign_ids(sandbox: SandboxProcess) -> None:
    api = ModuleApi(sandbox)
    assert_error(api.get(api.org_path("customEntity/nonsense/show")), 400, "customEntityId")
    missing = "6T" + "0" * 30
    assert_error(api.get(api.org_path(f"customEntity/{missing}/show")), 404, "customEntityId")
    long = entities(api)["hair-long"]["id"]
    branch = ModuleApi(sandbox, sandbox.branches[0])
    assert_error(branch.get(branch.org_path(f"customEntity/{long}/show")), 404, "customEntityId")
    assert branch.content(branch.org_path("customEntity/list"))["recordList"] == []
