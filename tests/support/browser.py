"""The browser tests' helpers: the booking flow's steps in a page, the pieces they share
(selectors, the customer's details, axe-core's findings), and the widget as a gunicorn
process for them to browse.

Playwright is imported only for type checking: without it the browser tests are skipped
(tests/browser/conftest.py), so nothing here may need it at import time.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests

from booking_app.sandbox import ids
from tests.support.clock import environ_without_settings
from tests.support.processes import free_port, stop_process
from tests.support.sandbox import SandboxProcess

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Response

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_MS = 15_000  # every context's default wait

CONFIRMED = '[data-event="booking-created"]'
TIMES = "form.days button[name=s]"
SUBMIT = "form[method=post] button[type=submit]"
WEEK_VIEW = re.compile(r"/s/fc[0-9A-Za-z]{30}/\?(.*&)?(week|day)=")  # a times page
DETAILS_FORM = re.compile(r"/s/fc[0-9A-Za-z]{30}/book\?")
CONFIRMATION = re.compile(r"/confirmed/[^/]+$")

DETAILS = {
    "first_name": "Zoë",
    "last_name": "O'Brien",
    "email": "zoe@example.com",
    "mobile": "+49 170 1234567",
}


def go(page: Page, action: Callable[[], None], to: re.Pattern[str]) -> None:
    """Do `action` (a click, a key press) and wait until a new page matching `to` loaded."""
    before = page.url
    action()
    page.wait_for_url(lambda url: url != before and bool(to.search(url)))


def open_service(page: Page, template_id: str) -> None:
    """From the entry page (a location choice first) to the service's week view."""
    # The main location: not a language link, nor a custom-entity choice.
    here = page.locator("main ul.services a[href*='here=1']")
    if here.count():
        go(page, here.first.click, re.compile(r"here=1"))
    go(page, page.locator(f"a[href*='/s/{template_id}/']").click, re.compile(f"/s/{template_id}/"))


def earliest_week(page: Page) -> None:
    """Follow "Earliest free time" to the first day with free times."""
    go(page, page.locator("a[href*='/earliest']").first.click, WEEK_VIEW)


def choose_time(page: Page, index: int = 0) -> str:
    """Choose the week view's `index`-th free time; its label."""
    time = page.locator(TIMES).nth(index)
    label = time.inner_text().strip()
    go(page, time.click, DETAILS_FORM)
    return label


def pick_time(page: Page, index: int = 0) -> str:
    """Jump to the earliest week with free times, choose the `index`-th free time from
    there on (in later weeks if that week has fewer); its label."""
    earliest_week(page)
    if page.locator(TIMES).count() <= index:  # the date-first view: to its week
        go(page, page.locator(".other-views a[href*='week=']").click, WEEK_VIEW)
    while (count := page.locator(TIMES).count()) <= index:
        index -= count
        go(page, page.locator("a[rel=next]").click, WEEK_VIEW)
    return choose_time(page, index)


def fill_details(page: Page, fields: dict[str, str]) -> None:
    """Type the customer's details into the form's fields that exist, tick consent."""
    for name, value in fields.items():
        field = page.locator(f"#{name}")
        if field.count():
            field.fill(value)
    page.locator("#consent").check()


def submit(page: Page) -> None:
    """Send the details form and wait for the confirmation page."""
    go(page, page.locator(SUBMIT).click, CONFIRMATION)


def template_id(key: str) -> str:
    """The id of a demo-seed service by its seed key (`haircut`, `beard-trim`, …)."""
    return ids.stable_id(ids.BOOKING_TEMPLATE, key)


def axe_violations(page: Page, axe_source: str) -> list[str]:
    """axe-core's violations on the current page, one readable line per rule."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    result: dict[str, Any] = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(map(str, n["target"])) for n in v["nodes"])
        for v in result["violations"]
    ]


class Responses:
    """Every response a context received, with whether it tried to set a cookie."""

    def __init__(self, context: BrowserContext) -> None:
        self.seen: list[tuple[str, str | None]] = []
        context.on("response", self._record)

    def _record(self, response: Response) -> None:
        self.seen.append((response.url, response.header_value("set-cookie")))

    def from_origin(self, origin: str) -> list[tuple[str, str | None]]:
        """The responses from `origin` (scheme, host and port): (URL, Set-Cookie or None)."""
        return [(url, cookie) for url, cookie in self.seen if url.startswith(origin + "/")]


# The `new_context` fixture: a fresh context, its page and its responses.
NewContext = Callable[..., tuple["BrowserContext", "Page", Responses]]


class GunicornWidget:
    """The widget as a gunicorn process, configured against a sandbox."""

    def __init__(self, sandbox: SandboxProcess, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = environ_without_settings()
        env.update(sandbox.widget_environ())  # URLs, client id, module id, entity types
        env.update(
            PYTHONUNBUFFERED="1",
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
        """Wait until /healthz answers; RuntimeError when it exits or never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"widget exited with {self.proc.returncode}: {self.tail()}")
            with contextlib.suppress(requests.RequestException):  # not listening yet
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"widget did not answer /healthz: {self.tail()}")

    def tail(self) -> str:
        """The end of gunicorn's log (for failure messages)."""
        return self.log.read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        """Stop gunicorn (killed if it takes too long)."""
        stop_process(self.proc)
