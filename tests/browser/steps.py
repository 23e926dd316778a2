"""Steps of the booking flow in a browser, shared by the browser tests."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

CONFIRMED = '[data-event="booking-created"]'
TIMES = "form.days button[name=s]"
SUBMIT = "form[method=post] button[type=submit]"
WEEK_VIEW = re.compile(r"/s/fc[0-9A-Za-z]{30}/\?(.*&)?week=")
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
    """Follow "Earliest free time" to the first week with free times."""
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
