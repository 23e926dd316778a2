"""The pages' CSS and JS: linked minified under their digest, cached forever, and the
readable files still at /static/."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from booking_app.web.assets import NAMES
from tests.support.sandbox import SandboxProcess
from tests.support.widget import widget_for

pytestmark = pytest.mark.integration
LINKED = re.compile(r'(?:href|src)="(/assets/([0-9a-f]{16})/([a-z]+\.(?:css|js)))"')


@pytest.fixture(scope="module")
def app(sandbox: SandboxProcess) -> Flask:
    return widget_for(sandbox)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_pages_link_the_minified_files_which_are_cached_forever(
    client: FlaskClient, sandbox: SandboxProcess
) -> None:
    page = client.get(f"/en/o/{sandbox.main_org}/?here=1").get_data(as_text=True)
    linked = LINKED.findall(page)
    assert {name for _url, _digest, name in linked} == {"widget.css", "widget.js"}
    assert "/static/" not in page
    for url, _digest, name in linked:
        answer = client.get(url)
        with client.get(f"/static/{name}") as source:
            readable = source.data
        assert answer.status_code == 200
        assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert answer.mimetype == ("text/css" if name.endswith(".css") else "text/javascript")
        assert 0 < len(answer.data) < 0.9 * len(readable), "minified"
        assert b"/*" not in answer.data, "no comments left"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_an_old_digest_gets_the_current_file_revalidated_and_other_names_404(
    client: FlaskClient, sandbox: SandboxProcess
) -> None:
    page = client.get(f"/en/o/{sandbox.main_org}/?here=1").get_data(as_text=True)
    url, digest, name = LINKED.findall(page)[0]
    old = client.get(f"/assets/{'0' * 16}/{name}")
    assert old.status_code == 200
    assert old.data == client.get(url).data
    assert old.headers["Cache-Control"] == "no-cache", "never cached forever under a wrong digest"
    for other in ("embed.js", "../widget.css", "widget.css.map", "secret.py", "%2e%2e/app.py"):
        assert client.get(f"/assets/{digest}/{other}").status_code == 404, other
    assert {"widget.css", "widget.js", "preview.css", "preview.js"} == NAMES


def test_the_minified_script_still_runs_its_enhancements(
    client: FlaskClient, sandbox: SandboxProcess
) -> None:
    """A smoke test of the minifier's output: the markers the browser tests rely on."""
    page = client.get(f"/en/o/{sandbox.main_org}/?here=1").get_data(as_text=True)
    script = next(url for url, _d, name in LINKED.findall(page) if name == "widget.js")
    text = client.get(script).get_data(as_text=True)
    for needle in ('classList.add("js")', "DOMParser", "pushState", "postMessage"):
        assert needle in text, needle
