"""Colours of a theme: parsed from hex only, and their WCAG contrast.

A colour is kept as three integers and written back out by our own formatter, so
whatever an operator typed can never reach the CSS as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
AA_NORMAL_TEXT = 4.5


@dataclass(frozen=True)
class Color:
    """An sRGB colour."""

    r: int
    g: int
    b: int

    @classmethod
    def parse(cls, value: object) -> Color:
        """`#1a5fb4`, `1a5fb4` or `#fff`; ValueError for anything else."""
        match = _HEX.match(value) if isinstance(value, str) else None
        if not match:
            raise ValueError(f"{value!r} is not a hex colour like #1a5fb4")
        digits = match[1]
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        return cls(int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))

    @property
    def hex(self) -> str:
        """`#rrggbb`, lower case."""
        return f"#{self.r:02x}{self.g:02x}{self.b:02x}"

    def luminance(self) -> float:
        """WCAG 2 relative luminance."""

        def channel(value: int) -> float:
            c = value / 255
            return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(self.r) + 0.7152 * channel(self.g) + 0.0722 * channel(self.b)

    def mix(self, other: Color, weight: float) -> Color:
        """`weight` of self and the rest of `other`."""
        return Color(
            round(self.r * weight + other.r * (1 - weight)),
            round(self.g * weight + other.g * (1 - weight)),
            round(self.b * weight + other.b * (1 - weight)),
        )


WHITE = Color(255, 255, 255)
NEAR_BLACK = Color(0x1D, 0x1D, 0x1F)


def contrast_ratio(a: Color, b: Color) -> float:
    """The WCAG contrast ratio of two colours, 1 to 21."""
    high, low = sorted((a.luminance(), b.luminance()), reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable_on(background: Color) -> Color:
    """White or near-black, whichever reads better on `background`."""
    on_white = contrast_ratio(WHITE, background)
    return WHITE if on_white >= contrast_ratio(NEAR_BLACK, background) else NEAR_BLACK


def muted(text: Color, background: Color) -> Color:
    """A quieter text colour that still meets WCAG AA on `background`."""
    for step in range(6, 11):
        candidate = text.mix(background, step / 10)
        if contrast_ratio(candidate, background) >= AA_NORMAL_TEXT:
            return candidate
    return text
