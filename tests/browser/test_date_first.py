"""The date-first times page in a real browser, as the booking-page issue defines done:
on a phone (390 by 844) and a desktop (1280 by 900), in English and German, with JavaScript
on and off, a customer reaches a Friday's times in at most two taps from the service
list, without scrolling; the first time is at most ten Tab presses from page load; and
axe finds nothing on any step."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.support.browser import (
    DETAILS_FORM,
    TIMES,
    WEEK_VIEW,
    NewContext,
    axe_violations,
    go,
    template_id,
)
from tests.support.sandbox import SandboxProcess

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
FRIDAY = {"en": "Friday,", "de": "Freitag,"}
MAX_TABS = 10


def in_first_screen(page: Page, element: Locator) -> bool:
    """Whether `element` is wholly inside the viewport as the page stands."""
    box = element.bounding_box()
    height = page.viewport_size["height"] if page.viewport_size else 0
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def friday_links(page: Page, lang: str) -> Locator:
    """The grid's links to Fridays with free times."""
    return page.locator(".calendar a.d.free").filter(
        has=page.locator(".visually-hidden", has_text=re.compile(f"^{FRIDAY[lang]}"))
    )


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("size", list(VIEWPORTS))
@pytest.mark.parametrize("lang", ["en", "de"])
def test_a_fridays_times_are_two_taps_from_the_services(
    new_context: NewContext,
    browser_sandbox: SandboxProcess,
    axe_source: str,
    lang: str,
    size: str,
    javascript: bool,
) -> None:
    _context, page, _responses = new_context(
        locale=lang, viewport=VIEWPORTS[size], java_script_enabled=javascript
    )
    page.goto(f"/{lang}/o/{browser_sandbox.main_org}/?here=1")
    haircut = template_id("haircut")
    taps = 0

    def tap(target: Locator, to: re.Pattern[str]) -> None:
        nonlocal taps
        assert in_first_screen(page, target), f"tap {taps + 1} needs no scrolling"
        go(page, target.click, to)
        taps += 1

    tap(page.locator(f"a[href*='/s/{haircut}/']"), re.compile(f"/s/{haircut}/"))
    # axe runs in the page: with JavaScript on (the markup is the same without).
    assert not javascript or axe_violations(page, axe_source) == [], "the month grid"
    fridays = friday_links(page, lang)
    allowed = 2
    if not fridays.count():  # the month it opened on has no free Friday left: the next
        tap(page.locator(".calendar a[rel=next]"), re.compile("month="))
        fridays = friday_links(page, lang)
        allowed = 3
    assert fridays.count(), "a Friday with free times"
    friday = fridays.first
    label = friday.locator(".visually-hidden").inner_text().split(":")[0]
    tap(friday, re.compile(r"day=\d{4}-\d{2}-\d{2}"))
    assert taps <= allowed
    heading = page.locator("#day-heading")
    assert heading.inner_text() == label, "the chosen Friday's times"
    first = page.locator(TIMES).first
    first.wait_for()
    assert in_first_screen(page, first), "the times are in view after the tap"
    assert not javascript or axe_violations(page, axe_source) == [], "a chosen day"
    go(page, first.click, DETAILS_FORM)
    assert label in page.locator(".summary").inner_text(), "the details name the same day"
    assert not javascript or axe_violations(page, axe_source) == [], "the details form"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_first_time_is_at_most_ten_tabs_away(
    new_context: NewContext, browser_sandbox: SandboxProcess, lang: str, javascript: bool
) -> None:
    """Tab from page load; Enter on the skip link (a keyboard user's way past the
    calendar, WCAG 2.4.1) is not a Tab."""
    _context, page, _responses = new_context(locale=lang, java_script_enabled=javascript)
    page.goto(f"/{lang}/o/{browser_sandbox.main_org}/s/{template_id('haircut')}/")
    for _tab in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement?.matches(s)", TIMES):
            break
        if page.evaluate("() => !!document.activeElement?.matches('.skip-link')"):
            assert page.locator(".skip-link").is_visible(), "the skip link shows on focus"
            page.keyboard.press("Enter")
    else:
        raise AssertionError(f"{MAX_TABS} Tabs never reached the first time")
    assert page.evaluate("() => document.activeElement.matches(':focus-visible')")


