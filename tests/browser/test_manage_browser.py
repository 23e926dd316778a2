"""Manage a booking in a real browser: from the confirmation's link, move it, cancel it.

Cookies are blocked (as for a third-party iframe), JavaScript on or off; axe-core
finds no violation on any manage page.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.support.browser import (
    CONFIRMED,
    DETAILS,
    TIMES,
    NewContext,
    axe_violations,
    fill_details,
    go,
    open_service,
    pick_time,
    submit,
    template_id,
)
from tests.support.sandbox import SandboxProcess

if TYPE_CHECKING:
    from playwright.sync_api import Page

MANAGE = re.compile(r"/m/[^/?]+(\?.*)?$")
MOVE_WEEK = re.compile(r"/m/[^/]+/move\?(.*&)?(week|day)=")
MOVE_CONFIRM = re.compile(r"/m/[^/]+/move/confirm\?")


def book_and_manage(page: Page, org: str, lang: str, index: int) -> None:
    """Book the head massage's `index`-th free time, then open the manage link."""
    page.goto(f"/{lang}/o/{org}/")
    open_service(page, template_id("head-massage"))
    pick_time(page, index)
    fill_details(page, DETAILS)
    submit(page)
    assert page.locator(CONFIRMED).is_visible()
    go(page, page.locator("p.manage a").click, MANAGE)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_move_then_cancel_with_no_axe_violations(
    new_context: NewContext, browser_sandbox: SandboxProcess, axe_source: str, lang: str
) -> None:
    _context, page, responses = new_context(locale=lang)
    found: dict[str, list[str]] = {}

    def check(step: str) -> None:
        assert page.locator("html").get_attribute("lang") == lang, step
        found[step] = axe_violations(page, axe_source)

    book_and_manage(page, browser_sandbox.main_org, lang, 3 if lang == "en" else 4)
    check("manage: view")
    before = page.locator(".facts dd").nth(2).inner_text()
    go(page, page.locator(".actions a").first.click, re.compile(r"/move"))
    go(page, page.locator("a[href*='/move/earliest']").click, MOVE_WEEK)
    check("manage: week view")
    go(page, page.locator(TIMES).last.click, MOVE_CONFIRM)
    check("manage: confirm the move")
    go(page, page.locator("form[method=post] button").click, re.compile(r"done=moved"))
    check("manage: moved")
    assert page.locator('[data-event="booking-moved"]').is_visible()
    assert page.locator(".facts dd").nth(2).inner_text() != before
    go(page, page.locator(".actions a").nth(1).click, re.compile(r"/cancel"))
    check("manage: confirm the cancel")
    page.locator("form[method=post] button").focus()
    go(page, lambda: page.keyboard.press("Enter"), re.compile(r"done=cancelled"))
    check("manage: cancelled")
    assert page.locator('[data-event="booking-cancelled"]').is_visible()
    assert page.locator(".actions").count() == 0

    assert not [c for _url, c in responses.seen if c], "no response sets a cookie"
    problems = {step: lines for step, lines in found.items() if lines}
    assert problems == {}, "\n".join(
        f"{step}:\n  " + "\n  ".join(lines) for step, lines in problems.items()
    )


def test_cancel_without_javascript(
    new_context: NewContext, browser_sandbox: SandboxProcess
) -> None:
    _context, page, _responses = new_context(java_script_enabled=False)
    book_and_manage(page, browser_sandbox.main_org, "en", 5)
    go(page, page.locator(".actions a").nth(1).click, re.compile(r"/cancel"))
    go(page, page.locator("form[method=post] button").click, re.compile(r"done=cancelled"))
    assert "Cancelled" in page.locator(".facts .status").inner_text()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_move_keeps_the_stylist_and_an_old_confirmation_says_cancelled(
    new_context: NewContext, browser_sandbox: SandboxProcess, javascript: bool
) -> None:
    """Booked with Ben: the move opens on the booked day with Ben chosen and the current
    time named, the confirm step and the result say Ben; once cancelled, the old
    confirmation link says so (never "booked")."""
    _context, page, _responses = new_context(locale="en", java_script_enabled=javascript)
    page.goto(f"/en/o/{browser_sandbox.main_org}/?here=1")
    open_service(page, template_id("haircut"))
    staff = page.locator("#staff")
    ben = staff.locator("option", has_text="Ben").get_attribute("value")
    assert ben
    if javascript:
        staff.select_option(ben)
        page.wait_for_url(re.compile(f"staff={ben}"))
    else:
        staff.select_option(ben)
        go(page, page.locator(".filters button").click, re.compile(f"staff={ben}"))
    pick_time(page, 2)
    fill_details(page, DETAILS)
    submit(page)
    confirmation = page.url
    assert "Ben Okafor" in page.locator(".facts").inner_text()
    go(page, page.locator("p.manage a").click, MANAGE)
    go(page, page.locator(".actions a").first.click, re.compile(r"/move"))
    assert page.locator("#staff option[selected]").inner_text() == "Ben Okafor"
    assert page.locator(".current-banner").inner_text().startswith("Your current time:")
    assert page.locator(".calendar .d.booked").count() == 1, "the booked day is marked"
    go(page, page.locator(TIMES).last.click, MOVE_CONFIRM)
    assert "Ben Okafor" in page.locator(".facts").inner_text()
    go(page, page.locator("form[method=post] button").click, re.compile(r"done=moved"))
    assert "Ben Okafor" in page.locator(".facts").inner_text(), "the same stylist"
    go(page, page.locator(".actions a").nth(1).click, re.compile(r"/cancel"))
    go(page, page.locator("form[method=post] button").click, re.compile(r"done=cancelled"))
    page.goto(confirmation)
    assert "Cancelled" in page.locator(".facts .status").inner_text()
    assert not page.locator(CONFIRMED).count(), "never shown as booked"
