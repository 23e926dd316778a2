"""Custom entities in the widget: a choice above the services that narrows the
services and the staff (the demo: short or long hair), against a real sandbox."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.api import ModuleApi
from tests.support.pages import chosen_start, links, service_names, time_links
from tests.support.sandbox import SandboxProcess
from tests.support.widget import widget_for


@pytest.fixture(scope="module")
def app(sandbox: SandboxProcess) -> Flask:
    return widget_for(sandbox, BOOKING_RATE_LIMIT_ENABLED="0")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def entity_ids(api: ModuleApi) -> dict[str, str]:
    listing = api.content(api.org_path("customEntity/hairLength/list"))["recordList"]
    return {e["customId"]: e["id"] for e in listing}


def test_the_choice_narrows_the_services(client: FlaskClient, sandbox: SandboxProcess) -> None:
    api = ModuleApi(sandbox)
    page = client.get(f"/en/o/{sandbox.main_org}/?here=1")
    html = page.get_data(as_text=True)
    assert "What applies to you?" in html
    assert "Short hair" in html
    assert "Long hair" in html
    everything = service_names(html)
    assert "Beard trim" in everything, "without a choice every service is offered"

    long = entity_ids(api)["hair-long"]
    chosen = client.get(links(page, f"e={long}")[0])
    html = chosen.get_data(as_text=True)
    listing = api.content(api.org_path(f"customEntity/hairLength/{long}/bookingTemplate/list"))
    tied = [t["id"] for t in listing["recordList"]]
    offered = [href.split("/s/")[1].split("/")[0] for href in links(chosen, "/s/fc")]
    assert offered == tied
    assert "Beard trim" not in service_names(html)
    assert re.search(r'<span aria-current="true">Long hair</span>', html)
    assert all(f"e={long}" in href for href in links(chosen, "/s/fc"))


def test_the_choice_narrows_the_staff_and_the_times(
    client: FlaskClient, sandbox: SandboxProcess
) -> None:
    api = ModuleApi(sandbox)
    long = entity_ids(api)["hair-long"]
    haircut = api.template_id("haircut")
    resources = api.resources()
    ben = resources["ben"]["id"]
    allowed = {resources["anna"]["id"], resources["chloe"]["id"]}
    jump = client.get(f"/en/o/{sandbox.main_org}/s/{haircut}/earliest?e={long}")
    assert f"e={long}" in jump.headers["Location"]
    week = client.get(jump.headers["Location"])
    html = week.get_data(as_text=True)
    assert "Ben Okafor" not in html, "the barber does no long hair"
    assert "Anna" in html
    offered = {chosen_start(u) for u in time_links(week)}
    assert offered
    shown = re.search(r"day=(\d{4}-\d{2}-\d{2})", jump.headers["Location"])
    assert shown
    day = date.fromisoformat(shown[1])
    free = api.free_slots(haircut, day)
    with_allowed = {
        datetime.fromisoformat(s["timestamp"])
        for s in free
        if set(s["bookingResourceCombination"]) & allowed
    }
    assert offered <= with_allowed, "every time offered has Anna or Chloé free"
    form = client.get(time_links(week)[0]).get_data(as_text=True)
    chosen = re.search(r'data-slot="(4f[0-9A-Za-z]{30})"', form)
    assert chosen
    (slot,) = [s for s in free if s["id"] == chosen[1]]
    assert ben not in slot["bookingResourceCombination"], "choosing a time books Anna or Chloé"
    back = links(week, "here=1")
    assert back, "back to the chosen services"
    assert f"e={long}" in back[0]


def test_choices_are_translated(client: FlaskClient, sandbox: SandboxProcess) -> None:
    html = client.get(f"/de/o/{sandbox.main_org}/?here=1").get_data(as_text=True)
    assert "Lange Haare" in html
    assert "What applies to you?" not in html


def test_unknown_entity_is_404_and_a_malformed_one_is_ignored(
    client: FlaskClient, sandbox: SandboxProcess
) -> None:
    org = sandbox.main_org
    assert client.get(f"/en/o/{org}/?here=1&e=6T{'0' * 30}").status_code == 404
    page = client.get(f"/en/o/{org}/?here=1&e=<script>")
    assert page.status_code == 200
    assert "Beard trim" in service_names(page.get_data(as_text=True))


@pytest.mark.parametrize("who", ["ben", "chloe"])
def test_earliest_lands_on_a_week_with_the_chosen_staffs_times(
    client: FlaskClient, sandbox: SandboxProcess, who: str
) -> None:
    api = ModuleApi(sandbox)
    haircut = api.template_id("haircut")
    staff = api.resources()[who]["id"]
    jump = client.get(f"/en/o/{sandbox.main_org}/s/{haircut}/earliest?staff={staff}")
    assert jump.status_code == 303
    assert f"staff={staff}" in jump.headers["Location"]
    assert time_links(client.get(jump.headers["Location"])), "the week has their times"
    long = entity_ids(api)["hair-long"]
    jump = client.get(f"/en/o/{sandbox.main_org}/s/{haircut}/earliest?e={long}")
    assert time_links(client.get(jump.headers["Location"])), "the week has long-hair times"
