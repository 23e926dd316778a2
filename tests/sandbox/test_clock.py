"""The sandbox's clock: the real time shifted by `--now` / `BOOKING_NOW`, pinnable."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from booking_app.sandbox.clock import Clock

NEW_YEAR = datetime(2026, 12, 31, 23, 20, tzinfo=UTC)


def test_runs_on_from_its_start() -> None:
    clock = Clock(NEW_YEAR - datetime.fromtimestamp(time.time(), UTC))
    first = clock.now()
    assert abs(first - NEW_YEAR) < timedelta(seconds=2)
    time.sleep(0.05)
    assert clock.now() > first


def test_a_pin_stands_still_and_unpinning_returns_to_the_start_offset() -> None:
    clock = Clock(NEW_YEAR - datetime.fromtimestamp(time.time(), UTC))
    clock.pin(datetime(2027, 3, 28, 0, 40, tzinfo=UTC))
    assert clock.now() == datetime(2027, 3, 28, 0, 40, tzinfo=UTC)
    clock.pin(None)
    assert abs(clock.now() - NEW_YEAR) < timedelta(seconds=2), "not the real time"


def test_a_pin_needs_a_zone() -> None:
    with pytest.raises(ValueError, match="UTC offset"):
        Clock().pin(datetime(2027, 1, 1))  # noqa: DTZ001
