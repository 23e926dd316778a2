"""HTTP for the client: one pooled session, timeouts on every call, retries of safe
requests with backoff and jitter, a circuit breaker, and a log line per request.

POST and PUT are never retried here: a booking whose answer was lost is recovered
by its `customId`, not by sending it again. The log line names the method, the
route template, the status and the time taken, never query values or bodies.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from booking_app import metrics
from booking_app.moduleapi import envelope, errors, metering
from booking_app.moduleapi.breaker import CircuitBreaker

log = logging.getLogger("booking_app.moduleapi")
RETRY_STATUSES = frozenset({429, 502, 503, 504})


def pooled_session(pool_size: int = 32) -> requests.Session:
    """A session whose connection pool suits a threaded worker (no urllib3 retries)."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def new_request_id() -> str:
    """A request id for the log and the errors: a uuid4 in hex."""
    return uuid.uuid4().hex


class Transport:
    """Sends requests and turns transport failures into `errors`."""

    def __init__(
        self,
        *,
        session: requests.Session | None = None,
        connect_timeout: float = 3.05,
        read_timeout: float = 10.0,
        max_retries: int = 2,
        retry_budget: float = 6.0,
        max_retry_wait: float = 2.0,
        backoff_base: float = 0.25,
        breaker: CircuitBreaker | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[float, float], float] = random.uniform,
    ) -> None:
        self.session = session if session is not None else pooled_session()
        self.timeout = (connect_timeout, read_timeout)
        self.max_retries = max(0, max_retries)
        self.retry_budget = retry_budget
        self.max_retry_wait = max_retry_wait
        self.backoff_base = backoff_base
        self.breaker = breaker
        self.sleep = sleep
        self.clock = clock
        self.jitter = jitter

    def send(
        self,
        method: str,
        url: str,
        *,
        route: str,
        headers: dict[str, str] | None = None,
        json: Any = None,
        data: dict[str, str] | None = None,
        retry: bool | None = None,
        multipart: bool = False,
    ) -> tuple[requests.Response, str]:
        """One request: the response of any status, and the request id of its log line.

        It is retried (`retry`, by default for GETs only) on connection errors and on
        429/502/503/504, with full-jitter exponential backoff, `Retry-After` honoured
        but capped, at most `max_retries` times and within `retry_budget` seconds.
        `multipart` sends `data` as multipart/form-data (as the SDK asks for tokens).
        """
        retryable = method == "GET" if retry is None else retry
        attempts = 1 + (self.max_retries if retryable else 0)
        deadline = self.clock() + self.retry_budget
        for attempt in range(attempts):
            request_id = new_request_id()
            last = attempt == attempts - 1
            try:
                response = self._once(
                    method,
                    url,
                    route,
                    request_id,
                    headers,
                    json=json,
                    data=data,
                    multipart=multipart,
                )
            except errors.CircuitOpenError:
                raise  # failing fast is the point: no waiting, no retry
            except errors.ApiConnectionError:
                if last or not self._wait(attempt, None, deadline, method, route):
                    raise
                continue
            if response.status_code in RETRY_STATUSES and not last:
                hint = envelope.retry_after(response)
                if self._wait(attempt, hint, deadline, method, route):
                    response.close()
                    continue
            return response, request_id
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(
        self,
        method: str,
        url: str,
        route: str,
        request_id: str,
        headers: dict[str, str] | None,
        *,
        json: Any,
        data: dict[str, str] | None,
        multipart: bool = False,
    ) -> requests.Response:
        if self.breaker is not None and not self.breaker.allow():
            log.warning("moduleapi %s %s circuit-open 0ms rid=%s", method, route, request_id)
            metrics.upstream_request(method, route, "circuit-open", None)
            raise errors.CircuitOpenError(
                "the Module API failed repeatedly; not calling it for a moment",
                request_id=request_id,
                sent=False,
            )
        started = time.perf_counter()
        try:
            if multipart and data is not None:
                parts = {name: (None, value) for name, value in data.items()}
                response = self.session.request(
                    method, url, headers=headers, files=parts, timeout=self.timeout
                )
            else:
                response = self.session.request(
                    method, url, headers=headers, json=json, data=data, timeout=self.timeout
                )
        except requests.Timeout as error:
            self._failed(method, route, request_id, started, "timeout")
            raise errors.ApiTimeoutError(
                f"no answer from the Module API in time ({method} {route})",
                request_id=request_id,
                sent=not isinstance(error, requests.ConnectTimeout),
            ) from error
        except requests.RequestException as error:
            self._failed(method, route, request_id, started, "connection-error")
            raise errors.ApiConnectionError(
                f"cannot reach the Module API ({method} {route}): {type(error).__name__}",
                request_id=request_id,
                sent=not _never_connected(error),
            ) from error
        elapsed = (time.perf_counter() - started) * 1000
        metering.record(elapsed, failed=response.status_code >= 500)
        metrics.upstream_request(method, route, response.status_code, elapsed / 1000)
        log.info(
            "moduleapi %s %s %s %.0fms rid=%s",
            method,
            route,
            response.status_code,
            elapsed,
            request_id,
        )
        if self.breaker is not None:
            if response.status_code >= 500:
                self.breaker.record_failure()
            else:
                self.breaker.record_success()
        return response

    def _failed(self, method: str, route: str, rid: str, started: float, what: str) -> None:
        elapsed = (time.perf_counter() - started) * 1000
        metering.record(elapsed, failed=True)
        metrics.upstream_request(method, route, what, elapsed / 1000)
        log.warning("moduleapi %s %s %s %.0fms rid=%s", method, route, what, elapsed, rid)
        if self.breaker is not None:
            self.breaker.record_failure()

    def backoff(self, attempt: int, hint: float | None) -> float:
        """Seconds to wait before retry number `attempt + 1`: full jitter over an
        exponential ceiling, at least the server's hint, at most `max_retry_wait`."""
        ceiling = self.backoff_base * 2**attempt
        delay = self.jitter(0.0, ceiling)
        if hint is not None:
            delay = max(delay, hint)
        return min(delay, self.max_retry_wait)

    def _wait(
        self, attempt: int, hint: float | None, deadline: float, method: str, route: str
    ) -> bool:
        """Sleep before the next attempt; False when the time budget forbids it."""
        delay = self.backoff(attempt, hint)
        if self.clock() + delay >= deadline:
            return False
        log.info("moduleapi %s %s retry in %.2fs", method, route, delay)
        self.sleep(delay)
        return True


def _never_connected(error: requests.RequestException) -> bool:
    """Whether the request failed before any byte of it could be sent: the connection
    itself was refused or could not be made (so a write certainly did not happen)."""
    reason: object = error.args[0] if error.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    return isinstance(error, requests.ConnectTimeout) or isinstance(
        reason, NewConnectionError | ConnectTimeoutError
    )
