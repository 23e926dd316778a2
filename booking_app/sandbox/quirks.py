"""`--quirks`: answer the way the public SDK's sample data looks.

The real API has been seen sending numbers as strings, empty translation lists as
`""` or `null`, `additionalData: null` and empty addresses as `[]`. A client that
survives this mode survives those answers.
"""

from __future__ import annotations

from itertools import count
from typing import Any

NUMERIC_KEYS = frozenset(
    {
        "recordTotal",
        "recordLimit",
        "duration",
        "priceGross",
        "taxRate",
        "bookingDayEarliest",
        "bookingDayLatest",
        "bookingLeadTime",
        "selectionQuantity",
        "seatsTotal",
        "seatsLeft",
        "size",
        "latitude",
        "longitude",
    }
)


def apply_quirks(content: Any) -> Any:
    """A copy of `content` with the SDK sample data's quirks applied."""
    toggle = count()
    return _walk(content, toggle)


def _walk(value: Any, toggle: count[int]) -> Any:
    if isinstance(value, list):
        return [_walk(v, toggle) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in NUMERIC_KEYS and isinstance(item, int | float) and not isinstance(item, bool):
            out[key] = str(item)
        elif key.endswith("I18nList") and item == []:
            out[key] = "" if next(toggle) % 2 == 0 else None
        elif key == "additionalData" and not item:
            out[key] = None
        elif key == "address" and not item:
            out[key] = []
        else:
            out[key] = _walk(item, toggle)
    return out
