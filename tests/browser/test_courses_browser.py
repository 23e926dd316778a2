"""Courses, module configs and custom entities in a real browser: axe-core finds no
violation, and several seats are booked with cookies blocked."""

from __future__ import annotations

import re

from tests.support.browser import (
    CONFIRMED,
    DETAILS,
    DETAILS_FORM,
    TIMES,
    NewContext,
    axe_violations,
    fill_details,
    go,
    submit,
    template_id,
)
from tests.support.sandbox import SandboxProcess


def test_course_seats_config_and_entity_pages_pass_axe(
    new_context: NewContext, browser_sandbox: SandboxProcess, axe_source: str
) -> None:
    _context, page, responses = new_context(locale="de")
    org = browser_sandbox.main_org
    found: dict[str, list[str]] = {}

    def check(step: str) -> None:
        found[step] = axe_violations(page, axe_source)

    page.goto(f"/de/o/{org}/c/website-hair/?all=1")
    check("module config services")
    page.goto(f"/de/o/{org}/?here=1")
    long = page.locator("nav.entity-choice a", has_text="Lange Haare")
    go(page, long.click, re.compile(r"e=6T"))
    check("services of a custom entity")
    page.goto(f"/de/o/{org}/s/{template_id('styling-workshop')}/earliest")
    assert page.locator(".seats").first.is_visible()
    check("course week view with seats")
    go(page, page.locator(TIMES).first.click, DETAILS_FORM)
    check("course form with seats")
    page.locator("#seats").select_option("2")
    fill_details(page, DETAILS)
    submit(page)
    assert page.locator(CONFIRMED).is_visible()
    assert "2" in page.locator("dt:has-text('Plätze') + dd").inner_text()
    check("confirmation of two seats")

    assert not [c for _url, c in responses.seen if c], "no response sets a cookie"
    problems = {step: lines for step, lines in found.items() if lines}
    assert problems == {}, "\n".join(
        f"{step}:\n  " + "\n  ".join(lines) for step, lines in problems.items()
    )
