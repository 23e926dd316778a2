"""Transport: which requests are retried, how long it waits, the log line."""

from __future__ import annotations

import contextlib
import logging

import pytest
import requests

from booking_app.cache import SafeCache
from booking_app.moduleapi import errors
from booking_app.moduleapi.breaker import CircuitBreaker
from booking_app.moduleapi.transport import Transport, pooled_session
from tests.support.stubs import FakeClock, RecordingCache, StubSession, failure, response

URL = "http://api.invalid/module/v3/en/organization/f6x/bookingTemplate/list?q=secret"
ROUTE = "organization/{orgId}/bookingTemplate/list"


def transport(session: StubSession, **kw: object) -> tuple[Transport, list[float]]:
    """A transport over `session` whose sleeps are recorded, not slept; its jitter
    always picks the ceiling, so the waits are predictable."""
    slept: list[float] = []
    options: dict[str, object] = {
        "session": session,
        "sleep": slept.append,
        "jitter": lambda low, high: high,
    }
    options.update(kw)
    return Transport(**options), slept  # type: ignore[arg-type]


def test_get_is_retried_on_503_then_succeeds() -> None:
    session = StubSession([failure(503), response(content="ok")])
    t, slept = transport(session)
    answer, request_id = t.send("GET", URL, route=ROUTE)
    assert answer.status_code == 200
    assert len(session.calls) == 2
    assert slept == [0.25]
    assert len(request_id) == 32
    int(request_id, 16)


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_retry_statuses(status: int) -> None:
    session = StubSession([failure(status), failure(status), response(content="ok")])
    t, slept = transport(session)
    assert t.send("GET", URL, route=ROUTE)[0].status_code == 200
    assert slept == [0.25, 0.5]  # exponential: base, then twice the base


@pytest.mark.parametrize("status", [400, 401, 404, 409, 500])
def test_other_statuses_are_not_retried(status: int) -> None:
    session = StubSession([failure(status)])
    t, slept = transport(session)
    assert t.send("GET", URL, route=ROUTE)[0].status_code == status
    assert len(session.calls) == 1
    assert slept == []


def test_retries_are_bounded_in_count() -> None:
    session = StubSession([failure(503)] * 3)
    t, slept = transport(session, max_retries=2)
    assert t.send("GET", URL, route=ROUTE)[0].status_code == 503
    assert len(session.calls) == 3
    assert len(slept) == 2


def test_retries_are_bounded_in_time() -> None:
    clock = FakeClock()
    session = StubSession([failure(503)] * 5)

    def sleep(seconds: float) -> None:
        clock.advance(seconds)

    t = Transport(
        session=session,
        sleep=sleep,
        clock=clock,
        max_retries=4,
        retry_budget=1.0,
        jitter=lambda low, high: high,
        backoff_base=0.4,
    )
    t.send("GET", URL, route=ROUTE)
    # waits of 0.4 (total 0.4), then 0.8 would pass the 1.0 s budget: stop there
    assert len(session.calls) == 2


def test_retry_after_is_honoured_but_capped() -> None:
    session = StubSession(
        [
            response(429, content=None, headers={"Retry-After": "1"}),
            response(503, content=None, headers={"Retry-After": "30"}),
            response(content="ok"),
        ]
    )
    t, slept = transport(session, max_retry_wait=2.0, retry_budget=60)
    assert t.send("GET", URL, route=ROUTE)[0].status_code == 200
    assert slept == [1.0, 2.0]


def test_full_jitter_stays_under_the_ceiling() -> None:
    t = Transport(session=StubSession(), backoff_base=0.25, max_retry_wait=2.0)
    for attempt in range(6):
        for _ in range(50):
            assert 0 <= t.backoff(attempt, None) <= min(0.25 * 2**attempt, 2.0)
    assert t.backoff(0, 1.5) == 1.5
    assert t.backoff(0, 99) == 2.0


def test_connection_errors_are_retried_for_gets() -> None:
    session = StubSession([requests.ConnectionError("refused"), response(content="ok")])
    t, slept = transport(session)
    assert t.send("GET", URL, route=ROUTE)[0].status_code == 200
    assert len(slept) == 1


