"""Stateless, unforgeable booking slot ids.

A slot id is "4f" + 30 base62 characters:

    template rowid   3   (< 62**3 = 238,328)
    start minute     5   minutes since 2000-01-01 UTC (62**5 minutes ≈ 1,742 years)
    resource count   1   0..3
    resource rowids  9   3 x 3 characters, unused ones "000"
    tag             12   HMAC-SHA256 over everything before it, base62 (≈ 71 bits)

The sandbox keeps no table of issued slots: the tag proves the sandbox made the id, and
the booking route checks that the slot it names is still free.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from booking_app.sandbox.ids import ALPHABET, BOOKING_SLOT, ID_LENGTH

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
MAX_RESOURCES = 3
_ROWID_LEN, _MINUTE_LEN, _TAG_LEN = 3, 5, 12
_PAYLOAD_LEN = _ROWID_LEN + _MINUTE_LEN + 1 + MAX_RESOURCES * _ROWID_LEN
_DIGITS = {c: i for i, c in enumerate(ALPHABET)}
assert len(BOOKING_SLOT) + _PAYLOAD_LEN + _TAG_LEN == ID_LENGTH


@dataclass(frozen=True)
class SlotRef:
    """What a slot id names: a template, a start (UTC, whole minutes) and the resources."""

    template_rowid: int
    start: datetime
    resource_rowids: tuple[int, ...]


@lru_cache(maxsize=32768)  # warm week lists re-encode the same slots
def encode_slot_id(ref: SlotRef, key: bytes) -> str:
    """The slot id of `ref`, tagged with `key`.

    Raises ValueError for rowids that don't fit, more than three resources, or a start
    that is naive, not a whole minute or before 2000-01-01.
    """
    if len(ref.resource_rowids) > MAX_RESOURCES:
        raise ValueError(f"at most {MAX_RESOURCES} resources fit a slot id")
    if ref.start.tzinfo is None:
        raise ValueError("slot start must be timezone-aware")
    minutes, rest = divmod(ref.start - EPOCH, timedelta(minutes=1))
    if rest:
        raise ValueError("slot start must be a whole minute")
    rowids = list(ref.resource_rowids) + [0] * (MAX_RESOURCES - len(ref.resource_rowids))
    payload = (
        BOOKING_SLOT
        + _base62(ref.template_rowid, _ROWID_LEN)
        + _base62(minutes, _MINUTE_LEN)
        + str(len(ref.resource_rowids))
        + "".join(_base62(r, _ROWID_LEN) for r in rowids)
    )
    return payload + _tag(payload, key)


def decode_slot_id(slot_id: str, key: bytes) -> SlotRef | None:
    """The SlotRef of a genuine id made with `key`; None for anything else (never raises)."""
    if (
        not isinstance(slot_id, str)
        or len(slot_id) != ID_LENGTH
        or not slot_id.startswith(BOOKING_SLOT)
        or not all(c in _DIGITS for c in slot_id)  # also keeps compare_digest to ASCII
    ):
        return None
    payload, tag = slot_id[:-_TAG_LEN], slot_id[-_TAG_LEN:]
    if not hmac.compare_digest(tag, _tag(payload, key)):
        return None
    fields = payload[len(BOOKING_SLOT) :]
    template = _int(fields[:_ROWID_LEN])
    minutes = _int(fields[_ROWID_LEN : _ROWID_LEN + _MINUTE_LEN])
    count_char = fields[_ROWID_LEN + _MINUTE_LEN]
    if count_char not in "0123":
        return None  # only reachable with the key, but stay total
    count = int(count_char)
    chunks = fields[_ROWID_LEN + _MINUTE_LEN + 1 :]
    rowids = [_int(chunks[i : i + _ROWID_LEN]) for i in range(0, len(chunks), _ROWID_LEN)]
    if any(rowids[count:]):
        return None  # padding must be zeros, so every slot has exactly one id
    return SlotRef(template, EPOCH + timedelta(minutes=minutes), tuple(rowids[:count]))


def _tag(payload: str, key: bytes) -> str:
    digest = hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest()
    return _base62(int.from_bytes(digest, "big") % len(ALPHABET) ** _TAG_LEN, _TAG_LEN)


@lru_cache(maxsize=8192)
def _base62(value: int, width: int) -> str:
    """`value` as exactly `width` base62 digits; ValueError when it doesn't fit."""
    if not 0 <= value < len(ALPHABET) ** width:
        raise ValueError(f"{value} does not fit {width} base62 digits")
    out = []
    for _ in range(width):
        value, digit = divmod(value, len(ALPHABET))
        out.append(ALPHABET[digit])
    return "".join(reversed(out))


def _int(digits: str) -> int:
    value = 0
    for c in digits:
        value = value * len(ALPHABET) + _DIGITS[c]
    return value
