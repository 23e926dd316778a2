"""axe-core finds no violations on any step of the booking flow, in every UI language.

axe runs with its default rule set (WCAG 2.x A and AA plus best practices; colour
contrast is measured on the rendered page). It is evaluated through the DevTools
protocol, which the widget's Content-Security-Policy does not (and need not) allow.
"""

from __future__ import annotations

import re

import pytest

from booking_app.web.i18n import UI_LANGUAGES
from tests.support.browser import (
    CONFIRMED,
    DETAILS,
    SUBMIT,
    TIMES,
    NewContext,
    axe_violations,
    choose_time,
    earliest_week,
    fill_details,
    go,
    open_service,
    submit,
    template_id,
)
from tests.support.sandbox import SandboxProcess


@pytest.mark.parametrize("lang", UI_LANGUAGES)
def test_every_step_passes_axe(
    new_context: NewContext, browser_sandbox: SandboxProcess, axe_source: str, lang: str
) -> None:
    _context, page, _responses = new_context(locale=lang)
    found: dict[str, list[str]] = {}

    def check(step: str) -> None:
        assert page.locator("html").get_attribute("lang") == lang, step
        found[step] = axe_violations(page, axe_source)

    page.goto(f"/{lang}/o/{browser_sandbox.main_org}/")
    check("entry: choose a location")
    go(page, page.locator("main ul.services a[href*='here=1']").click, re.compile("here=1"))
    check("entry: choose a service")
    open_service(page, template_id("colouring"))
    check("week view (this week)")
    earliest_week(page)
    check("week view (earliest week, with free times)")
    # Another time per language (the week's last, if it has too few).
    choose_time(page, min(UI_LANGUAGES.index(lang), page.locator(TIMES).count() - 1))
    check("details form")
    page.locator(SUBMIT).click()
    page.locator(".error-summary").wait_for()
    check("details form with errors")
    fill_details(page, DETAILS)
    submit(page)
    assert page.locator(CONFIRMED).is_visible()
    check("confirmation")
    answer = page.goto(f"/{lang}/o/{browser_sandbox.main_org}/s/fc{'0' * 30}/")
    assert answer is not None
    assert answer.status == 404
    check("error page (404)")

    problems = {step: lines for step, lines in found.items() if lines}
    assert problems == {}, "\n".join(
        f"{step}:\n  " + "\n  ".join(lines) for step, lines in problems.items()
    )
