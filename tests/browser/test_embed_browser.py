"""The loader in headless Chromium (every cookie blocked): a host page on another origin
(`http://localhost:H`) embeds the widget (`http://127.0.0.1:W`), books, hears the events
and sizes the iframe; a host not in the allowlist is refused; themes look different.

The widget runs in a werkzeug server thread (configured with this test's frame
allowlist and theme folder) against the browser tests' real sandbox process. The host
pages are served by a tiny http.server with a strict CSP of their own, so the loader is
proven to need no eval and no inline code.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

import pytest
from werkzeug.serving import make_server

from booking_app import create_app
from tests.support.api import ModuleApi
from tests.support.browser import TIMEOUT_MS, TIMES, Responses, axe_violations, template_id
from tests.support.processes import free_port
from tests.support.sandbox import SandboxProcess
from tests.support.widget import sandbox_settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, FloatRect, Frame, Page

THEME = {"primary": "#0b5cad", "background": "#f4f8fb", "text": "#102a43", "radius": 14}
DARK_OPTIONS = {"primary": "#ffcf5c", "background": "#16161d", "text": "#f5f5f7", "radius": "0"}
MALICIOUS = "red;}body{display:none"
# Records the loader's DOM events: an external file, since the host's CSP allows no inline code.
HOST_JS = """
window.bookingEvents = [];
["ready", "service-selected", "slot-selected", "booking-created", "booking-cancelled"]
  .forEach(function (type) {
    document.addEventListener("booking-widget:" + type, function (e) {
      window.bookingEvents.push(e.detail);
    });
  });
"""


class _HostHandler(BaseHTTPRequestHandler):
    """Serves the host pages with a strict CSP that only allows the widget's origin."""

    pages: ClassVar[dict[str, str]] = {}
    widget_origin: ClassVar[str] = ""

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/host.js":
            body, kind = HOST_JS.encode(), "text/javascript"
        elif path in self.pages:
            body, kind = self.pages[path].encode(), "text/html; charset=utf-8"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header(
            "Content-Security-Policy",
            f"default-src 'self'; script-src 'self' {self.widget_origin}; "
            f"frame-src {self.widget_origin}; style-src 'self'",
        )
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        """Silent: the host page's requests are not the test's output."""


@dataclass
class Embedding:
    """The widget and two host origins: one allowed to frame it, one not."""

    widget: str
    host: str
    stranger: str
    org: str


def _serve(server: Any) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


def _page(org: str, widget: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Our shop</title>'
        f'<script src="/host.js"></script></head><body><h1>Our shop</h1>{body}'
        f'<script src="{widget}/embed.js" async></script></body></html>'
    ).replace("ORG", org)


