"""The circuit breaker: closed → open → half-open (one trial) → closed or open again."""

from __future__ import annotations

from booking_app.cache import SafeCache
from booking_app.moduleapi.breaker import CircuitBreaker
from tests.support.stubs import BrokenCache, FakeClock, RecordingCache


def breaker(cache: SafeCache | None = None, clock: FakeClock | None = None) -> CircuitBreaker:
    return CircuitBreaker(
        cache or SafeCache(RecordingCache()), threshold=3, cooldown=10, clock=clock or FakeClock()
    )


def test_opens_after_threshold_consecutive_failures() -> None:
    b = breaker()
    for _ in range(2):
        b.record_failure()
        assert b.allow()
    b.record_failure()
    assert b.state == "open"
    assert not b.allow()


def test_a_success_resets_the_count() -> None:
    b = breaker()
    b.record_failure()
    b.record_failure()
    b.record_success()
    b.record_failure()
    b.record_failure()
    assert b.state == "closed"
    assert b.allow()


def test_half_open_lets_exactly_one_trial_through() -> None:
    clock = FakeClock()
    b = breaker(clock=clock)
    for _ in range(3):
        b.record_failure()
    clock.advance(10.5)
    assert b.state == "half-open"
    assert b.allow()
    assert not b.allow()  # others keep failing fast while the trial is out
    b.record_success()
    assert b.state == "closed"
    assert b.allow()
    assert b.allow()


def test_a_failed_trial_opens_again_at_once() -> None:
    clock = FakeClock()
    b = breaker(clock=clock)
    for _ in range(3):
        b.record_failure()
    clock.advance(11)
    assert b.allow()
    b.record_failure()
    assert b.state == "open"
    assert not b.allow()
    clock.advance(11)
    assert b.allow()  # a new cooldown, a new trial


def test_state_is_shared_through_the_cache() -> None:
    shared = SafeCache(RecordingCache())
    clock = FakeClock()
    one, other = breaker(shared, clock), breaker(shared, clock)
    for _ in range(3):
        one.record_failure()
    assert not other.allow()
    clock.advance(11)
    assert other.allow()
    assert not one.allow()  # the one trial was taken by the other "process"


def test_a_broken_cache_never_blocks_calls() -> None:
    b = breaker(SafeCache(BrokenCache()))
    for _ in range(5):
        b.record_failure()
    assert b.allow()
