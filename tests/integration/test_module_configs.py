"""Module configs: an entry URL naming one shows its services, in its order, with its
defaults (preselected service, language), against a real sandbox."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from booking_app.sandbox.seed import DEMO_MODULE_CONFIG_ID
from tests.support.api import ModuleApi
from tests.support.pages import links, service_names
from tests.support.sandbox import SandboxProcess
from tests.support.widget import widget_for


@pytest.fixture(scope="module")
def app(sandbox: SandboxProcess) -> Flask:
    return widget_for(sandbox)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.mark.parametrize("ref", ["website-hair", DEMO_MODULE_CONFIG_ID])
def test_config_restricts_and_orders_services(
    client: FlaskClient, sandbox: SandboxProcess, ref: str
) -> None:
    api = ModuleApi(sandbox)
    config = api.content(api.org_path(f"moduleConfig/{DEMO_MODULE_CONFIG_ID}/show"))
    templates = {
        t["id"]: t for t in api.content(api.org_path("bookingTemplate/list"))["recordList"]
    }
    expected = [templates[i]["publicName"] for i in config["bookingTemplateIdList"]]
    assert len(expected) < len(templates), "the demo config leaves services out"

    page = client.get(f"/en/o/{sandbox.main_org}/c/{ref}/?all=1")
    assert page.status_code == 200
    assert service_names(page.get_data(as_text=True)) == expected
    everything = client.get(f"/en/o/{sandbox.main_org}/?here=1").get_data(as_text=True)
    assert len(service_names(everything)) == len(templates)


def test_config_opens_on_its_preselected_service_and_leads_back_to_its_services(
    client: FlaskClient, sandbox: SandboxProcess
) -> None:
    api = ModuleApi(sandbox)
    config = api.content(api.org_path(f"moduleConfig/{DEMO_MODULE_CONFIG_ID}/show"))
    answer = client.get(f"/de/o/{sandbox.main_org}/c/website-hair/")
    assert answer.status_code == 303
    target = answer.headers["Location"]
    assert f"/de/o/{sandbox.main_org}/s/{config['preselectedBookingTemplateId']}/" in target
    week = client.get(target)
    assert week.status_code == 200
    back = links(week, "/c/website-hair/")
    assert back, "the back link returns to the config's services"
    assert "all=1" in back[0]
    nxt = links(week, "week=")
    assert all("c=website-hair" in href for href in nxt if "/s/" in href)


def test_language_less_config_url_uses_the_config_language(
    client: FlaskClient, sandbox: SandboxProcess
) -> None:
    answer = client.get(
        f"/o/{sandbox.main_org}/c/website-hair/", headers={"Accept-Language": "de-DE"}
    )
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith(f"/en/o/{sandbox.main_org}/c/website-hair/")


@pytest.mark.parametrize(
    "ref", ["no-such-config", "5f" + "0" * 30, "bad%20ref", "x" * 65, "<script>"]
)
def test_unknown_or_malformed_config_is_404(
    client: FlaskClient, sandbox: SandboxProcess, ref: str
) -> None:
    assert client.get(f"/en/o/{sandbox.main_org}/c/{ref}/").status_code == 404


def test_config_of_another_organization_is_404(
    client: FlaskClient, sandbox: SandboxProcess
) -> None:
    branch = sandbox.branches[0]
    assert client.get(f"/en/o/{branch}/c/{DEMO_MODULE_CONFIG_ID}/").status_code == 404


def test_no_page_leaks_the_app_config(client: FlaskClient, sandbox: SandboxProcess) -> None:
    # `config` in a Jinja template is Flask's app config: a service link once carried it.
    for url in (
        f"/en/o/{sandbox.main_org}/?here=1",
        f"/en/o/{sandbox.main_org}/c/website-hair/?all=1",
    ):
        html = client.get(url).get_data(as_text=True)
        assert "integration-test-secret-key" not in html
        assert "SECRET_KEY" not in html


def test_made_up_configs_cost_one_upstream_request_each(
    start_sandbox: Callable[..., SandboxProcess],
) -> None:
    """A "not found" is remembered for seconds: asking for a made-up config again costs
    nothing upstream."""
    private = start_sandbox("--seed", "demo", "--control")
    client = widget_for(private).test_client()
    assert client.get(f"/en/o/{private.main_org}/").status_code == 200
    private.reset_counters()
    for _ in range(5):
        for ref in ("made-up-a", "made-up-b"):
            assert client.get(f"/en/o/{private.main_org}/c/{ref}/").status_code == 404
    identify = [n for r, n in private.counters()["routes"].items() if "moduleConfig" in r]
    assert sum(identify) == 2, private.counters()
