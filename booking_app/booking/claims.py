"""Exactly one booking per form: the widget's own job (DESIGN principle 4).

Whether the Module API refuses a repeated `customId` is unknown, so nothing here
rests on it. Before the first `appointment/add` of a form, the request claims the
form's key in the shared cache (this process's memory, or Redis across processes).
Only the claim's owner sends the booking upstream; every duplicate (a double click, a
resubmit, the same form on another instance) waits for the owner's outcome and shows
it. The record outlives the form token, so a form can never book twice while its
token is valid.

Records (JSON-ready dicts under `claim:{org}:{key}`):
- `{"state": "pending", "since": t}`: the owner is at work;
- `{"state": "unknown", "since": t}`: the write was sent and its outcome is unknown
  (the confirming page resolves it);
- `{"state": "done", "outcome": {…}}`: what the booking came to (see details.py).
A refusal that booked nothing releases the claim, so the corrected form can try again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from booking_app.cache import SafeCache, app_cache

# The owner's lease: longer than a whole booking of several seats can take.
PENDING_SECONDS = 180
# Outcomes are kept beyond the form token's two hours.
RECORD_SECONDS = 3 * 3600
# How long a duplicate waits for the owner before it shows the confirming page.
WAIT_SECONDS = 12.0
POLL_SECONDS = 0.1


@dataclass(frozen=True)
class Claim:
    """The claim of one form: whether this request owns it, and the record it found."""

    key: str
    owned: bool
    record: dict[str, Any] | None = None


def _cache() -> SafeCache:
    return app_cache("claims")


def claim_key(org_id: str, custom_id: str) -> str:
    """The cache key of a form's claim."""
    return f"claim:{org_id}:{custom_id}"


def claim(org_id: str, custom_id: str) -> Claim:
    """Claim the form `custom_id` of `org_id`, or find who has it.

    Without a working cache the claim is taken (the booking goes ahead: refusing to
    book because a cache is down would be worse); the upstream lookup by customId after
    any unclear answer still keeps a customer from being told the wrong thing."""
    key = claim_key(org_id, custom_id)
    cache = _cache()
    if cache.add(key, {"state": "pending", "since": time.time()}, timeout=PENDING_SECONDS):
        return Claim(key, owned=True)
    return Claim(key, owned=False, record=read(key))


def read(key: str) -> dict[str, Any] | None:
    """The record under `key`, if any."""
    record = _cache().get(key)
    return record if isinstance(record, dict) else None


def wait_for_outcome(key: str, seconds: float = WAIT_SECONDS) -> dict[str, Any] | None:
    """The record once it is no longer pending (None when none is left), or the pending
    record when the owner takes longer than `seconds`."""
    deadline = time.monotonic() + seconds
    record = read(key)
    while record is not None and record.get("state") == "pending":
        if time.monotonic() >= deadline:
            return record
        time.sleep(POLL_SECONDS)
        record = read(key)
    return record


def record_outcome(key: str, outcome: dict[str, Any]) -> None:
    """What the booking came to: shown to every duplicate from now on."""
    _cache().set(key, {"state": "done", "outcome": outcome}, timeout=RECORD_SECONDS)


def record_unknown(key: str, since: float) -> None:
    """The write was sent and nobody knows yet whether it was made."""
    _cache().set(key, {"state": "unknown", "since": since}, timeout=RECORD_SECONDS)


def release(key: str) -> None:
    """Nothing was booked: let the (corrected) form try again."""
    _cache().delete(key)
