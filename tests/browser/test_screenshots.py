"""Screenshots of the booking journey for the README, taken by the browser tests so they
stay current: `make screenshots` writes them to docs/screenshots/; a normal run writes
them to a temporary folder and checks that each is a real picture of its step."""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path

import pytest

from tests.support.browser import (
    CONFIRMED,
    DETAILS,
    DETAILS_FORM,
    TIMES,
    NewContext,
    fill_details,
    go,
    submit,
    template_id,
)
from tests.support.sandbox import SandboxProcess

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
STEPS = ("1-services", "2-times", "3-details", "4-confirmation")


def png_size(path: Path) -> tuple[int, int]:
    """A PNG's width and height, from its IHDR chunk."""
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_screenshots_of_each_step(
    new_context: NewContext, browser_sandbox: SandboxProcess, tmp_path: Path, size: str
) -> None:
    folder = Path(os.environ.get("BOOKING_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    viewport = VIEWPORTS[size]
    # Device scale 1: the pictures stay small enough to keep in the repository.
    _context, page, _responses = new_context(locale="en", viewport=viewport)

    def shot(step: str) -> Path:
        path = folder / f"{size}-{step}.png"
        page.screenshot(path=str(path), animations="disabled", caret="hide")
        return path

    taken = []
    page.goto(f"/en/o/{browser_sandbox.main_org}/?here=1")
    taken.append(shot(STEPS[0]))
    haircut = template_id("haircut")
    go(page, page.locator(f"a[href*='/s/{haircut}/']").click, re.compile(f"/s/{haircut}/"))
    page.locator(TIMES).first.wait_for()
    taken.append(shot(STEPS[1]))
    go(page, page.locator(TIMES).nth(1).click, DETAILS_FORM)
    taken.append(shot(STEPS[2]))
    fill_details(page, DETAILS)
    submit(page)
    assert page.locator(CONFIRMED).is_visible()
    taken.append(shot(STEPS[3]))
    for path in taken:
        assert png_size(path) == (viewport["width"], viewport["height"]), path
        assert path.stat().st_size > 8_000, f"{path} shows a page, not a blank"
