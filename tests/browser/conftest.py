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
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest
import requests

from booking_app.sandbox import ids
from tests.support.clock import environ_without_settings
from tests.support.sandbox import SandboxProcess, free_port, running_sandbox

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Response

ROOT = Path(__file__).resolve().parents[2]
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
TIMEOUT_MS = 15_000


def template_id(key: str) -> str:
    """The id of a demo-seed service by its seed key (`haircut`, `beard-trim`, …)."""
    return ids.stable_id(ids.BOOKING_TEMPLATE, key)


def browser_unavailable(reason: str) -> NoReturn:
    """Skip, or fail when the run requires the browser tests (CI)."""
    if os.environ.get("BOOKING_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (BOOKING_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


class WidgetServer:
    """The widget as a gunicorn process, configured against a sandbox."""

    def __init__(self, sandbox: SandboxProcess, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = environ_without_settings()
        env.update(
            PYTHONUNBUFFERED="1",
            BOOKING_MODULE_API_URL=sandbox.base_url,
            BOOKING_OAUTH_URL=sandbox.oauth_url,
            BOOKING_CLIENT_ID=sandbox.client_id,
            BOOKING_SECRET_KEY="browser-test-secret-key",
            BOOKING_DEFAULT_ORGANIZATION=sandbox.main_org,
            BOOKING_RATE_LIMIT_ENABLED="0",  # all from 127.0.0.1; limits have their own tests
        )
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "1",
            "--threads",
            "4",
            "booking_app:create_app()",
        ]
        with log.open("w") as out:
            self.proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT
            )

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"widget exited with {self.proc.returncode}: {self.tail()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"widget did not answer /healthz: {self.tail()}")

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


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
) -> Iterator[WidgetServer]:
    """The real widget (gunicorn) against the browser tests' sandbox."""
    server = WidgetServer(browser_sandbox, tmp_path_factory.mktemp("widget") / "gunicorn.log")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


class Responses:
    """Every response a context received, with whether it tried to set a cookie."""

    def __init__(self, context: BrowserContext) -> None:
        self.seen: list[tuple[str, str | None]] = []
        context.on("response", self._record)

    def _record(self, response: Response) -> None:
        self.seen.append((response.url, response.header_value("set-cookie")))

    def from_origin(self, origin: str) -> list[tuple[str, str | None]]:
        return [(url, cookie) for url, cookie in self.seen if url.startswith(origin + "/")]


@pytest.fixture
def new_context(
    browser: Browser, widget: WidgetServer
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