@pytest.fixture(scope="module")
def embedding(
    browser_sandbox: SandboxProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Embedding]:
    host_port, stranger_port, widget_port = free_port(), free_port(), free_port()
    themes = tmp_path_factory.mktemp("themes")
    lines = [f'{k} = "{v}"' if isinstance(v, str) else f"{k} = {v}" for k, v in THEME.items()]
    (themes / f"{browser_sandbox.main_org}.toml").write_text("\n".join(lines) + "\n")
    app = create_app(
        {
            **sandbox_settings(browser_sandbox),  # URLs, client and module id, entity types
            "BOOKING_SECRET_KEY": "browser-embed-secret-key",
            "BOOKING_DEFAULT_ORGANIZATION": browser_sandbox.main_org,
            "BOOKING_FRAME_ANCESTORS": f"'self' http://localhost:{host_port}",
            "BOOKING_THEME_DIR": str(themes),
            "BOOKING_PREVIEW": "1",
        }
    )
    widget_server = make_server("127.0.0.1", widget_port, app, threaded=True)
    setup = Embedding(
        widget=f"http://127.0.0.1:{widget_port}",
        host=f"http://localhost:{host_port}",
        stranger=f"http://localhost:{stranger_port}",
        org=browser_sandbox.main_org,
    )
    _HostHandler.widget_origin = setup.widget
    booking = (
        f'<script src="{setup.widget}/embed.js" data-organization="ORG" data-lang="en" '
        f'data-service="{template_id("haircut")}" data-first-name="Zoë" '
        'data-last-name="O&#39;Brien" data-email="zoe@example.com" async></script>'
    )
    _HostHandler.pages = {
        "/booking.html": _page(browser_sandbox.main_org, setup.widget, booking).replace(
            f'<script src="{setup.widget}/embed.js" async></script></body>', "</body>"
        ),
        "/themes.html": _page(
            browser_sandbox.main_org,
            setup.widget,
            '<div id="ours" data-booking-widget data-organization="ORG" data-lang="en"></div>'
            '<div id="dark" data-booking-widget data-organization="ORG" data-lang="en" '
            + " ".join(f'data-{k}="{v}"' for k, v in DARK_OPTIONS.items())
            + ' data-font="mono"></div>'
            '<div id="evil" data-booking-widget data-organization="ORG" data-lang="en" '
            f'data-primary="{MALICIOUS}"></div>'
            '<div id="auto" data-booking-widget data-organization="ORG" data-lang="en" '
            'data-mode="auto"></div>',
        ),
        "/plain.html": (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Plain</title>'
            f'</head><body><iframe src="{setup.widget}/en/o/{browser_sandbox.main_org}/" '
            'title="Book an appointment" width="600" height="400"></iframe></body></html>'
        ),
        "/popup.html": _page(
            browser_sandbox.main_org,
            setup.widget,
            '<div data-booking-widget data-organization="ORG" data-lang="de" '
            'data-display="popup"></div>',
        ),
        "/launchers.html": _page(
            browser_sandbox.main_org,
            setup.widget,
            '<div id="light" data-booking-widget data-organization="ORG" data-lang="en" '
            'data-display="popup" data-primary="#ffcf5c"></div>'
            '<div id="evil" data-booking-widget data-organization="ORG" data-lang="en" '
            f'data-display="popup" data-button-color="{MALICIOUS}"></div>'
            '<div id="plain" data-booking-widget data-organization="ORG" data-lang="en" '
            'data-display="popup" data-button-color="#0b5cad;color:red"></div>',
        ),
    }
    servers = [
        widget_server,
        ThreadingHTTPServer(("127.0.0.1", host_port), _HostHandler),
        ThreadingHTTPServer(("127.0.0.1", stranger_port), _HostHandler),
    ]
    threads = [_serve(s) for s in servers]
    try:
        yield setup
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join()


@pytest.fixture
def host_context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(timezone_id="Europe/Berlin", locale="en")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


def events(page: Page) -> list[dict[str, Any]]:
    """The loader's events the host page heard so far."""
    return list(page.evaluate("() => window.bookingEvents"))


def wait_for_event(page: Page, kind: str, count: int = 1) -> list[dict[str, Any]]:
    page.wait_for_function(
        f"() => window.bookingEvents.filter(e => e.type === {json.dumps(kind)}).length >= {count}"
    )
    return [e for e in events(page) if e["type"] == kind]


def widget_frame(page: Page, embedding: Embedding, index: int = 0) -> Frame:
    frames = [f for f in page.frames if f.url.startswith(embedding.widget)]
    assert len(frames) > index, [f.url for f in page.frames]
    return frames[index]


def assert_fits(page: Page, frame: Frame, selector: str = "iframe") -> int:
    """The iframe is as tall as the widget's page, so the page has no scrollbar of its own."""
    deadline = time.monotonic() + 10
    while True:
        content = frame.evaluate(
            "Math.ceil(document.documentElement.getBoundingClientRect().height)"
        )
        outer = page.eval_on_selector(selector, "f => f.getBoundingClientRect().height")
        scrolls = frame.evaluate("document.documentElement.scrollHeight > window.innerHeight")
        if abs(outer - content) <= 1 and not scrolls:
            return int(outer)
        if time.monotonic() > deadline:
            pytest.fail(f"iframe {outer}px, content {content}px, inner scrollbar: {scrolls}")
        time.sleep(0.1)


