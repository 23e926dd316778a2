"""The one clock: `BOOKING_NOW` starts it at an instant, and it runs on from there."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from booking_app.clock import Clock, ClockError, parse_instant, parse_since
from tests.support.clock import environ_without_settings

BERLIN = ZoneInfo("Europe/Berlin")
ROOT = Path(__file__).resolve().parents[2]


def test_real_clock_by_default() -> None:
    clock = Clock.from_environ({})
    assert not clock.moved
    assert abs(clock.now() - datetime.fromtimestamp(time.time(), UTC)) < timedelta(seconds=2)
    assert Clock.from_environ({"BOOKING_NOW": "  "}) == clock


def test_starts_at_the_instant_and_runs_on_at_real_speed() -> None:
    since = time.time() - 90  # the clock read BOOKING_NOW 90 s ago
    clock = Clock.from_environ(
        {"BOOKING_NOW": "2026-12-31T23:20:00Z", "BOOKING_NOW_SINCE": repr(since)}
    )
    assert clock.moved
    first = clock.now()
    assert first.tzinfo is UTC
    expected = datetime(2026, 12, 31, 23, 21, 30, tzinfo=UTC)
    assert abs(first - expected) < timedelta(seconds=2)
    time.sleep(0.05)
    assert clock.now() > first, "it runs on"


def test_today_is_the_zones_date() -> None:
    """23:20 UTC on Dec 31 is already New Year's Day in Berlin (00:20)."""
    clock = Clock.starting_at(datetime(2026, 12, 31, 23, 20, tzinfo=UTC), time.time())
    assert clock.today(BERLIN) == date(2027, 1, 1)
    assert clock.today(UTC) == date(2026, 12, 31)
    assert clock.today(ZoneInfo("America/New_York")) == date(2026, 12, 31)


def test_two_clocks_from_one_environment_agree() -> None:
    """A widget and a sandbox started seconds apart share one timeline."""
    env = {"BOOKING_NOW": "2027-03-28T00:40:00+00:00", "BOOKING_NOW_SINCE": repr(time.time())}
    first = Clock.from_environ(env)
    time.sleep(0.05)
    assert Clock.from_environ(env) == first


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("2026-12-31T23:20:00Z", "Z"),
        ("2026-12-31T23:20:00+00:00", "offset"),
        ("2027-01-01T00:20:00+01:00", "Berlin's offset"),
    ],
)
def test_parse_instant_accepts_a_zone(text: str, zone: str) -> None:
    assert parse_instant(text) == datetime(2026, 12, 31, 23, 20, tzinfo=UTC), zone


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("tomorrow", "ISO 8601"),
        ("", "ISO 8601"),
        ("2026-12-31T23:20:00", "needs a zone"),
        ("2026-12-31", "needs a zone"),
        ("2026-13-01T00:00:00Z", "ISO 8601"),
        ("0001-01-01T00:00:00+01:00", "out of range"),
    ],
)
def test_parse_instant_refuses_naming_the_variable(text: str, needle: str) -> None:
    with pytest.raises(ClockError, match=needle) as error:
        parse_instant(text)
    assert "BOOKING_NOW" in str(error.value)


@pytest.mark.parametrize("text", ["soon", "-5", "1e20", "nan"])
def test_parse_since_refuses_naming_the_variable(text: str) -> None:
    with pytest.raises(ClockError, match="BOOKING_NOW_SINCE"):
        parse_since(text)


@pytest.mark.parametrize(
    "command", [["sandbox", "--port", "0"], ["demo", "--port", "1", "--sandbox-port", "2"]]
)
def test_commands_stop_on_a_malformed_booking_now(command: list[str]) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "booking_app.cli", *command],
        env={**environ_without_settings(), "BOOKING_NOW": "New Year's Eve"},
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    assert run.returncode != 0
    assert "BOOKING_NOW" in run.stderr, run.stderr[-500:]
