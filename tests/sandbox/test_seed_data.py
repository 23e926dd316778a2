"""The demo seed's data file: what it loads to, what it writes, and what it refuses."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest

from booking_app.sandbox import ids
from booking_app.sandbox.seed import (
    DATA_FILE,
    DEMO_BRANCH_IDS,
    DEMO_CLIENT_ID,
    DEMO_MODULE_CONFIG_ID,
    DEMO_MODULE_ID,
    DEMO_ORG_ID,
    SeedDataError,
    load_seed,
    seed_demo,
)
from booking_app.sandbox.store import Store

ORGANIZATIONS = ["demo-main", "demo-branch-mitte", "demo-branch-wien"]
TEMPLATES = {  # customId: (organization, position)
    "haircut": ("demo-main", 0),
    "colouring": ("demo-main", 1),
    "beard-trim": ("demo-main", 2),
    "consultation": ("demo-main", 3),
    "head-massage": ("demo-main", 4),
    "wedding-styling": ("demo-main", 5),
    "styling-workshop": ("demo-main", 6),
    "mitte-haircut": ("demo-branch-mitte", 0),
    "wien-haircut": ("demo-branch-wien", 0),
}
RESOURCES = ["anna", "ben", "chloe", "studio-room", "dana", "emil"]


def packaged_text() -> str:
    return resources.files("booking_app.sandbox").joinpath(DATA_FILE).read_text(encoding="utf-8")


def test_the_file_ships_in_the_package() -> None:
    assert resources.files("booking_app.sandbox").joinpath(DATA_FILE).is_file()


def test_organizations_are_the_main_one_and_its_two_branches() -> None:
    orgs = load_seed().of("organization")
    assert [row.key for row in orgs] == ORGANIZATIONS
    assert [row.columns["id"] for row in orgs] == [
        ids.stable_id(ids.ORGANIZATION, key) for key in ORGANIZATIONS
    ]
    assert orgs[0].columns["id"] == DEMO_ORG_ID
    assert tuple(row.columns["id"] for row in orgs[1:]) == DEMO_BRANCH_IDS
    assert [row.links.get("parent_rowid") for row in orgs] == [
        None,
        ("organization", "demo-main"),
        ("organization", "demo-main"),
    ]
    wien = json.loads(orgs[2].columns["data"])
    assert (wien["timeZone"], wien["address"]["country"]) == ("Europe/Vienna", "AT")
    assert (wien["logo"], wien["address"]["geoCoordinates"]) == (None, None)


def test_templates_resources_and_config_carry_the_derived_ids() -> None:
    seed = load_seed()
    templates = seed.of("booking_template")
    assert {
        row.key: (row.link("organization_rowid"), row.columns["position"]) for row in templates
    } == TEMPLATES
    assert [row.columns["id"] for row in templates] == [
        ids.stable_id(ids.BOOKING_TEMPLATE, key) for key in TEMPLATES
    ]
    assert [row.key for row in seed.of("booking_resource")] == RESOURCES
    (module,) = seed.of("module")
    assert module.columns["id"] == DEMO_MODULE_ID == ids.stable_id(ids.MODULE, "demo-module")
    # The OAuth client id is a value of its own, never a module id.
    assert module.columns["client_id"] == DEMO_CLIENT_ID == ids.client_id_for(DEMO_MODULE_ID)
    assert DEMO_CLIENT_ID != DEMO_MODULE_ID
    assert re.fullmatch(r"demo-client-[0-9A-Za-z]{20}", DEMO_CLIENT_ID)
    assert not ids.is_valid_id(DEMO_CLIENT_ID, ids.MODULE)
    (config,) = seed.of("module_config")
    assert config.columns["id"] == DEMO_MODULE_CONFIG_ID
    assert config.columns["custom_id"] == "website-hair"
    listed = json.loads(config.columns["data"])["bookingTemplateIdList"]
    assert listed == [
        ids.stable_id(ids.BOOKING_TEMPLATE, key)
        for key in ("haircut", "beard-trim", "styling-workshop")
    ]


def test_a_template_document_keeps_the_api_field_order_and_types() -> None:
    (haircut,) = [row for row in load_seed().of("booking_template") if row.key == "haircut"]
    document = json.loads(haircut.columns["data"])
    assert list(document)[:7] == [
        "id",
        "customId",
        "name",
        "nameI18nList",
        "publicName",
        "publicNameI18nList",
        "image",
    ]
    assert document["publicNameI18nList"] == document["nameI18nList"]
    assert [entry["key"] for entry in document["nameI18nList"]] == ["en", "de", "fr", "es"]
    assert (document["priceGross"], document["bookingLeadTime"]) == (35.0, 120)
    assert (document["image"], document["address"]) == (None, None)
    assert haircut.columns["slot_step"] == 15


def test_custom_entities_are_of_the_camel_case_type_and_carry_an_image_field() -> None:
    entities = load_seed().of("custom_entity")
    assert [row.key for row in entities] == ["hair-short", "hair-long"]
    for row in entities:
        document = json.loads(row.columns["data"])
        assert row.columns["type"] == document["type"] == "hairLength"
        assert row.columns["parent_rowid"] is None
        assert list(document) == [
            *("id", "customId", "type", "name", "nameI18nList", "description"),
            *("descriptionI18nList", "image", "additionalData"),
        ]
        assert document["image"] is None


def test_seeding_writes_every_loaded_row(tmp_path: Path) -> None:
    seed = load_seed()
    store = Store(tmp_path / "sandbox.db")
    seed_demo(store)
    db = store.connection()
    for table in {row.table for row in seed.rows}:
        (count,) = db.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
        assert count == len(seed.of(table)), table
    rows = db.execute("SELECT custom_id, course_times, seats FROM booking_template").fetchall()
    assert [row["custom_id"] for row in rows] == list(TEMPLATES)
    assert [tuple(row)[1:] for row in rows if row["seats"] > 1] == [('[[5,"12:00"]]', 5)]


# (text of the packaged file, its replacement, the key the error must name)
MALFORMED = [
    ("duration = 90\n", 'duration = "90"\n', "templates.colouring.duration"),
    ("duration = 90\n", "duraton = 90\n", "templates.colouring.duraton"),
    ("slot_step = 20\n", "", "templates.beard-trim.slot_step"),
    ('["ben"]', '["bob"]', "templates.beard-trim.steps[0].resources[0]"),
    ('role = "barber"', 'role = "baker"', "resources.ben.role"),
    ('[["09:00", "15:00"]]', '[["09:00", "25:00"]]', "resources.chloe.hours[1].spans[0][1]"),
    ('name = "Studio Morgenrot"\n', "", "organizations.demo-main.name"),
    ('preselected = "haircut"', 'preselected = "colouring"', "module_config.preselected"),
    ('sector = "HAIRDRESSER"', 'sector = "X"\nlogo = ""', "defaults.organization.logo"),
    ("[templates.haircut]\n", '[templates.haircut]\nid = "fc1"\n', "templates.haircut.id"),
    ('type = "hairLength"', 'type = "hair length"', "defaults.custom_entity.type"),
    (
        'name = "Long hair"\n',
        'name = "Long hair"\ntype = "2long"\n',
        "custom_entities.hair-long.type",
    ),
]


@pytest.mark.parametrize(("old", "new", "key"), MALFORMED, ids=[case[2] for case in MALFORMED])
def test_a_malformed_file_is_refused_naming_the_file_and_the_key(
    tmp_path: Path, old: str, new: str, key: str
) -> None:
    text = packaged_text()
    assert old in text
    broken = tmp_path / "broken.toml"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(SeedDataError) as refused:
        load_seed(broken)
    assert str(refused.value).startswith(f"{broken}: {key}: ")


def test_a_file_that_is_not_toml_is_refused_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text(packaged_text().replace("[templates.haircut]", "[templates.haircut"))
    with pytest.raises(SeedDataError, match=r"broken\.toml: not valid TOML: .*line \d+"):
        load_seed(broken)
