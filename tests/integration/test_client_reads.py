"""The client's read methods against a real sandbox: every route the widget reads,
typed results, caches (100 loads, slot lists after a booking), and `--quirks`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from booking_app.moduleapi import ModuleApiClient, NotFoundError, ValidationError, models
from tests.support.api import customer, new_custom_id
from tests.support.clock import now, today
from tests.support.sandbox import SandboxProcess, running_sandbox
from tests.support.sandbox_client import TEMPLATES, TOKEN, WEEK, calls, client_for, routes

pytestmark = pytest.mark.integration


@pytest.fixture
def client(clean_sandbox: SandboxProcess) -> ModuleApiClient:
    return client_for(clean_sandbox)


def by_custom_id(templates: list[models.BookingTemplate]) -> dict[str, models.BookingTemplate]:
    return {t.custom_id: t for t in templates}


def test_organization_branches_and_search(
    clean_sandbox: SandboxProcess, client: ModuleApiClient
) -> None:
    sb = clean_sandbox
    org = client.get_organization(sb.main_org)
    assert org.id == sb.main_org
    assert org.name
    assert org.time_zone == "Europe/Berlin"
    assert org.address is not None
    assert org.address.city == "Berlin"
    branches = client.list_branches(sb.main_org)
    assert {b.id for b in branches} == set(sb.branches)
    assert all(b.parent_id == sb.main_org for b in branches)
    vienna = next(b for b in branches if b.time_zone == "Europe/Vienna")
    found = client.search_organizations(sb.main_org, vienna.name)
    assert [o.id for o in found] == [vienna.id]
    assert client.search_organizations(sb.main_org, "no such studio anywhere") == []


def test_module_config_by_custom_id_and_id(
    clean_sandbox: SandboxProcess, client: ModuleApiClient
) -> None:
    org = clean_sandbox.main_org
    config = client.identify_module_config(org, "website-hair")
    assert config.id.startswith("5f")
    assert config.organization_id == org
    assert config.preselected_booking_template_id in config.booking_template_ids
    assert client.get_module_config(org, config.id) == config
    with pytest.raises(NotFoundError) as caught:
        client.identify_module_config(org, "no-such-config")
    assert caught.value.parameters == {"customId"}


def test_templates_with_steps_and_resources(
    clean_sandbox: SandboxProcess, client: ModuleApiClient
) -> None:
    org = clean_sandbox.main_org
    templates = by_custom_id(client.list_booking_templates(org))
    haircut = templates["haircut"]
    assert haircut.id.startswith("fc")
    assert haircut.duration > 0
    assert models.I18nText("de", "Haarschnitt") in haircut.public_name_i18n
    assert haircut.steps
    assert all(r.id.startswith("br") for step in haircut.steps for r in step.resources)
    assert client.get_booking_template(org, haircut.id) == haircut
    fresh = client_for(clean_sandbox)  # nothing cached: the show route itself
    assert fresh.get_booking_template(org, haircut.id) == haircut

    resources = client.list_booking_resources(org)
    anna = next(r for r in resources if r.custom_id == "anna")
    assert client.get_booking_resource(org, anna.id) == anna
    served = {t.id for t in client.list_resource_templates(org, anna.id)}
    assert haircut.id in served
    assert served <= {t.id for t in templates.values()}


def test_slot_lists_of_a_day_a_week_and_a_month(
    clean_sandbox: SandboxProcess, client: ModuleApiClient
) -> None:
    org = clean_sandbox.main_org
    haircut = by_custom_id(client.list_booking_templates(org))["haircut"]
    earliest = client.earliest_slot(org, haircut.id)
    assert earliest is not None
    assert earliest.start.tzinfo is not None
    assert earliest.start > now()
    zone = ZoneInfo("Europe/Berlin")
    day = earliest.start.astimezone(zone).date()
    iso = day.isocalendar()

    week = client.list_week(org, haircut.id, iso.year, iso.week)
    assert week.time_zone == "Europe/Berlin"
    assert week.range_start.date() == day - timedelta(days=day.weekday())
    assert (week.range_end - week.range_start) > timedelta(days=6)
    assert earliest.id in {s.id for s in week.slots}
    assert all(week.range_start <= s.start <= week.range_end for s in week.slots)

    one_day = client.list_day(org, haircut.id, day.year, day.month, day.day)
    assert {s.start.astimezone(zone).date() for s in one_day.slots} == {day}
    month = client.list_month(org, haircut.id, day.year, day.month)
    assert {s.id for s in one_day.slots} <= {s.id for s in month.slots}
    assert all(s.resource_ids for s in month.slots)


def test_course_slots_carry_seats(clean_sandbox: SandboxProcess, client: ModuleApiClient) -> None:
    org = clean_sandbox.main_org
    course = by_custom_id(client.list_booking_templates(org))["styling-workshop"]
    slot = client.earliest_slot(org, course.id)
    assert slot is not None
    assert slot.seats_total == 5
    assert slot.seats_left is not None
    assert 0 < slot.seats_left <= 5


def test_slot_years_out_of_range_are_validation_errors(
    clean_sandbox: SandboxProcess, client: ModuleApiClient
) -> None:
    org = clean_sandbox.main_org
    haircut = by_custom_id(client.list_booking_templates(org))["haircut"]
    with pytest.raises(ValidationError) as caught:
        client.list_month(org, haircut.id, today().year + 5, 1)
    assert caught.value.status == 400
    assert "year" in caught.value.parameters


def test_static_lists_in_both_languages(
    clean_sandbox: SandboxProcess, client: ModuleApiClient
) -> None:
    org = clean_sandbox.main_org
    for kind in ("timeZone", "language", "country", "currency"):
        assert len(client.static_list(org, kind)) > 100 or kind == "currency"
    english = {e.key: e.name for e in client.static_list(org, "country", lang="en")}
    german = {e.key: e.name for e in client.static_list(org, "country", lang="de")}
    assert english["DE"] == "Germany"
    assert german["DE"] == "Deutschland"
    assert {e.key for e in client.static_list(org, "currency")} >= {"EUR", "CHF"}


def test_messages_follow_the_language(
    clean_sandbox: SandboxProcess, client: ModuleApiClient
) -> None:
    org = clean_sandbox.main_org
    unknown = "fc" + "0" * 30
    texts = {}
    for lang in ("en", "de-AT", "fr"):
        with pytest.raises(NotFoundError) as caught:
            client.get_booking_template(org, unknown, lang=lang)
        texts[lang] = caught.value.failures[0][1]
    assert texts["en"] == texts["fr"]  # the API speaks en and de only
    assert texts["de-AT"] != texts["en"]


def test_a_hundred_loads_cost_one_list_call(clean_sandbox: SandboxProcess) -> None:
    sb = clean_sandbox
    client = client_for(sb)
    sb.reset_counters()
    for _ in range(100):
        assert len(client.list_booking_templates(sb.main_org)) > 1
    counts = routes(sb)
    print(f"100 loads of one organization's services: {counts}")
    assert counts == {TEMPLATES: 1, TOKEN: 2}


def test_a_booking_through_the_client_drops_the_slot_caches(
    clean_sandbox: SandboxProcess, client: ModuleApiClient
) -> None:
    sb = clean_sandbox
    org = sb.main_org
    templates = by_custom_id(client.list_booking_templates(org))
    haircut, colouring = templates["haircut"], templates["colouring"]
    slot = client.earliest_slot(org, haircut.id)
    assert slot is not None
    iso = slot.start.astimezone(ZoneInfo("Europe/Berlin")).isocalendar()
    before = client.list_week(org, haircut.id, iso.year, iso.week)
    client.list_week(org, colouring.id, iso.year, iso.week)
    sb.reset_counters()
    assert client.list_week(org, haircut.id, iso.year, iso.week) == before
    assert calls(sb, WEEK) == 0  # cached

    client.add_appointment(
        org,
        {"bookingSlotId": slot.id, "customId": new_custom_id("c"), "customer": customer()},
    )
    after = client.list_week(org, haircut.id, iso.year, iso.week)
    client.list_week(org, colouring.id, iso.year, iso.week)
    assert calls(sb, WEEK) == 2  # both asked again: they may share the booked resource
    assert slot.id not in {s.id for s in after.slots}
    assert client.earliest_slot(org, haircut.id) != slot


@pytest.fixture(scope="module")
def quirky(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """A private sandbox answering with the SDK sample data's quirks."""
    with running_sandbox(tmp_path_factory.mktemp("client-quirks"), "--quirks") as proc:
        yield proc


