"""Browser fixtures: a real sandbox, the real widget under gunicorn, headless Chromium.

Chromium is Debian's (`/usr/bin/chromium`, installed by scripts/system-deps.sh),
driven by Playwright; Playwright never downloads a browser here. Cookies are blocked
for the whole browser by its profile: a fresh user-data-dir whose preferences set the
default cookie setting to "block" (2). Every context made from that browser inherits
the block, so the widget is proven to work for a visitor who refuses all cookies.
`test_cookies_are_really_blocked` checks that the block holds.

Without Chromium or Playwright the browser tests are skipped, or fail when
BOOKING_REQUIRE_BROWSER=1 (CI sets it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from tests.support.browser import TIMEOUT_MS, GunicornWidget, Responses
from tests.support.sandbox import SandboxProcess, running_sandbox

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Chromium's profile preference for "Don't allow sites to save data" (all cookies).
BLOCK_ALL_COOKIES = {"profile": {"default_content_setting_values": {"cookies": 2}}}


def browser_unavailable(reason: str) -> NoReturn:
    """Skip, or fail when the run requires the browser tests (CI)."""
    if os.environ.get("BOOKING_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (BOOKING_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """One headless Debian Chromium for the session, with every cookie blocked.

    Playwright's plain `launch()` makes its own empty profile and refuses a
    `--user-data-dir`, so the browser is launched as a persistent context on a fresh
    profile whose preferences block cookies; the contexts the tests make from its
    browser are fresh (nothing persists) and inherit that block.
    """
    if not CHROMIUM.exists():
        browser_unavailable(f"no Chromium at {CHROMIUM} (scripts/system-deps.sh installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("playwright is not installed (pip install -e '.[dev]')")
    profile = tmp_path_factory.mktemp("chromium-profile")
    (profile / "Default").mkdir()
    (profile / "Default" / "Preferences").write_text(json.dumps(BLOCK_ALL_COOKIES))
    playwright = sync_playwright().start()
    try:
        persistent = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        assert persistent.browser is not None
        try:
            yield persistent.browser
        finally:
            persistent.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's axe.min.js, as shipped inside axe-playwright-python."""
    try:
        return (resources.files("axe_playwright_python") / "axe.min.js").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        browser_unavailable("axe-playwright-python is not installed (pip install -e '.[dev]')")


@pytest.fixture(scope="session")
def browser_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """A demo sandbox of the browser tests' own, so their bookings meet no others."""
    with running_sandbox(tmp_path_factory.mktemp("browser-sandbox")) as proc:
        yield proc


@pytest.fixture(scope="session")
def widget(
    browser_sandbox: SandboxProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GunicornWidget]:
    """The real widget (gunicorn) against the browser tests' sandbox."""
    server = GunicornWidget(browser_sandbox, tmp_path_factory.mktemp("widget") / "gunicorn.log")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture
def new_context(
    browser: Browser, widget: GunicornWidget
) -> Iterator[Callable[..., tuple[BrowserContext, Page, Responses]]]:
    """A factory of fresh contexts (closed after the test): (context, page, responses)."""
    made: list[BrowserContext] = []

    def make(**options: Any) -> tuple[BrowserContext, Page, Responses]:
        options.setdefault("timezone_id", "Europe/Berlin")
        context = browser.new_context(base_url=widget.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        made.append(context)
        watch = Responses(context)
        return context, context.new_page(), watch

    yield make
    for context in made:
        context.close()
