"""Every error class from a real sandbox answer or an injected fault; GET retries
with backoff and Retry-After; writes sent exactly once; stale-if-error, timeouts
and the circuit breaker when the upstream is slow, broken or gone.

AuthenticationError from a real answer: test_client_tokens.test_refused_credentials.
ResponseFormatError needs answers the sandbox never gives: a tiny local server here.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from booking_app.moduleapi import (
    ApiConnectionError,
    ApiTimeoutError,
    CircuitOpenError,
    ConflictError,
    ModuleApiClient,
    ModuleApiError,
    NotFoundError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    ValidationError,
    models,
)
from tests.support.api import customer, new_custom_id
from tests.support.sandbox import SandboxProcess
from tests.support.sandbox_client import ADD, RESOURCES, calls, client_for

pytestmark = pytest.mark.integration


class Sleeps(list[float]):
    """An injected sleep: records each wait instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def recording_client(sb: SandboxProcess, **options: Any) -> tuple[ModuleApiClient, Sleeps]:
    sleeps = Sleeps()
    return client_for(sb, sleep=sleeps, **options), sleeps


def free_slot(client: ModuleApiClient, org: str, custom_id: str = "haircut") -> models.BookingSlot:
    template = next(t for t in client.list_booking_templates(org) if t.custom_id == custom_id)
    client.drop_slot_caches(org)
    slot = client.earliest_slot(org, template.id)
    assert slot is not None
    return slot


def booking(
    slot: models.BookingSlot, custom_id: str | None = None, **fields: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "bookingSlotId": slot.id,
        "customId": custom_id or new_custom_id("f"),
        "customer": customer(),
    }
    body.update(fields)
    return body


# Retries of GETs ------------------------------------------------------------------------
def test_a_get_is_retried_after_a_503(clean_sandbox: SandboxProcess) -> None:
    sb = clean_sandbox
    client, sleeps = recording_client(sb)
    sb.add_fault(route="bookingResource/list", status=503, times=1)
    sb.reset_counters()
    assert client.list_booking_resources(sb.main_org)
    assert calls(sb, RESOURCES) == 2
    assert len(sleeps) == 1
    assert 0 <= sleeps[0] <= 0.25  # full jitter under the first ceiling


def test_retry_after_is_honoured_and_capped(clean_sandbox: SandboxProcess) -> None:
    sb = clean_sandbox
    client, sleeps = recording_client(sb)
    sb.add_fault(route="bookingResource/list", status=429, retry_after=1, times=1)
    sb.add_fault(route="bookingResource/list", status=503, retry_after=30, times=1)
    sb.reset_counters()
    assert client.list_booking_resources(sb.main_org)
    assert calls(sb, RESOURCES) == 3
    assert sleeps == [1.0, 2.0]  # the hint, then the cap of 2 s


def test_retries_are_bounded(clean_sandbox: SandboxProcess) -> None:
    sb = clean_sandbox
    client, sleeps = recording_client(sb, max_retries=2)
    sb.add_fault(route="bookingResource/list", status=503, retry_after=1, times=0)
    sb.reset_counters()
    with pytest.raises(ServerError) as caught:
        client.list_booking_resources(sb.main_org)
    assert calls(sb, RESOURCES) == 3
    assert sleeps == [1.0, 1.0]
    error = caught.value
    assert error.status == 503
    assert error.failures
    assert error.failures[0][1]
    assert len(error.request_id) == 32


def test_persistent_429_is_a_rate_limit_error(clean_sandbox: SandboxProcess) -> None:
    sb = clean_sandbox
    client, _ = recording_client(sb)
    sb.add_fault(route="bookingResource/list", status=429, retry_after=7, times=0)
    with pytest.raises(RateLimitError) as caught:
        client.list_booking_resources(sb.main_org)
    assert caught.value.status == 429
    assert caught.value.retry_after == 7.0