def navigate(frame: Frame, action: Any, to: str) -> None:
    before = frame.url
    action()
    frame.wait_for_url(lambda url: url != before and re.search(to, url) is not None)


def test_a_host_on_another_origin_embeds_books_and_hears_the_events(
    host_context: BrowserContext, embedding: Embedding, browser_sandbox: SandboxProcess
) -> None:
    responses = Responses(host_context)
    page = host_context.new_page()
    page.goto(f"{embedding.host}/booking.html?utm_source=newsletter&utm_campaign=spring")
    ready = wait_for_event(page, "ready")
    widget_id = ready[0]["widget"]
    assert page.locator("iframe").is_visible()
    assert page.get_by_role("link", name="Book an appointment").is_hidden()  # the placeholder
    frame = widget_frame(page, embedding)
    assert f"/en/o/{embedding.org}/s/{template_id('haircut')}/" in frame.url  # preselected
    service = wait_for_event(page, "service-selected")
    assert service[0]["serviceId"] == template_id("haircut")
    week_height = assert_fits(page, frame)

    navigate(frame, frame.locator("a[href*='/earliest']").first.click, r"(week|day)=")
    assert_fits(page, frame)
    times = frame.locator(TIMES)
    navigate(frame, times.nth(min(9, times.count() - 1)).click, r"/book\?")
    slot = wait_for_event(page, "slot-selected")
    assert slot[0]["slotId"].startswith("4f")
    # The host prefilled name and email by postMessage (never in a URL).
    frame.wait_for_function("() => document.getElementById('email').value === 'zoe@example.com'")
    assert frame.locator("#first_name").input_value() == "Zoë"
    assert frame.locator("#last_name").input_value() == "O'Brien"
    assert "example.com" not in frame.url
    details_height = assert_fits(page, frame)
    assert details_height != week_height, "the iframe follows its content"
    if frame.locator("#mobile").count():
        frame.locator("#mobile").fill("+49 170 1234567")
    frame.locator("#consent").check()
    navigate(frame, frame.locator("form[method=post] button[type=submit]").click, r"/confirmed/")
    created = wait_for_event(page, "booking-created")
    appointment_id = created[0]["appointmentId"]
    assert appointment_id.startswith("ed")
    assert assert_fits(page, frame) != details_height
    heard = events(page)
    assert {e["widget"] for e in heard} == {widget_id}
    for personal in ("zoe@example.com", "Zoë", "Brien"):
        assert personal not in json.dumps(heard, ensure_ascii=False), "events carry ids only"
    # The host page's utm_* reached the booking's additionalData.
    shown = ModuleApi(browser_sandbox).content(
        f"organization/{embedding.org}/appointment/{appointment_id}/show"
    )
    assert shown["additionalData"] == {"utm_source": "newsletter", "utm_campaign": "spring"}
    # Third-party cookies blocked, and the widget never tried to set one.
    assert host_context.cookies() == []
    mine = responses.from_origin(embedding.widget)
    assert len(mine) >= 5
    assert [url for url, cookie in mine if cookie] == []