def test_quirks_load_cleanly_and_equal_the_plain_answers(
    quirky: SandboxProcess, clean_sandbox: SandboxProcess
) -> None:
    odd, plain = client_for(quirky), client_for(clean_sandbox)
    org = quirky.main_org
    assert org == clean_sandbox.main_org  # the same demo seed
    assert odd.get_organization(org) == plain.get_organization(org)
    assert odd.list_branches(org) == plain.list_branches(org)
    assert odd.list_booking_resources(org) == plain.list_booking_resources(org)
    config = odd.identify_module_config(org, "website-hair")
    assert config == plain.identify_module_config(org, "website-hair")
    templates = odd.list_booking_templates(org)
    assert templates == plain.list_booking_templates(org)
    consultation = by_custom_id(templates)["consultation"]
    assert consultation.name_i18n == ()
    assert consultation.additional_data == {}
    assert consultation.address is None
    for template in templates:
        assert isinstance(template.duration, int)
        assert template.price_gross is None or isinstance(template.price_gross, float)
        slot = odd.earliest_slot(org, template.id)
        if slot is None:
            continue
        iso = slot.start.isocalendar()
        week = odd.list_week(org, template.id, iso.year, iso.week)
        assert week.slots
        if template.custom_id == "styling-workshop":
            assert slot.seats_total == 5
    for kind in ("timeZone", "language", "country", "currency"):
        assert odd.static_list(org, kind) == plain.static_list(org, kind)