def test_a_500_is_not_retried(clean_sandbox: SandboxProcess) -> None:
    sb = clean_sandbox
    client, sleeps = recording_client(sb)
    sb.add_fault(route="bookingResource/list", status=500, times=0)
    sb.reset_counters()
    with pytest.raises(ServerError):
        client.list_booking_resources(sb.main_org)
    assert calls(sb, RESOURCES) == 1
    assert sleeps == []


def test_a_dropped_connection_is_retried_then_an_error(clean_sandbox: SandboxProcess) -> None:
    sb = clean_sandbox
    client, _ = recording_client(sb)
    sb.add_fault(route="bookingResource/list", drop=True, times=1)
    sb.reset_counters()
    assert client.list_booking_resources(sb.main_org)
    assert calls(sb, RESOURCES) == 2
    sb.add_fault(route="bookingResource/list", drop=True, times=0)
    with pytest.raises(ApiConnectionError) as caught:
        client_for(sb, sleep=Sleeps()).list_booking_resources(sb.main_org)
    assert not isinstance(caught.value, ApiTimeoutError)
    assert caught.value.__cause__ is not None


def test_a_slow_answer_is_a_timeout_error(clean_sandbox: SandboxProcess) -> None:
    sb = clean_sandbox
    client, _ = recording_client(sb, read_timeout=0.4, max_retries=0)
    client.tokens.access_token(sb.main_org)
    sb.add_fault(route="bookingResource/list", latency_ms=1500, times=1)
    started = time.monotonic()
    with pytest.raises(ApiTimeoutError):
        client.list_booking_resources(sb.main_org)
    assert time.monotonic() - started < 1.2


# Writes are sent once --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fault", "error_class"),
    [
        ({"status": 503, "retry_after": 1}, ServerError),
        ({"status": 429, "retry_after": 1}, RateLimitError),
        ({"drop": True}, ApiConnectionError),
    ],
)
def test_a_failed_post_is_sent_exactly_once(
    clean_sandbox: SandboxProcess, fault: dict[str, Any], error_class: type[Exception]
) -> None:
    sb = clean_sandbox
    client, sleeps = recording_client(sb)
    slot = free_slot(client, sb.main_org)
    custom_id = new_custom_id("once")
    sb.add_fault(route="appointment/add", times=0, **fault)
    sb.reset_counters()
    with pytest.raises(error_class):
        client.add_appointment(sb.main_org, booking(slot, custom_id))
    assert calls(sb, ADD) == 1
    assert sleeps == []
    sb.clear_faults()
    # the fault hit before the booking was made
    assert client.identify_appointments(sb.main_org, custom_id) == []


def test_a_lost_answer_is_recovered_by_custom_id(clean_sandbox: SandboxProcess) -> None:
    sb = clean_sandbox
    client, _ = recording_client(sb)
    slot = free_slot(client, sb.main_org)
    custom_id = new_custom_id("lost")
    sb.add_fault(route="appointment/add", commit_then_hang_s=0.2, times=1)
    sb.reset_counters()
    with pytest.raises(ApiConnectionError):
        client.add_appointment(sb.main_org, booking(slot, custom_id))
    assert calls(sb, ADD) == 1
    [found] = client.identify_appointments(sb.main_org, custom_id)
    assert found.start == slot.start
    assert found.customer is not None
    assert found.customer.last_name == customer()["lastName"]


def booked_one(answer: models.AddAnswer) -> models.Appointment:
    """The appointment of a full booking answer (the sandbox's default)."""
    assert answer.appointment is not None
    return answer.appointment