def test_javascript_swaps_the_day_and_the_staff_in_place(
    new_context: NewContext, browser_sandbox: SandboxProcess
) -> None:
    """With JavaScript a day, a month or a staff change replaces the content without a
    page load (the URL and history follow); back returns to the day before."""
    _context, page, _responses = new_context(locale="en")
    page.goto(f"/en/o/{browser_sandbox.main_org}/s/{template_id('haircut')}/")
    page.evaluate("() => { window.__kept = 'same document'; }")
    before = page.url
    days = page.locator(".calendar a.d.free:not([aria-current])")
    assert days.count(), "another free day"
    target = days.last
    label = target.locator(".visually-hidden").inner_text().split(":")[0]
    target.click()
    page.wait_for_url(re.compile(r"day=\d{4}-\d{2}-\d{2}"))
    assert page.locator("#day-heading").inner_text() == label
    assert page.evaluate("() => window.__kept") == "same document", "no page load"
    assert page.evaluate("() => document.activeElement.id") == "times", "focus on the times"
    staff = page.locator("#staff")
    ben = staff.locator("option", has_text="Ben")
    staff.select_option(ben.get_attribute("value"))
    page.wait_for_url(re.compile("staff=br"))
    assert page.locator("#staff option[selected]").inner_text().startswith("Ben")
    assert page.evaluate("() => window.__kept") == "same document"
    assert not page.locator(".filters button").is_visible(), "no Update button with JS"
    page.go_back()
    page.wait_for_url(lambda url: "staff=br" not in url)
    page.go_back()
    page.wait_for_url(before)
    go(page, page.locator("a[href*='week=']").first.click, WEEK_VIEW)
    assert page.locator("form.days section.day").count() == 7, "the week view is one link away"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_time_zone_is_chosen_from_a_search_and_back_again(
    new_context: NewContext, browser_sandbox: SandboxProcess, axe_source: str, javascript: bool
) -> None:
    """Change time zone → search "new york" → the times in New York; then back to the
    business's zone with one link (and, with JavaScript, to the browser's)."""
    _context, page, _responses = new_context(locale="en", java_script_enabled=javascript)
    page.goto(f"/en/o/{browser_sandbox.main_org}/s/{template_id('haircut')}/")
    go(page, page.locator("a[href*='/zone?']").click, re.compile(r"/zone\?"))
    if javascript:
        assert axe_violations(page, axe_source) == [], "the zone choice"
    page.locator("#q").fill("new york")
    go(page, page.locator("form[role=search] button").click, re.compile(r"q=new"))
    go(page, page.locator("main a", has_text="New York").first.click, re.compile("tz=America"))
    assert "Eastern" in page.locator(".zone-note").inner_text()
    times = page.locator(TIMES)
    assert times.count(), "New York's times of the day"
    go(page, page.locator(".zone-note a", has_text="business").click, re.compile("tz=Europe"))
    assert "Central European" in page.locator(".zone-note").inner_text()
    mine = page.locator(".zone-note a[data-tz]")
    # The browser's zone is the business's here (Berlin): nothing to switch back to.
    assert not mine.is_visible()


def test_the_customers_and_the_business_zone_toggle_both_ways(
    new_context: NewContext, browser_sandbox: SandboxProcess
) -> None:
    _context, page, _responses = new_context(locale="en", timezone_id="America/New_York")
    page.goto(f"/en/o/{browser_sandbox.main_org}/s/{template_id('haircut')}/")
    assert "Central European" in page.locator(".zone-note").inner_text(), "no zone sent yet"
    mine = page.locator(".zone-note a[data-tz]")
    assert mine.is_visible(), "the browser's zone differs: offer it"
    go(page, mine.click, re.compile("btz=America"))
    assert "Eastern" in page.locator(".zone-note").inner_text()
    go(page, page.locator(".zone-note a", has_text="business").click, re.compile("tz=Europe"))
    assert "Central European" in page.locator(".zone-note").inner_text()
    assert page.locator(".zone-note a[data-tz]").is_visible(), "and back again"
