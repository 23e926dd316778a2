"""Embedding against a real sandbox: the loader, theme stylesheets, carried embed
parameters, utm_* into additionalData, per-organization frame-ancestors, button
wording, template overrides, and the operator preview."""

from __future__ import annotations

import gzip
import re
from html import unescape
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import rjsmin
from flask import Flask
from flask.testing import FlaskClient

from booking_app import ConfigError, create_app
from tests.support.api import ModuleApi
from tests.support.pages import (
    DETAILS,
    booked_appointment,
    form_token,
    links,
    no_cookies,
    time_links,
)
from tests.support.sandbox import SandboxProcess
from tests.support.widget import widget_for

ROOT = Path(__file__).resolve().parents[2]
LOADER = ROOT / "booking_app" / "static" / "embed.js"
THEME_LINK = re.compile(r'<link rel="stylesheet" href="(/theme/[^"]+)">')
HOST = "http://localhost:8123"
MALICIOUS = "red;}body{display:none"
CARRIED = f"eo={HOST}&eid=w1&th=primary:aa0000,radius:2&utm_source=newsletter&utm_campaign=spring"


@pytest.fixture(scope="module")
def theme_dir(tmp_path_factory: pytest.TempPathFactory, sandbox: SandboxProcess) -> Path:
    folder = tmp_path_factory.mktemp("themes")
    (folder / f"{sandbox.main_org}.toml").write_text(
        "\n".join(
            [
                'primary = "#0b5cad"',
                "logo = true",
                'logo_url = "https://cdn.example.com/logo.svg"',
                'frame_ancestors = ["https://shop.example.com"]',
                "[buttons.de]",
                'book = "Jetzt <b>verbindlich</b> buchen"',
            ]
        )
    )
    return folder