def test_a_host_not_in_the_allowlist_is_refused(
    host_context: BrowserContext, embedding: Embedding
) -> None:
    page = host_context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    with page.expect_response(lambda r: r.url.startswith(embedding.widget + "/en/o/")) as framed:
        page.goto(f"{embedding.stranger}/booking.html")
    policy = framed.value.headers["content-security-policy"]
    assert "frame-ancestors 'self' http://localhost:" in policy
    assert embedding.stranger not in policy
    page.wait_for_timeout(2000)
    assert events(page) == [], "a refused widget never reports ready"
    assert any("frame-ancestors" in line for line in console), console
    # The browser blocked the frame: it holds an error page, not the widget.
    blocked = [f for f in page.frames if f is not page.main_frame]
    assert blocked
    for frame in blocked:
        assert frame.evaluate("() => document.querySelector('main.widget')") is None
    # The light placeholder stays: a plain link to the widget in a new tab.
    assert page.get_by_role("link", name="Book an appointment").is_visible()
    assert page.locator("iframe").evaluate("f => getComputedStyle(f).visibility") == "hidden"


# Decodes two screenshots with the browser's own PNG decoder and compares them there
# (moving millions of pixel values into Python would be slow).
COMPARE = """async ([a, b]) => {
    async function pixels(png) {
        const img = new Image();
        img.src = "data:image/png;base64," + png;
        await img.decode();
        const c = document.createElement("canvas");
        c.width = img.width; c.height = img.height;
        const g = c.getContext("2d");
        g.drawImage(img, 0, 0);
        return {w: img.width, h: img.height, d: g.getImageData(0, 0, img.width, img.height).data};
    }
    const p = await pixels(a), q = await pixels(b);
    const w = Math.min(p.w, q.w), h = Math.min(p.h, q.h);
    let differ = 0, total = 0;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        const i = (y * p.w + x) * 4, j = (y * q.w + x) * 4;
        total++;
        if (Math.abs(p.d[i] - q.d[j]) + Math.abs(p.d[i + 1] - q.d[j + 1])
            + Math.abs(p.d[i + 2] - q.d[j + 2]) > 48) differ++;
    }
    const corner = (o) => "#" + [0, 1, 2].map(
        k => o.d[(2 * o.w + 2) * 4 + k].toString(16).padStart(2, "0")).join("");
    return {difference: differ / total, corners: [corner(p), corner(q)]};
}"""


def compare(page: Page, a: bytes, b: bytes) -> tuple[float, str, str]:
    """(share of clearly different pixels, corner colour of a, of b)."""
    result = page.evaluate(COMPARE, [base64.b64encode(x).decode() for x in (a, b)])
    return float(result["difference"]), result["corners"][0], result["corners"][1]


def test_two_themes_look_different_and_a_malicious_value_is_refused(
    host_context: BrowserContext, embedding: Embedding, tmp_path: Path, axe_source: str
) -> None:
    page = host_context.new_page()
    page.set_viewport_size({"width": 700, "height": 900})
    page.emulate_media(color_scheme="dark")  # only the `auto` widget follows it
    page.goto(f"{embedding.host}/themes.html")
    ready = wait_for_event(page, "ready", 4)
    assert len({e["widget"] for e in ready}) == 4, "four widgets, each on its own"
    shots = {}
    for name in ("ours", "dark", "evil"):
        box = page.locator(f"#{name} iframe")
        frame = box.element_handle().content_frame()
        assert frame is not None
        assert_fits(page, frame, f"#{name} iframe")
        shots[name] = box.screenshot(path=str(tmp_path / f"{name}.png"))
        style = frame.evaluate(
            "() => [getComputedStyle(document.documentElement).getPropertyValue('--bt-primary')"
            ".trim(), getComputedStyle(document.body).display]"
        )
        expected = DARK_OPTIONS["primary"] if name == "dark" else THEME["primary"]
        assert style == [expected, "block"], name
    auto = page.locator("#auto iframe").element_handle().content_frame()
    assert auto is not None
    dark_bg = "getComputedStyle(document.body).backgroundColor"
    assert auto.evaluate(dark_bg) == "rgb(28, 28, 33)", "auto follows the dark preference"
    for name in ("ours", "dark"):
        frame = page.locator(f"#{name} iframe").element_handle().content_frame()
        assert frame is not None
        assert axe_violations(cast("Page", frame), axe_source) == [], name  # same evaluate API
    decoder = host_context.new_page()  # about:blank: no CSP in the way of the canvas
    difference, ours, dark = compare(decoder, shots["ours"], shots["dark"])
    assert ours == THEME["background"]
    assert dark == DARK_OPTIONS["background"]
    assert difference > 0.5, "the two themes render visibly differently"
    # The malicious value was dropped: that widget looks like the operator's theme.
    difference, ours, evil = compare(decoder, shots["ours"], shots["evil"])
    assert evil == THEME["background"]
    assert difference < 0.05


