"""The widget's entry page against a real sandbox process, over HTTP."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.support.sandbox import SandboxProcess
from tests.support.widget import widget_for


@pytest.fixture
def client(sandbox: SandboxProcess) -> FlaskClient:
    return widget_for(sandbox).test_client()


def test_entry_page_lists_services_in_english(client: FlaskClient, sandbox: SandboxProcess) -> None:
    page = client.get(f"/en/o/{sandbox.main_org}/?here=1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Studio Morgenrot" in html
    for name in ("Haircut", "Colouring", "Beard trim", "Consultation", "Wedding styling"):
        assert name in html
    assert "Kopfmassage (Wiener Art)" in html  # only de-AT: the organization's language
    assert "€35.00" in html
    assert "30 minutes" in html


def test_entry_page_in_german(client: FlaskClient, sandbox: SandboxProcess) -> None:
    html = client.get(f"/de/o/{sandbox.main_org}/?here=1").get_data(as_text=True)
    assert '<html lang="de">' in html
    assert "Haarschnitt" in html
    assert "Färben" in html
    assert "35,00\xa0€" in html
    assert "30 Minuten" in html
    assert "Leistung wählen" in html


def test_branches_come_first(client: FlaskClient, sandbox: SandboxProcess) -> None:
    html = client.get(f"/en/o/{sandbox.main_org}/").get_data(as_text=True)
    assert "Choose a location" in html
    assert "Studio Morgenrot Mitte" in html
    assert "Studio Morgenrot Wien" in html
    assert f"/en/o/{sandbox.branches[1]}/" in html
    assert f"/en/o/{sandbox.main_org}/?here=1" in html
    filtered = client.get(f"/en/o/{sandbox.main_org}/?q=wien").get_data(as_text=True)
    assert "Studio Morgenrot Wien" in filtered
    assert "Studio Morgenrot Mitte" not in filtered
    branch = client.get(f"/de/o/{sandbox.branches[1]}/").get_data(as_text=True)
    assert "Herrenhaarschnitt" in branch  # a branch has no branches: its services at once


def test_root_redirects_by_accept_language(client: FlaskClient, sandbox: SandboxProcess) -> None:
    answer = client.get("/", headers={"Accept-Language": "de-AT,de;q=0.9"})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/de/o/{sandbox.main_org}/")


def test_organization_link_without_language_redirects(
    client: FlaskClient, sandbox: SandboxProcess
) -> None:
    answer = client.get(f"/o/{sandbox.main_org}/?here=1", headers={"Accept-Language": "de"})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/de/o/{sandbox.main_org}/?here=1")
    answer = client.get(f"/o/{sandbox.main_org}/", headers={"Accept-Language": "ja"})
    assert answer.headers["Location"].endswith(f"/en/o/{sandbox.main_org}/")


@pytest.mark.parametrize(
    "path",
    ["/en/o/f6" + "0" * 30 + "/", "/en/o/not-an-id/", "/xx/o/f6" + "0" * 30 + "/"],
)
def test_unknown_organization_or_language_is_404(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_upstream_down_gives_a_clear_503(sandbox: SandboxProcess) -> None:
    app = widget_for(
        sandbox,
        BOOKING_MODULE_API_URL="http://127.0.0.1:9/module/v3/",
        BOOKING_OAUTH_URL="http://127.0.0.1:9/oauth/token",
    )
    page = app.test_client().get(f"/en/o/{sandbox.main_org}/")
    assert page.status_code == 503
    assert "try again" in page.get_data(as_text=True)


def test_healthz(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_security_headers_and_no_cookie(sandbox: SandboxProcess) -> None:
    app = widget_for(sandbox, BOOKING_FRAME_ANCESTORS="'self' https://shop.example.com")
    page = app.test_client().get(f"/en/o/{sandbox.main_org}/")
    policy = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://shop.example.com" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "X-Frame-Options" not in page.headers
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in page.headers


def test_readyz_reports_whether_the_module_api_can_be_reached(sandbox: SandboxProcess) -> None:
    assert widget_for(sandbox).test_client().get("/readyz").get_json() == {"status": "ready"}
    down = widget_for(sandbox, BOOKING_OAUTH_URL="http://127.0.0.1:9/oauth/token")
    answer = down.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json()["status"] == "unavailable"


def test_a_service_named_by_its_custom_id_redirects_to_its_week_view(
    client: FlaskClient, sandbox: SandboxProcess
) -> None:
    from tests.support.api import ModuleApi

    haircut = ModuleApi(sandbox).template_id("haircut")
    found = client.get(f"/en/o/{sandbox.main_org}/s/haircut/?tz=Europe/Vienna&staff=")
    assert found.status_code == 303
    target = f"/en/o/{sandbox.main_org}/s/{haircut}/?tz=Europe/Vienna&staff="
    assert found.headers["Location"].endswith(target), "the query is kept"
    assert client.get(found.headers["Location"]).status_code == 200
    for unknown in ("no-such-service", "%3Cscript%3E", "a" * 80):
        assert client.get(f"/en/o/{sandbox.main_org}/s/{unknown}/").status_code == 404


def test_the_services_of_a_location_lead_back_to_the_choice(
    client: FlaskClient, sandbox: SandboxProcess
) -> None:
    choice = client.get(f"/en/o/{sandbox.main_org}/").get_data(as_text=True)
    branch_link = f"/en/o/{sandbox.branches[1]}/?loc={sandbox.main_org}"
    assert branch_link in choice
    back = f'<p class="back"><a href="/en/o/{sandbox.main_org}/">Change location</a></p>'
    assert back in client.get(branch_link).get_data(as_text=True)
    assert back in client.get(f"/en/o/{sandbox.main_org}/?here=1").get_data(as_text=True)
    german = client.get(f"/de/o/{sandbox.branches[1]}/?loc={sandbox.main_org}")
    assert "Standort ändern" in german.get_data(as_text=True)


@pytest.mark.parametrize(
    "loc", ["//evil.example/", "javascript:alert(1)", "f6" + "0" * 29, "<b>", "SELF"]
)
def test_a_forged_location_parameter_offers_no_link(
    client: FlaskClient, sandbox: SandboxProcess, loc: str
) -> None:
    value = sandbox.branches[1] if loc == "SELF" else loc
    html = client.get(f"/en/o/{sandbox.branches[1]}/", query_string={"loc": value}).get_data(
        as_text=True
    )
    assert "Change location" not in html
    assert "evil.example" not in html.split("<main")[1]