# Answers that are errors ----------------------------------------------------------------
def test_booking_conflicts(clean_sandbox: SandboxProcess) -> None:
    sb = clean_sandbox
    org = sb.main_org
    client, _ = recording_client(sb)
    slot = free_slot(client, org)
    custom_id = new_custom_id("dup")
    appointment = booked_one(client.add_appointment(org, booking(slot, custom_id)))
    assert appointment.id.startswith("ed")
    assert appointment.start == slot.start
    assert appointment.custom_id == custom_id

    with pytest.raises(ConflictError) as taken:
        client.add_appointment(org, booking(slot))
    assert taken.value.status == 409
    assert taken.value.parameters == {"bookingSlotId"}

    other = free_slot(client, org)
    with pytest.raises(ConflictError) as duplicate:
        client.add_appointment(org, booking(other, custom_id))
    assert duplicate.value.parameters == {"customId"}

    assert client.cancel_appointment(org, appointment.id).canceled
    with pytest.raises(ConflictError) as twice:
        client.cancel_appointment(org, appointment.id)
    assert twice.value.parameters == {"appointmentId"}


def test_the_whole_appointment_lifecycle(clean_sandbox: SandboxProcess) -> None:
    sb = clean_sandbox
    org = sb.main_org
    client, _ = recording_client(sb)
    slot = free_slot(client, org)
    custom_id = new_custom_id("life")
    booked = booked_one(client.add_appointment(org, booking(slot, custom_id, notes="Window seat")))
    assert booked.start == slot.start
    assert booked.notes == "Window seat"
    public = client.get_appointment(org, booked.id)
    assert public.customer is None
    assert not public.protected
    private = client.get_appointment(org, booked.id, protected=True)
    assert private.customer is not None
    assert private.customer.email == customer()["email"]
    assert [a.id for a in client.identify_appointments(org, custom_id)] == [booked.id]

    uploaded = client.add_file(
        org, booked.id, name="Photo", file_name="photo.png", content=b"\x89PNG\r\n"
    )
    assert uploaded.id.startswith("w1")
    assert uploaded.size == 6
    assert [f.id for f in client.get_appointment(org, booked.id).files] == [uploaded.id]

    later = free_slot(client, org)
    moved = client.move_appointment(org, booked.id, later.id)
    assert moved.moved
    assert moved.start == later.start
    assert client.cancel_appointment(org, booked.id).canceled


def test_validation_errors_name_the_parameters(clean_sandbox: SandboxProcess) -> None:
    sb = clean_sandbox
    org = sb.main_org
    client, _ = recording_client(sb)
    slot = free_slot(client, org)
    body = booking(slot, customer=customer(lastName=None, email=None))
    with pytest.raises(ValidationError) as caught:
        client.add_appointment(org, body)
    assert caught.value.status == 400
    assert any("lastName" in p for p in caught.value.parameters)
    with pytest.raises(ValidationError) as malformed:
        client.get_booking_template(org, "not-an-id")
    assert malformed.value.parameters
    with pytest.raises(ValidationError) as tampered:
        client.add_appointment(org, booking(slot, bookingSlotId="4f" + "x" * 30))
    assert tampered.value.parameters == {"bookingSlotId"}


def test_not_found(clean_sandbox: SandboxProcess) -> None:
    sb = clean_sandbox
    client, _ = recording_client(sb)
    with pytest.raises(NotFoundError) as caught:
        client.get_appointment(sb.main_org, "ed" + "0" * 30)
    assert caught.value.status == 404
    assert caught.value.parameters == {"appointmentId"}
    assert client.identify_appointments(sb.main_org, new_custom_id("none")) == []


