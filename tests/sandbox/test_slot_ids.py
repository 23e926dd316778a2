"""Slot ids: stateless, canonical and unforgeable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from booking_app.sandbox import ids
from booking_app.sandbox.slot_ids import (
    EPOCH,
    SlotRef,
    _tag,
    decode_slot_id,
    encode_slot_id,
)
from tests.support.clock import this_year

KEY = b"per-database secret"
# Derived from today, so the cases stay realistic without a date that rots.
START = datetime(this_year() + 1, 3, 29, 7, 30, tzinfo=UTC)
MAX_ROWID = 62**3 - 1


@pytest.mark.parametrize(
    "ref",
    [
        SlotRef(1, START, ()),
        SlotRef(7, START, (3,)),
        SlotRef(12, START, (3, 4)),
        SlotRef(MAX_ROWID, START, (MAX_ROWID, 1, 0)),
        SlotRef(1, EPOCH, (1,)),
        SlotRef(2, datetime(2099, 12, 31, 23, 59, tzinfo=UTC), (5, 6, 7)),
    ],
)
def test_round_trip(ref: SlotRef) -> None:
    slot_id = encode_slot_id(ref, KEY)
    assert len(slot_id) == 32
    assert slot_id.startswith("4f")
    assert ids.is_valid_id(slot_id, ids.BOOKING_SLOT)
    assert decode_slot_id(slot_id, KEY) == ref


def test_start_in_another_zone_decodes_as_the_same_utc_instant() -> None:
    local = START.astimezone(timezone(timedelta(hours=2)))
    decoded = decode_slot_id(encode_slot_id(SlotRef(1, local, (2,)), KEY), KEY)
    assert decoded is not None
    assert decoded.start == START
    assert decoded.start.utcoffset() == timedelta(0)


def test_ids_are_deterministic_and_distinct() -> None:
    ref = SlotRef(1, START, (2,))
    assert encode_slot_id(ref, KEY) == encode_slot_id(ref, KEY)
    others = [
        SlotRef(1, START + timedelta(minutes=1), (2,)),
        SlotRef(2, START, (2,)),
        SlotRef(1, START, (3,)),
        SlotRef(1, START, (2, 3)),
    ]
    assert len({encode_slot_id(r, KEY) for r in [ref, *others]}) == 5


def test_tampering_any_single_character_is_refused() -> None:
    slot_id = encode_slot_id(SlotRef(3, START, (4, 5)), KEY)
    for i in range(2, len(slot_id)):
        for c in ids.ALPHABET:
            if c != slot_id[i]:
                forged = slot_id[:i] + c + slot_id[i + 1 :]
                assert decode_slot_id(forged, KEY) is None, (i, c)


def test_wrong_key_is_refused() -> None:
    slot_id = encode_slot_id(SlotRef(3, START, (4,)), KEY)
    assert decode_slot_id(slot_id, b"another database") is None
    assert decode_slot_id(slot_id, b"") is None


@pytest.mark.parametrize(
    "mutate",
    [
        lambda s: "fc" + s[2:],  # another entity's prefix
        lambda s: "4F" + s[2:],
        lambda s: s[:-1],
        lambda s: s + "0",
        lambda s: "",
        lambda s: s[:10] + "-" + s[11:],
        lambda s: s[:10] + "ä" + s[11:],  # non-ASCII must not reach compare_digest
        lambda s: s[:10] + " " + s[11:],
        lambda s: s.lower(),
    ],
)
def test_malformed_ids_are_refused(mutate: Any) -> None:
    slot_id = encode_slot_id(SlotRef(3, START, (4,)), KEY)
    assert decode_slot_id(mutate(slot_id), KEY) is None


@pytest.mark.parametrize("value", [None, 42, b"4f" + b"0" * 30])
def test_non_strings_are_refused_without_raising(value: Any) -> None:
    assert decode_slot_id(value, KEY) is None


def test_non_canonical_ids_are_refused_even_with_a_valid_tag() -> None:
    # Only someone holding the key could make these; decoding stays total and canonical.
    good = encode_slot_id(SlotRef(3, START, (4,)), KEY)
    payload = good[:20]
    bad_count = payload[:10] + "4" + payload[11:]
    dirty_padding = payload[:-1] + "1"
    for forged_payload in (bad_count, dirty_padding):
        assert decode_slot_id(forged_payload + _tag(forged_payload, KEY), KEY) is None


@pytest.mark.parametrize(
    "ref",
    [
        SlotRef(1, START, (1, 2, 3, 4)),
        SlotRef(MAX_ROWID + 1, START, ()),
        SlotRef(1, START, (MAX_ROWID + 1,)),
        SlotRef(-1, START, ()),
        SlotRef(1, START, (-5,)),
        SlotRef(1, START + timedelta(seconds=30), ()),
        SlotRef(1, START.replace(tzinfo=None), ()),
        SlotRef(1, EPOCH - timedelta(minutes=1), ()),
        SlotRef(1, EPOCH + timedelta(minutes=62**5), ()),
    ],
)
def test_encode_refuses_what_does_not_fit(ref: SlotRef) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - several distinct messages
        encode_slot_id(ref, KEY)