def test_connection_error_after_the_last_retry() -> None:
    session = StubSession([requests.ConnectionError("refused")] * 3)
    t, _ = transport(session)
    with pytest.raises(errors.ApiConnectionError) as caught:
        t.send("GET", URL, route=ROUTE)
    assert not isinstance(caught.value, errors.ApiTimeoutError)
    assert isinstance(caught.value.__cause__, requests.ConnectionError)
    assert caught.value.request_id
    assert caught.value.status is None


def test_timeouts_become_api_timeout_errors() -> None:
    session = StubSession([requests.ReadTimeout("slow")] * 3)
    t, _ = transport(session)
    with pytest.raises(errors.ApiTimeoutError) as caught:
        t.send("GET", URL, route=ROUTE)
    assert isinstance(caught.value.__cause__, requests.ReadTimeout)


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize(
    "answer", [failure(503), failure(429), requests.ConnectionError("dropped")]
)
def test_writes_are_sent_exactly_once(method: str, answer: object) -> None:
    session = StubSession([answer, response(content="never")])  # type: ignore[list-item]
    t, slept = transport(session)
    with contextlib.suppress(errors.ApiConnectionError):
        t.send(method, URL, route=ROUTE, json={"bookingSlotId": "4f"})
    assert len(session.calls) == 1
    assert slept == []


def test_an_idempotent_post_may_be_retried_when_asked() -> None:
    session = StubSession([failure(503), response(content="ok")])
    t, _ = transport(session)
    assert t.send("POST", URL, route="oauth/token", retry=True)[0].status_code == 200


def test_every_call_has_connect_and_read_timeouts() -> None:
    session = StubSession([response(content="ok")])
    t, _ = transport(session, connect_timeout=1.5, read_timeout=4.0)
    t.send("GET", URL, route=ROUTE)
    assert session.calls[0][2]["timeout"] == (1.5, 4.0)


def test_log_line_has_route_status_time_and_id_but_no_values(
    caplog: pytest.LogCaptureFixture,
) -> None:
    session = StubSession([failure(503), response(content="ok")])
    t, _ = transport(session)
    with caplog.at_level(logging.INFO, logger="booking_app.moduleapi"):
        _, request_id = t.send("GET", URL, route=ROUTE, json={"email": "erika@example.com"})
    lines = [r.getMessage() for r in caplog.records if r.name == "booking_app.moduleapi"]
    assert lines[-1].startswith(f"moduleapi GET {ROUTE} 200 ")
    assert lines[-1].endswith(f"ms rid={request_id}")
    assert any(f"GET {ROUTE} 503" in line for line in lines)
    text = "\n".join(lines)
    assert "secret" not in text
    assert "erika" not in text
    assert "f6x" not in text
    assert all(r.levelno == logging.INFO for r in caplog.records)


def test_open_breaker_fails_fast_without_retrying() -> None:
    cache = SafeCache(RecordingCache())
    breaker = CircuitBreaker(cache, threshold=2, cooldown=30)
    session = StubSession([requests.ConnectionError("down")] * 2)
    t, slept = transport(session, breaker=breaker, max_retries=1)
    with pytest.raises(errors.ApiConnectionError):
        t.send("GET", URL, route=ROUTE)
    assert breaker.state == "open"
    with pytest.raises(errors.CircuitOpenError):
        t.send("GET", URL, route=ROUTE)
    assert len(session.calls) == 2  # the third call never went out
    assert len(slept) == 1  # and was not waited for


def test_pooled_session_mounts_one_adapter_without_urllib3_retries() -> None:
    session = pooled_session(pool_size=16)
    adapter = session.get_adapter("https://api.bookingtime.com/")
    assert adapter is session.get_adapter("http://127.0.0.1/")
    assert adapter.max_retries.total == 0  # type: ignore[attr-defined]
    assert adapter._pool_maxsize == 16  # type: ignore[attr-defined]
