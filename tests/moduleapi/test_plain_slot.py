"""`plain_slot`, the fast path of slot lists, builds exactly what the schema builds,
and leaves every unusual shape to the schema."""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import ValidationError

from booking_app.moduleapi import schemas

PLAIN: list[dict[str, Any]] = [
    {"id": "4f" + "a" * 30, "timestamp": "2026-12-01T09:00:00+00:00"},
    {"id": "4f1", "timestamp": "2026-12-01T09:00:00", "bookingResourceCombination": ["br1"]},
    {"id": "x" * 50, "timestamp": "2026-12-01T09:00:00+01:00", "bookingResourceCombination": ""},
    {"id": "4f2", "timestamp": "2026-12-01T09:00:00Z", "bookingResourceCombination": None},
    {"id": "4f3", "timestamp": "2026-12-01T09:00:00Z", "seatsTotal": 5, "seatsLeft": 0},
    {"id": "4f4", "timestamp": "2026-12-01T09:00:00Z", "seatsTotal": None, "extra": {"a": 1}},
    {"id": "4f5", "timestamp": "2026-12-01T09:00:00Z", "bookingResourceCombination": ["b" * 40]},
]
UNUSUAL: list[Any] = [
    {"id": 12345, "timestamp": "2026-12-01T09:00:00Z"},
    {"id": "4f6", "timestamp": "2026-12-01T09:00:00Z", "seatsTotal": "5", "seatsLeft": "4"},
    {"id": "4f7", "timestamp": "2026-12-01T09:00:00Z", "seatsLeft": 2.0},
]
INVALID: list[Any] = [
    {"id": "", "timestamp": "2026-12-01T09:00:00Z"},
    {"id": "4f8"},
    {"id": "4f9", "timestamp": "yesterday"},
    {"id": "4fa", "timestamp": None},
    {"id": "4fb", "timestamp": "2026-12-01T09:00:00Z", "bookingResourceCombination": [1]},
    {"id": "4fc", "timestamp": "2026-12-01T09:00:00Z", "seatsLeft": True},
    {"id": "4fd", "timestamp": "2026-12-01T09:00:00Z", "seatsLeft": 2**60},
    ["not", "a", "slot"],
]


@pytest.mark.parametrize("item", PLAIN)
def test_the_plain_shape_gives_what_the_schema_gives(item: dict[str, Any]) -> None:
    fast = schemas.plain_slot(item)
    assert fast is not None
    assert fast == schemas.BookingSlotSchema().load(item)


@pytest.mark.parametrize("item", UNUSUAL + INVALID)
def test_other_shapes_are_left_to_the_schema(item: Any) -> None:
    assert schemas.plain_slot(item) is None


@pytest.mark.parametrize("item", INVALID)
def test_a_list_with_a_bad_slot_is_refused_as_before(item: Any) -> None:
    data = {
        "rangeStart": "2026-11-30T00:00:00+01:00",
        "rangeEnd": "2026-12-07T00:00:00+01:00",
        "list": [PLAIN[0], item],
    }
    with pytest.raises(ValidationError):
        schemas.SlotRangeSchema().load(data)


def test_a_list_mixing_shapes_keeps_its_order() -> None:
    data = {
        "rangeStart": "2026-11-30T00:00:00+01:00",
        "rangeEnd": "2026-12-07T00:00:00+01:00",
        "list": [PLAIN[0], UNUSUAL[1], PLAIN[4]],
    }
    loaded = schemas.SlotRangeSchema().load(data)
    assert [s.id for s in loaded.slots] == ["4f" + "a" * 30, "4f6", "4f3"]
    assert loaded.slots[1].seats_total == 5
