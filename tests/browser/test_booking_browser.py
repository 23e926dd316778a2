"""Booking in headless Chromium with every cookie blocked: by mouse, in every UI language,
and with JavaScript switched off. No response of the widget may set a cookie."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from booking_app.web.i18n import UI_LANGUAGES
from tests.support.browser import (
    CONFIRMED,
    DETAILS,
    GunicornWidget,
    NewContext,
    Responses,
    fill_details,
    open_service,
    pick_time,
    submit,
    template_id,
)
from tests.support.sandbox import SandboxProcess


def assert_no_cookie_set(responses: Responses, widget: GunicornWidget) -> None:
    mine = responses.from_origin(widget.url)
    assert len(mine) >= 5, f"the flow went through the widget: {mine}"
    offenders = [(url, cookie) for url, cookie in mine if cookie is not None]
    assert offenders == [], "the widget must never set a cookie"


class _CookieSetter(BaseHTTPRequestHandler):
    """Answers every GET with a Set-Cookie and echoes the Cookie header it got."""

    def do_GET(self) -> None:
        body = f"<p id=got>{self.headers.get('Cookie', '')}</p>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Set-Cookie", "probe=1; Path=/")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def cookie_setter() -> Iterator[str]:
    """A loopback server that tries to set a cookie on every answer."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CookieSetter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_cookies_are_really_blocked(
    new_context: NewContext, widget: GunicornWidget, cookie_setter: str
) -> None:
    """The browser under test refuses cookies from headers and from scripts alike,
    and the response watcher does see a Set-Cookie when one is sent."""
    context, page, responses = new_context()
    page.goto(f"{cookie_setter}/first")
    page.goto(f"{cookie_setter}/second")
    assert page.locator("#got").inner_text() == "", "a blocked cookie came back"
    assert [c for _u, c in responses.from_origin(cookie_setter)] == ["probe=1; Path=/"] * 2
    page.goto("/")
    assert page.evaluate("() => { document.cookie = 'a=b; path=/'; return document.cookie; }") == ""
    assert context.cookies() == []


@pytest.mark.parametrize("lang", UI_LANGUAGES)
def test_book_by_mouse_in_every_language(
    new_context: NewContext, widget: GunicornWidget, browser_sandbox: SandboxProcess, lang: str
) -> None:
    context, page, responses = new_context(locale=lang)
    page.goto("/")  # redirects by the browser's language to the default organization
    assert page.url.startswith(f"{widget.url}/{lang}/o/{browser_sandbox.main_org}/")
    assert page.locator("html").get_attribute("lang") == lang
    open_service(page, template_id("haircut"))
    assert "btz=Europe%2FBerlin" in page.url, "widget.js sent the browser's time zone"
    # Each language takes another time, so the runs never want the same slot.
    pick_time(page, UI_LANGUAGES.index(lang))
    fill_details(page, DETAILS)
    submit(page)
    confirmed = page.locator(CONFIRMED)
    assert confirmed.is_visible()
    assert (confirmed.get_attribute("data-appointment") or "").startswith("ed")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("a[href$='appointment.ics']").is_visible()
    assert_no_cookie_set(responses, widget)
    assert context.cookies() == []


def test_book_without_javascript(new_context: NewContext, widget: GunicornWidget) -> None:
    context, page, responses = new_context(
        locale="en", timezone_id="America/New_York", java_script_enabled=False
    )
    page.goto("/")
    open_service(page, template_id("beard-trim"))
    assert "btz=" not in page.url, "no script ran, so no browser time zone was sent"
    pick_time(page)
    fill_details(page, DETAILS)
    submit(page)
    assert page.locator(CONFIRMED).is_visible()
    assert_no_cookie_set(responses, widget)
    assert context.cookies() == []


def test_the_whole_service_card_is_its_link(
    new_context: NewContext, widget: GunicornWidget, browser_sandbox: SandboxProcess
) -> None:
    _context, page, _responses = new_context(locale="en")
    page.goto(f"/en/o/{browser_sandbox.main_org}/?here=1")
    card = page.locator("li.service").first
    box = card.bounding_box()
    assert box is not None
    # A click near the card's bottom right corner, far from the title's text.
    with page.expect_navigation():
        page.mouse.click(box["x"] + box["width"] - 8, box["y"] + box["height"] - 8)
    assert "/s/fc" in page.url
