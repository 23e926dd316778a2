"""Every kind of response carries the full set of security headers: pages, redirects,
error pages of every status, static files, the .ics file, JSON health checks."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support.pages import DETAILS, links, open_form
from tests.support.processes import free_port
from tests.support.sandbox import SandboxProcess
from tests.support.widget import widget_for

pytestmark = pytest.mark.integration

REQUIRED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Strict-Transport-Security": "max-age=31536000",
}


# Pages whose URL or links are the key to an appointment are stricter still.
PRIVATE = (
    "booking redirect",
    "form error 400",
    "410 expired form",
    "413 too large",
    "confirmation",
    "ics file",
    "manage",
)


def assert_secure(response: TestResponse, what: str) -> None:
    """The full header set, and no cookie."""
    headers = response.headers
    for name, value in REQUIRED.items():
        if name == "Referrer-Policy" and what.startswith(PRIVATE):
            value = "no-referrer"
        assert headers.get(name) == value, (what, name, headers.get(name))
    csp = headers.get("Content-Security-Policy", "")
    for directive in ("default-src 'none'", "script-src 'self'", "style-src 'self'"):
        assert directive in csp, (what, csp)
    assert re.search(r"frame-ancestors [^;]+", csp), (what, csp)
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "camera=()" in headers.get("Permissions-Policy", ""), what
    assert re.fullmatch(r"[0-9a-f]{32}", headers.get("X-Request-Id", "")), what
    assert "Set-Cookie" not in headers, what


@pytest.fixture(scope="module")
def app(sandbox: SandboxProcess) -> Flask:
    app = widget_for(
        sandbox, BOOKING_BEHIND_HTTPS="1", BOOKING_RATE_LIMIT_BROWSING="1000 per minute"
    )

    def crash() -> Any:
        raise RuntimeError("a bug")

    app.add_url_rule("/_test/crash", "crash", crash)
    return app


def test_every_page_type_has_the_security_headers(app: Flask, sandbox: SandboxProcess) -> None:
    client: FlaskClient = app.test_client()
    org = sandbox.main_org
    seen: dict[str, TestResponse] = {}
    seen["entry page"] = client.get(f"/en/o/{org}/?here=1")
    seen["branch choice"] = client.get(f"/en/o/{org}/")
    url, token = open_form(client, org, "en", 0)
    template = url.split("/s/")[1].split("/")[0]
    seen["week view"] = client.get(f"/en/o/{org}/s/{template}/")
    seen["earliest redirect"] = client.get(f"/en/o/{org}/s/{template}/earliest")
    seen["booking redirect"] = client.post(url, data={**DETAILS, "token": token})
    seen["confirmation"] = client.get(seen["booking redirect"].headers["Location"])
    seen["ics file"] = client.get(links(seen["confirmation"], "appointment.ics")[0])
    seen["form error 400"] = client.post(url, data={"token": token})
    seen["root redirect"] = client.get("/")
    seen["language redirect"] = client.get(f"/o/{org}/")
    seen["stylesheet"] = client.get("/static/widget.css")
    seen["script"] = client.get("/static/widget.js")
    for asset in re.findall(r'"(/assets/[0-9a-f]+/widget\.(?:css|js))"', seen["week view"].text):
        seen[f"minified {asset.rsplit('.', 1)[1]}"] = client.get(asset)
    seen["404"] = client.get("/en/o/nonsense/")
    seen["405"] = client.delete(f"/en/o/{org}/")
    seen["410 expired form"] = client.post(url, data={"token": "expired"})
    seen["413 too large"] = client.post(url, data={"token": "x" * 70_000})
    seen["500"] = client.get("/_test/crash")
    seen["healthz"] = client.get("/healthz")
    if any(rule.rule == "/embed.js" for rule in app.url_map.iter_rules()):
        seen["embed loader"] = client.get("/embed.js")
    seen["readyz"] = client.get("/readyz")
    expected = {
        "booking redirect": 303,
        "earliest redirect": 303,
        "form error 400": 400,
        "404": 404,
        "405": 405,
        "410 expired form": 410,
        "413 too large": 413,
        "500": 500,
    }
    for response in seen.values():
        response.close()  # static files are streamed from open files
    for what, response in seen.items():
        assert response.status_code == expected.get(what, response.status_code), what
        assert_secure(response, what)
    assert seen["ics file"].mimetype == "text/calendar"
    assert seen["root redirect"].status_code in (301, 302, 303, 307, 308)


def test_429_and_503_pages_have_the_security_headers(sandbox: SandboxProcess) -> None:
    limited = widget_for(
        sandbox,
        BOOKING_BEHIND_HTTPS="1",
        BOOKING_RATE_LIMIT_ENABLED="1",
        BOOKING_RATE_LIMIT_BROWSING="1 per minute",
    ).test_client()
    week = f"/de/o/{sandbox.main_org}/s/fc{'x' * 30}/"
    limited.get(week)
    refused = limited.get(week)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert_secure(refused, "429")

    down = widget_for(
        sandbox,
        BOOKING_BEHIND_HTTPS="1",
        BOOKING_MODULE_API_URL=f"http://127.0.0.1:{free_port()}/module/v3/",
        BOOKING_OAUTH_URL=f"http://127.0.0.1:{free_port()}/oauth/token",
    ).test_client()
    unavailable = down.get(f"/en/o/{sandbox.main_org}/?here=1")
    assert unavailable.status_code == 503
    assert unavailable.headers["Retry-After"]
    assert_secure(unavailable, "503")


def test_hsts_only_over_https(sandbox: SandboxProcess) -> None:
    plain = widget_for(sandbox).test_client()
    assert "Strict-Transport-Security" not in plain.get("/healthz").headers
    # Behind one trusted proxy that terminates TLS, HTTPS is recognised from its header.
    proxied = widget_for(sandbox, BOOKING_PROXY_FIX="1").test_client()
    answer = proxied.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"
    # Without BOOKING_PROXY_FIX the same header is a client's claim and ignored.
    assert (
        "Strict-Transport-Security"
        not in plain.get("/healthz", headers={"X-Forwarded-Proto": "https"}).headers
    )
