"""Booking with the keyboard alone: Tab to move, Enter to follow or press, Space to tick.

No mouse and no `.click()`: focus moves only by Tab, so the test also proves that
every control on the way is reachable in the tab order and shows where focus is.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tests.support.browser import (
    CONFIRMATION,
    CONFIRMED,
    DETAILS_FORM,
    SUBMIT,
    TIMES,
    WEEK_VIEW,
    GunicornWidget,
    NewContext,
    go,
    template_id,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

MAX_TABS = 150


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the focused element matches `selector`; it must show its focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement?.matches(s)", selector):
            assert page.evaluate("() => document.activeElement.matches(':focus-visible')")
            return
    raise AssertionError(f"{MAX_TABS} presses of Tab never reached {selector} on {page.url}")


def enter(page: Page, selector: str, then: re.Pattern[str]) -> None:
    """Tab to `selector`, press Enter, and wait for the page that follows."""
    tab_to(page, selector)
    go(page, lambda: page.keyboard.press("Enter"), then)


def test_book_with_the_keyboard_only(new_context: NewContext, widget: GunicornWidget) -> None:
    context, page, responses = new_context(locale="en")
    consultation = template_id("consultation")
    page.goto("/")
    enter(page, "main ul.services a[href*='here=1']", re.compile(r"here=1"))
    enter(page, f"a[href*='/s/{consultation}/']", re.compile(f"/s/{consultation}/"))
    enter(page, "a[href*='/earliest']", WEEK_VIEW)
    enter(page, TIMES, DETAILS_FORM)

    tab_to(page, "#first_name")
    page.keyboard.type("Kim")
    tab_to(page, "#last_name")
    page.keyboard.type("Tabulator")
    tab_to(page, "#mobile")
    page.keyboard.type("+49 170 7654321")
    tab_to(page, "#consent")
    page.keyboard.press("Space")
    assert page.locator("#consent").is_checked()
    enter(page, SUBMIT, CONFIRMATION)

    assert page.locator(CONFIRMED).is_visible()
    assert "Kim" not in page.url
    assert context.cookies() == []
    assert all(cookie is None for _url, cookie in responses.from_origin(widget.url))


def test_a_form_sent_back_with_errors_puts_focus_on_its_summary(
    new_context: NewContext, widget: GunicornWidget
) -> None:
    _context, page, _responses = new_context(locale="en")
    consultation = template_id("consultation")
    page.goto("/")
    enter(page, "main ul.services a[href*='here=1']", re.compile(r"here=1"))
    enter(page, f"a[href*='/s/{consultation}/']", re.compile(f"/s/{consultation}/"))
    enter(page, "a[href*='/earliest']", WEEK_VIEW)
    enter(page, TIMES, DETAILS_FORM)
    # Send it empty (the browser's own `required` checks off, as an old browser has none).
    page.evaluate("() => { document.querySelector('form[method=post]').noValidate = true }")
    tab_to(page, SUBMIT)
    page.keyboard.press("Enter")
    page.wait_for_selector(".error-summary")
    assert page.evaluate("() => document.activeElement.matches('.error-summary')")
    box = page.locator("label[for=consent]").bounding_box()
    assert box is not None
    assert box["height"] >= 44, "the consent row is a touch target of 44 px at least"
    tick = page.locator("#consent").bounding_box()
    assert tick is not None
    assert tick["width"] >= 20, "no 13 px checkbox"