# A server that answers what the sandbox never does -----------------------------------------
class OddServer(BaseHTTPRequestHandler):
    """Hands out tokens, then answers API calls with `self.server.answer`."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._send(
            200, "application/json", {"refresh_token": "r", "access_token": "a", "expires_in": 3600}
        )

    def do_GET(self) -> None:
        status, kind, body = self.server.answer  # type: ignore[attr-defined]
        self._send(status, kind, body)

    def _send(self, status: int, kind: str, body: Any) -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def odd_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), OddServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def odd_client(server: ThreadingHTTPServer) -> ModuleApiClient:
    root = f"http://127.0.0.1:{server.server_address[1]}"
    return ModuleApiClient(
        api_url=f"{root}/module/v3/", oauth_url=f"{root}/oauth/token", client_id="23" + "m" * 30
    )


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ((200, "text/html", "<html>Maintenance</html>"), "not a Module API envelope"),
        ((200, "application/json", {"unexpected": True}), "not a Module API envelope"),
        ((200, "application/json", {"messageList": [], "content": []}), "expected organization"),
        (
            (200, "application/json", {"messageList": [], "content": {"id": "f6", "name": {}}}),
            "cannot read organization",
        ),
    ],
)
def test_answers_that_cannot_be_understood(
    odd_server: ThreadingHTTPServer, answer: tuple[int, str, Any], expected: str
) -> None:
    odd_server.answer = answer  # type: ignore[attr-defined]
    with pytest.raises(ResponseFormatError, match=expected) as caught:
        odd_client(odd_server).get_organization("f6" + "a" * 30)
    assert len(caught.value.request_id) == 32


# When the upstream is gone ---------------------------------------------------------------
@pytest.fixture
def private(start_sandbox: Callable[..., SandboxProcess]) -> SandboxProcess:
    return start_sandbox("--control")


def test_stale_if_error_when_the_sandbox_stops(
    private: SandboxProcess, caplog: pytest.LogCaptureFixture
) -> None:
    sb = private
    org = sb.main_org
    client = client_for(sb, entity_ttl=1, connect_timeout=0.5, read_timeout=1.0)
    templates = client.list_booking_templates(org)
    organization = client.get_organization(org)
    sb.stop()
    time.sleep(1.1)  # the fresh copies are gone, the last good ones are not
    with caplog.at_level(logging.WARNING, logger="booking_app.moduleapi"):
        assert client.list_booking_templates(org) == templates
        assert client.get_organization(org) == organization
    assert "stale copy of the booking templates" in caplog.text
    assert "stale copy of the organization" in caplog.text

    started = time.monotonic()
    with pytest.raises(ApiConnectionError):  # nothing cached: an error, not a hang
        client.list_booking_resources(org)
    assert time.monotonic() - started < 3


def test_fresh_copies_are_served_while_the_sandbox_is_down(private: SandboxProcess) -> None:
    client = client_for(private)
    templates = client.list_booking_templates(private.main_org)
    private.stop()
    for _ in range(3):
        assert client.list_booking_templates(private.main_org) == templates


def test_a_dead_upstream_opens_the_circuit(private: SandboxProcess) -> None:
    sb = private
    client = client_for(sb, breaker_threshold=3, breaker_cooldown=30, connect_timeout=0.5)
    client.tokens.access_token(sb.main_org)
    sb.stop()
    with pytest.raises(ApiConnectionError) as first:
        client.list_booking_resources(sb.main_org)  # three attempts: the circuit opens
    assert not isinstance(first.value, CircuitOpenError)
    started = time.monotonic()
    for _ in range(20):
        with pytest.raises(CircuitOpenError):
            client.get_organization(sb.main_org)
    assert time.monotonic() - started < 0.5  # failing fast, not waiting


def test_a_server_that_never_answers_costs_at_most_the_timeouts() -> None:
    with socket.socket() as listener:  # accepts connections (backlog), never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        root = f"http://127.0.0.1:{listener.getsockname()[1]}"
        client = ModuleApiClient(
            api_url=f"{root}/module/v3/",
            oauth_url=f"{root}/oauth/token",
            client_id="23" + "m" * 30,
            connect_timeout=0.3,
            read_timeout=0.3,
            max_retries=2,
        )
        started = time.monotonic()
        with pytest.raises(ApiTimeoutError) as caught:
            client.get_organization("f6" + "a" * 30)
        elapsed = time.monotonic() - started
    assert isinstance(caught.value, ModuleApiError)
    assert 0.9 <= elapsed < 3.5  # 3 attempts of 0.3 s + at most 0.25 + 0.5 s of backoff