def test_popup_mode_opens_the_widget_in_a_dialog(
    host_context: BrowserContext, embedding: Embedding
) -> None:
    page = host_context.new_page()
    page.goto(f"{embedding.host}/popup.html")
    button = page.get_by_role("button", name="Termin buchen")
    assert page.locator("iframe").count() == 0, "nothing loads before the visitor asks"
    button.click()
    wait_for_event(page, "ready")
    dialog = page.get_by_role("dialog")
    assert dialog.is_visible()
    assert widget_frame(page, embedding).locator("html").get_attribute("lang") == "de"
    dialog.get_by_role("button", name="Schließen").click()
    assert dialog.is_hidden()


def test_the_operator_preview_embeds_through_the_loader_and_passes_axe(
    host_context: BrowserContext, embedding: Embedding, axe_source: str
) -> None:
    page = host_context.new_page()
    page.goto(f"{embedding.widget}/en/embed/preview?display=inline&radius=4")
    ready = page.wait_for_function(
        "() => [...document.querySelectorAll('iframe')].some(f => f.style.visibility === 'visible')"
    )
    assert ready
    snippet = page.locator("pre.snippet").inner_text()
    assert snippet.startswith(f'<script src="{embedding.widget}/embed.js"')
    assert f'data-organization="{embedding.org}"' in snippet
    assert axe_violations(page, axe_source) == []


def _open_preview(page: Page, embedding: Embedding, query: str = "") -> None:
    """The operator preview, once its widget (inline) or its launcher (popup) is there."""
    page.goto(f"{embedding.widget}/en/embed/preview?{query}")
    page.wait_for_function(
        "() => document.querySelector('.preview .booking-widget-button') || [...document"
        ".querySelectorAll('.preview iframe')].some(f => f.style.visibility === 'visible')"
    )


def box(page: Page, selector: str) -> FloatRect:
    """Where `selector` is drawn on the page, in CSS pixels."""
    found = page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not drawn"
    return found


def test_the_preview_fits_a_phone(host_context: BrowserContext, embedding: Embedding) -> None:
    page = host_context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    for query in ("display=inline", "display=popup&primary=%23aa3300&radius=4"):
        _open_preview(page, embedding, query)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, query
        code, options = box(page, "pre.snippet"), box(page, "form.preview-options")
        assert code["x"] >= 0
        assert code["x"] + code["width"] <= 390, "the code wraps"
        assert options["y"] > code["y"], "stacked: the code first, the options below"


def test_the_preview_shows_code_and_widget_above_the_fold_beside_the_options(
    host_context: BrowserContext, embedding: Embedding
) -> None:
    page = host_context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    _open_preview(page, embedding, "display=inline")
    code, frame = box(page, "pre.snippet"), box(page, ".preview iframe")
    options = box(page, "form.preview-options")
    assert code["y"] + code["height"] <= 900, code
    assert frame["y"] + 200 <= 900, f"at least 200px of the widget show at first: {frame}"
    assert frame["height"] >= 200
    assert options["x"] >= code["x"] + code["width"], "the options stand beside the preview"
    assert options["y"] < 400, options
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_the_copy_button_copies_the_code_and_says_so(
    host_context: BrowserContext, embedding: Embedding
) -> None:
    host_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=embedding.widget)
    page = host_context.new_page()
    _open_preview(page, embedding, "display=popup&radius=4")
    status = page.locator("#copy-status")
    assert status.get_attribute("aria-live") == "polite"
    assert status.inner_text() == ""
    page.get_by_role("button", name="Copy code").click()
    page.wait_for_function("() => document.getElementById('copy-status').textContent === 'Copied'")
    assert status.is_visible()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == page.locator("#snippet-code").text_content()
    assert copied.startswith(f'<script src="{embedding.widget}/embed.js"')
    assert 'data-display="popup"' in copied
    assert copied.endswith("async></script>")