@pytest.fixture(scope="module")
def app(sandbox: SandboxProcess, theme_dir: Path) -> Flask:
    return widget_for(sandbox, BOOKING_THEME_DIR=str(theme_dir))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_the_loader_is_small_and_cached(client: FlaskClient) -> None:
    source = LOADER.read_text()
    minified = rjsmin.jsmin(source).encode()
    assert len(minified) <= 4096, f"embed.js minified is {len(minified)} bytes"
    assert len(gzip.compress(minified, 9)) <= 2048
    assert "eval(" not in source
    assert "Function(" not in source
    answer = client.get("/embed.js")
    assert answer.status_code == 200
    assert answer.mimetype == "text/javascript"
    assert "max-age=3600" in answer.headers["Cache-Control"]
    assert "public" in answer.headers["Cache-Control"]
    assert answer.headers["ETag"]
    again = client.get("/embed.js", headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304
    assert "Set-Cookie" not in answer.headers


def _theme_url(client: FlaskClient, path: str) -> str:
    html = no_cookies(client.get(path)).get_data(as_text=True)
    found = THEME_LINK.search(html)
    assert found, "the page links its theme stylesheet"
    return unescape(found[1])


def test_theme_stylesheet_is_served_forever_under_its_checksum(
    client: FlaskClient, sandbox: SandboxProcess
) -> None:
    url = _theme_url(client, f"/en/o/{sandbox.main_org}/?here=1")
    assert re.match(rf"^/theme/{sandbox.main_org}/[0-9a-f]{{16}}\.css$", url)
    css = client.get(url)
    assert css.status_code == 200
    assert css.mimetype == "text/css"
    assert css.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "--bt-primary:#0b5cad" in css.get_data(as_text=True)
    stale = client.get(url.replace(url.split("/")[-1], "0" * 16 + ".css"))
    assert stale.status_code == 302
    assert stale.headers["Location"].endswith(url)
    assert stale.headers["Cache-Control"] == "no-store"


def test_the_url_changes_when_the_theme_does(
    sandbox: SandboxProcess, tmp_path: Path, client: FlaskClient
) -> None:
    (tmp_path / f"{sandbox.main_org}.toml").write_text('primary = "#0b5cae"\n')
    changed = widget_for(sandbox, BOOKING_THEME_DIR=str(tmp_path)).test_client()
    path = f"/en/o/{sandbox.main_org}/?here=1"
    assert _theme_url(changed, path) != _theme_url(client, path)


def test_a_running_widget_picks_up_theme_edits_and_refuses_bad_ones(
    sandbox: SandboxProcess, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    theme = tmp_path / f"{sandbox.main_org}.toml"
    theme.write_text('primary = "#112233"\n')
    app = widget_for(sandbox, BOOKING_THEME_DIR=str(tmp_path), PAGE_CACHE_TTL=0)
    app.extensions["booking_themes"].every = 0  # look at the folder on every request
    client = app.test_client()
    path = f"/en/o/{sandbox.main_org}/?here=1"
    first = _theme_url(client, path)
    theme.write_text('primary = "#445566"\n')
    second = _theme_url(client, path)
    assert second != first
    assert "--bt-primary:#445566" in client.get(second).get_data(as_text=True)
    theme.write_text(f'primary = "{MALICIOUS}"  # a typo in production\n')
    assert _theme_url(client, path) == second, "the themes in use stay"
    assert "theme change refused" in caplog.text
    assert f"{sandbox.main_org}.toml: primary:" in caplog.text


def test_organizations_without_a_theme_get_only_widget_css(sandbox: SandboxProcess) -> None:
    plain = widget_for(sandbox).test_client()
    html = plain.get(f"/en/o/{sandbox.main_org}/?here=1").get_data(as_text=True)
    assert "/theme/" not in html
    assert 'class="logo"' not in html


def test_embed_theme_options_are_checked(client: FlaskClient, sandbox: SandboxProcess) -> None:
    url = _theme_url(client, f"/en/o/{sandbox.main_org}/?here=1&th=primary:AA0000,mode:dark")
    assert "th=primary:aa0000,mode:dark" in url.replace("%3A", ":").replace("%2C", ",")
    css = client.get(url).get_data(as_text=True)
    assert "--bt-primary:#aa0000" in css
    assert "color-scheme:dark" in css
    # A malicious value never reaches a stylesheet: the page keeps the operator's theme...
    evil = "primary:red;}body{display:none"
    page_url = _theme_url(client, f"/en/o/{sandbox.main_org}/?here=1&th={evil}")
    assert "display" not in page_url
    assert "--bt-primary:#0b5cad" in client.get(page_url).get_data(as_text=True)
    # ...and the stylesheet route refuses it, as text a browser will not apply.
    refused = client.get(f"/theme/{sandbox.main_org}/{'0' * 16}.css", query_string={"th": evil})
    assert refused.status_code == 400
    assert refused.mimetype == "text/plain"
    assert "not allowed" in refused.get_data(as_text=True)
    assert client.get("/theme/not-an-org/abc.css").status_code == 404


def test_embed_parameters_travel_through_the_flow(
    client: FlaskClient, sandbox: SandboxProcess
) -> None:
    entry = client.get(f"/en/o/{sandbox.main_org}/?here=1&{CARRIED}&eo=javascript:x")
    service = links(entry, "/s/fc")[0]
    for part in ("eid=w1", "utm_source=newsletter", "utm_campaign=spring", "th=primary"):
        assert part in service
    assert "eo=http" in service.replace("%3A", ":").replace("%2F", "/")
    week = client.get(service).get_data(as_text=True)
    form = re.search(r'<form class="days" method="get" action="([^"]+)"', week)
    assert form
    assert "utm_source=newsletter" in unescape(form[1])
    assert 'data-event="service-selected"' in week


def first_time_as_browser_with_widget_js(week_html: str) -> str:
    """The URL the week view's first time button submits, once widget.js has copied the
    form action's query (the carried parameters) into hidden fields."""
    form = re.search(
        r'<form class="days" method="get" action="([^"]+)">(.*?)</form>', week_html, re.S
    )
    assert form
    action = urlsplit(unescape(form[1]))
    fields = parse_qsl(action.query)
    fields += [
        (n, unescape(v))
        for n, v in re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form[2])
    ]
    first = re.search(r'<button name="s" value="([^"]+)"', form[2])
    assert first
    return f"{action.path}?{urlencode([('s', first[1]), *fields])}"


def test_utm_parameters_reach_the_bookings_additional_data(
    app: Flask, sandbox: SandboxProcess
) -> None:
    client = app.test_client()
    query = "utm_source=newsletter&utm_campaign=spring&utm_medium=" + "x" * 200  # too long
    entry = client.get(f"/en/o/{sandbox.main_org}/?here=1&{query}")
    service = links(entry, "/s/fc")[3]
    jump = client.get(links(client.get(service), "/earliest")[0])
    assert "utm_source=newsletter" in jump.headers["Location"]
    week = client.get(jump.headers["Location"]).get_data(as_text=True)
    details = client.get(first_time_as_browser_with_widget_js(week))
    html = details.get_data(as_text=True)
    assert 'data-event="slot-selected"' in html
    assert re.search(r'data-slot="4f[0-9A-Za-z]{30}"', html)
    token = form_token(html)
    action = re.search(r'<form method="post" novalidate action="([^"]+)"', html)
    assert action
    done = client.post(unescape(action[1]), data={**DETAILS, "token": token})
    assert done.status_code == 303, done.get_data(as_text=True)[:300]
    appointment = booked_appointment(client.get(done.headers["Location"]))
    shown = ModuleApi(sandbox).content(
        f"organization/{sandbox.main_org}/appointment/{appointment}/show"
    )
    assert shown["additionalData"] == {"utm_source": "newsletter", "utm_campaign": "spring"}


def test_frame_ancestors_come_from_the_setting_and_the_theme_file(
    client: FlaskClient, sandbox: SandboxProcess
) -> None:
    own = client.get(f"/en/o/{sandbox.main_org}/?here=1")
    policy = own.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://shop.example.com" in policy
    assert "X-Frame-Options" not in own.headers
    other = client.get(f"/en/o/{sandbox.branches[0]}/?here=1")
    assert "frame-ancestors 'self';" in other.headers["Content-Security-Policy"] + ";"
    assert "shop.example.com" not in other.headers["Content-Security-Policy"]


def test_buttons_logo_and_wording_come_from_the_theme(app: Flask, sandbox: SandboxProcess) -> None:
    client = app.test_client()
    entry = client.get(f"/de/o/{sandbox.main_org}/?here=1").get_data(as_text=True)
    assert '<img class="logo" src="https://cdn.example.com/logo.svg" alt="">' in entry
    form_de = _details_page(client, sandbox, "de")
    assert "Jetzt &lt;b&gt;verbindlich&lt;/b&gt; buchen" in form_de
    assert "Termin buchen</button>" not in form_de
    form_en = _details_page(client, sandbox, "en")
    assert "Book appointment</button>" in form_en


def _details_page(client: FlaskClient, sandbox: SandboxProcess, lang: str) -> str:
    service = links(client.get(f"/{lang}/o/{sandbox.main_org}/?here=1"), "/s/fc")[4]
    jump = client.get(links(client.get(service), "/earliest")[0])
    slot = time_links(client.get(jump.headers["Location"]))[0]
    return client.get(slot).get_data(as_text=True)


def test_template_overrides_shadow_ours_block_by_block(sandbox: SandboxProcess) -> None:
    overrides = ROOT / "docs" / "themes" / "overrides"
    client = widget_for(sandbox, BOOKING_TEMPLATE_OVERRIDES=str(overrides)).test_client()
    html = client.get(f"/en/o/{sandbox.main_org}/?here=1").get_data(as_text=True)
    assert "<title>Studio Morgenrot – Choose a service</title>" in html
    assert "Questions? Call us on +49 30 1234567." in html  # base.html's footer block
    assert "Haircut" in html  # the rest is ours


def test_bad_settings_stop_the_start(tmp_path: Path, sandbox: SandboxProcess) -> None:
    with pytest.raises(ConfigError, match="BOOKING_THEME_DIR must be an existing folder"):
        widget_for(sandbox, BOOKING_THEME_DIR=str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="BOOKING_TEMPLATE_OVERRIDES"):
        widget_for(sandbox, BOOKING_TEMPLATE_OVERRIDES=str(tmp_path / "missing"))
    (tmp_path / "default.toml").write_text('primary = "red;}body{display:none"\n')
    with pytest.raises(ConfigError, match=r"BOOKING_THEME_DIR: default.toml: primary: "):
        widget_for(sandbox, BOOKING_THEME_DIR=str(tmp_path))
    with pytest.raises(ConfigError, match="BOOKING_PREVIEW"):
        create_app({"BOOKING_DEMO": "1", "BOOKING_PREVIEW": "maybe"})


def test_preview_is_off_unless_enabled(client: FlaskClient) -> None:
    assert client.get("/en/embed/preview").status_code == 404


def test_preview_shows_a_working_snippet(sandbox: SandboxProcess, theme_dir: Path) -> None:
    client = widget_for(
        sandbox, BOOKING_PREVIEW="1", BOOKING_THEME_DIR=str(theme_dir)
    ).test_client()
    page = client.get("/de/embed/preview", query_string={"display": "popup", "radius": "4"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "frame-src 'self'" in page.headers["Content-Security-Policy"]
    assert f'data-organization="{sandbox.main_org}"' in html
    assert 'data-display="popup"' in html
    assert '&lt;script src="http://localhost/embed.js"\n        data-organization=' in html
    assert '<script src="http://localhost/embed.js"' in html
    assert "Haarschnitt" in html  # the service choice, in the page's language
    low = client.get("/en/embed/preview", query_string={"text": "#aaaaaa"})
    assert "below the WCAG AA minimum" in low.get_data(as_text=True)


def test_preview_refuses_bad_options_clearly(sandbox: SandboxProcess) -> None:
    client = widget_for(sandbox, BOOKING_PREVIEW="1").test_client()
    page = client.get(
        "/de/embed/preview", query_string={"primary": "red;}body{display:none", "radius": "99"}
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "<title>Fehler:" in html
    assert "display:none" not in html.split("<form")[1].split('name="primary"')[0]
    assert "embed.js" not in html, "no widget is embedded while an option is refused"


def _preview(client: FlaskClient, lang: str = "en", **query: str) -> tuple[int, str]:
    page = client.get(f"/{lang}/embed/preview", query_string=query)
    return page.status_code, page.get_data(as_text=True)


def _tag(html: str, pattern: str) -> str:
    """The one start tag matching `pattern` (a regular expression inside `<...>`)."""
    found = re.findall(rf"<{pattern}[^>]*>", html)
    assert len(found) == 1, found
    return str(found[0])


def _snippet(html: str) -> str:
    """The embed code as the operator copies it (the text of the <pre>)."""
    found = re.search(
        r'<pre class="snippet"[^>]*><code id="snippet-code">(.*?)</code></pre>', html, re.S
    )
    assert found
    return unescape(found[1])


@pytest.fixture
def preview_client(sandbox: SandboxProcess, theme_dir: Path) -> FlaskClient:
    return widget_for(sandbox, BOOKING_PREVIEW="1", BOOKING_THEME_DIR=str(theme_dir)).test_client()


def test_preview_colours_are_pickers_that_can_stay_as_in_the_theme(
    preview_client: FlaskClient, sandbox: SandboxProcess
) -> None:
    status, html = _preview(preview_client)
    assert status == 200
    for key in ("primary", "background", "text", "accent"):
        picker = _tag(html, f'input type="color" id="{key}"')
        assert f'name="{key}"' in picker
        assert re.search(r'value="#[0-9a-f]{6}"', picker)
        box = _tag(html, f'input type="checkbox" id="{key}_from_theme"')
        assert f'name="{key}_from_theme"' in box
        assert " checked" in box, "an unchosen colour stays as in the theme"
        assert f'<label for="{key}_from_theme">As in the theme file</label>' in html
    # An unchosen picker starts from the theme's colour (the theme file's primary).
    assert 'value="#0b5cad"' in _tag(html, 'input type="color" id="primary"')
    assert 'type="text" id="primary"' not in html
    assert "data-primary" not in _snippet(html)

    # A picked colour counts once its box is unchecked...
    status, html = _preview(preview_client, primary="#AA3300")
    assert status == 200
    assert 'value="#aa3300"' in _tag(html, 'input type="color" id="primary"')
    assert " checked" not in _tag(html, 'input type="checkbox" id="primary_from_theme"')
    assert 'data-primary="#aa3300"' in _snippet(html)
    # ...and is ignored while the box is checked (the picker always sends a value): the
    # form lands on its short URL, which names only the chosen options.
    form = {
        "org": sandbox.main_org,
        "service": "",
        "widget_lang": "",
        "display": "popup",
        "primary": "#aa3300",
        "primary_from_theme": "1",
        "background": "#f4f8fb",
        "text": "#102a43",
        "text_from_theme": "1",
        "accent": "#ffffff",
        "accent_from_theme": "1",
        "radius": "",
        "font": "",
        "mode": "",
    }
    sent = preview_client.get("/de/embed/preview", query_string=form)
    assert sent.status_code == 302
    short = urlsplit(sent.headers["Location"])
    assert short.path == "/de/embed/preview"
    assert parse_qsl(short.query) == [
        ("org", sandbox.main_org),
        ("display", "popup"),
        ("background", "#f4f8fb"),
    ]
    html = preview_client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "data-primary" not in _snippet(html)
    assert 'data-background="#f4f8fb"' in _snippet(html)
    assert " checked" in _tag(html, 'input type="checkbox" id="primary_from_theme"')
    assert " checked" not in _tag(html, 'input type="checkbox" id="background_from_theme"')
    switch = re.search(r'<a href="([^"]+)" hreflang="en"', html)
    assert switch
    assert "primary" not in unescape(switch[1]), "the language switch keeps the theme's colour"


def test_preview_still_refuses_a_colour_that_is_not_rrggbb(preview_client: FlaskClient) -> None:
    status, html = _preview(preview_client, "de", accent="rgb(1,2,3)")
    assert status == 400
    message = "Geben Sie eine Farbe als #rrggbb ein, zum Beispiel #1a5fb4"
    assert f'<li><a href="#accent">{message}</a></li>' in html  # the error summary
    assert f'id="accent-error"><span class="visually-hidden">Fehler:</span> {message}' in html
    picker = _tag(html, 'input type="color" id="accent"')
    assert 'aria-invalid="true"' in picker
    assert 'aria-describedby="accent-error"' in picker
    assert "rgb(1,2,3)" not in html.split("<form")[1]
    assert re.search(r'value="#[0-9a-f]{6}"', picker), "a picker only ever shows a colour"
    assert "snippet-code" not in html


def test_preview_offers_a_copy_button_and_keeps_the_code_selectable(
    preview_client: FlaskClient,
) -> None:
    page = preview_client.get("/en/embed/preview")
    html = page.get_data(as_text=True)
    button = _tag(html, 'button type="button" class="copy"')
    # Hidden until preview.js knows the clipboard can be written: no dead button.
    assert " hidden" in button
    assert 'data-copy="snippet-code"' in button
    assert 'data-status="copy-status"' in button
    assert 'data-copied="Copied"' in button
    assert re.search(r'class="copy"[^>]*>Copy code</button>', html)
    status = _tag(html, 'p class="copy-status"')
    assert 'id="copy-status"' in status
    assert 'aria-live="polite"' in status
    assert _snippet(html).startswith('<script src="http://localhost/embed.js"')
    # The page's own CSS and JS are files: the CSP allows no inline code or style.
    assert re.search(r'<link rel="stylesheet" href="/assets/[0-9a-f]{16}/preview.css">', html)
    assert re.search(r'<script src="/assets/[0-9a-f]{16}/preview.js" defer></script>', html)
    assert "style=" not in html
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    for name in ("preview.js", "preview.css"):
        with preview_client.get(f"/static/{name}") as served:
            assert served.status_code == 200
    # The code and the widget come before the options.
    assert html.index('id="snippet-code"') < html.index('class="preview"') < html.index("<form")


def test_the_popup_snippet_carries_the_launcher_colour(preview_client: FlaskClient) -> None:
    status, html = _preview(preview_client, display="popup")
    assert status == 200
    code = _snippet(html)
    # The theme's primary colour, for the button embed.js draws on the operator's page.
    assert 'data-display="popup"\n        data-button-color="#0b5cad"' in code
    assert 'data-button-color="#0b5cad"' in _tag(html, 'script src="http://localhost/embed.js"')
    # A chosen primary is the launcher's colour: no second attribute.
    status, html = _preview(preview_client, display="popup", primary="#aa3300")
    code = _snippet(html)
    assert 'data-primary="#aa3300"' in code
    assert "data-button-color" not in code
    # The dark scheme's primary when the widget opens dark.
    status, html = _preview(preview_client, display="popup", mode="dark")
    assert 'data-button-color="#78aeed"' in _snippet(html)
    # Inline, there is no launcher.
    status, html = _preview(preview_client, display="inline")
    assert "data-button-color" not in html
