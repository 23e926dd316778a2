"""Whole numbers from untrusted text.

`str.isdigit()` is true for `²`, `٣` and other Unicode digits, and `int()` then fails
or reads a number nobody typed: input is read with ASCII digits only.
"""

from __future__ import annotations

import re

_ASCII_DIGITS = re.compile(r"[0-9]+")


def whole_number(text: str, *, max_digits: int = 9) -> int | None:
    """`text` as a non-negative whole number of ASCII digits (at most `max_digits`),
    else None."""
    if len(text) > max_digits or not _ASCII_DIGITS.fullmatch(text):
        return None
    return int(text)