def test_the_copy_button_stays_hidden_without_javascript(
    browser: Browser, embedding: Embedding
) -> None:
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(f"{embedding.widget}/en/embed/preview")
        assert page.locator("button.copy").is_hidden()
        assert page.locator("pre.snippet").is_visible()
        picker = page.locator("input[type=color]#primary")
        assert picker.is_visible()
        assert page.locator("#primary_from_theme").is_checked()
    finally:
        context.close()


def test_picking_a_colour_counts_and_the_launcher_wears_it(
    host_context: BrowserContext, embedding: Embedding, axe_source: str
) -> None:
    page = host_context.new_page()
    _open_preview(page, embedding, "display=popup")
    launcher = page.locator(".preview .booking-widget-button")
    # Not chosen: the theme's primary colour (the snippet's data-button-color).
    assert launcher.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(11, 92, 173)"
    assert page.locator("#primary").input_value() == THEME["primary"]
    assert page.locator("#primary_from_theme").is_checked()
    page.locator("#primary").fill("#aa3300")
    assert not page.locator("#primary_from_theme").is_checked(), "picking unchecks the box"
    with page.expect_navigation():
        page.get_by_role("button", name="Show preview").click()
    page.wait_for_selector(".preview .booking-widget-button")
    assert "primary=%23aa3300" in page.url
    assert "_from_theme" not in page.url, "the short URL names only what was chosen"
    assert 'data-primary="#aa3300"' in page.locator("#snippet-code").inner_text()
    launcher = page.locator(".preview .booking-widget-button")
    style = launcher.evaluate(
        "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]"
    )
    assert style == ["rgb(170, 51, 0)", "rgb(255, 255, 255)"]
    assert axe_violations(page, axe_source) == []
    launcher.click()
    frame = page.locator("dialog iframe").element_handle().content_frame()
    assert frame is not None
    frame.wait_for_function(
        "() => getComputedStyle(document.documentElement).getPropertyValue('--bt-primary')"
        ".trim() === '#aa3300'"
    )


def test_the_launcher_takes_only_a_checked_colour(
    host_context: BrowserContext, embedding: Embedding
) -> None:
    page = host_context.new_page()
    page.goto(f"{embedding.host}/launchers.html")
    page.locator("#plain .booking-widget-button").wait_for()

    def look(name: str) -> list[str]:
        return list(
            page.locator(f"#{name} .booking-widget-button").evaluate(
                "b => [b.style.cssText, getComputedStyle(b).backgroundColor, "
                "getComputedStyle(b).color]"
            )
        )

    light = look("light")
    assert light[1:] == ["rgb(255, 207, 92)", "rgb(29, 29, 31)"], "dark text on a light colour"
    default = page.evaluate(
        "() => { const b = document.createElement('button'); document.body.append(b);"
        " const c = getComputedStyle(b).backgroundColor; b.remove(); return c; }"
    )
    for name in ("evil", "plain"):  # refused whole: the page's own button style stays
        inline, background, _ = look(name)
        assert inline == "", name
        assert background == default, name


def test_a_plain_iframe_still_works(host_context: BrowserContext, embedding: Embedding) -> None:
    page = host_context.new_page()
    page.goto(f"{embedding.host}/plain.html")
    frame = widget_frame(page, embedding)
    frame.locator("main.widget h1").wait_for()
    assert page.eval_on_selector("iframe", "f => f.clientHeight") == 400  # fixed: no loader
