"""What one `appointment/add` came to, for every kind of answer a server may give,
including those the sandbox cannot produce on demand (a refused connection, a 500
after the write, an unreadable 2xx). The client is a stub here: these are the
failure modes the developers' guide allows to fake."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from booking_app.booking.submit import Expected, find_booking, send_booking
from booking_app.moduleapi import (
    ApiConnectionError,
    ApiTimeoutError,
    AuthenticationError,
    ConflictError,
    ModuleApiError,
    NotFoundError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    ValidationError,
    models,
)

ORG = "f6" + "o" * 30
KEY = "k" * 32
START = datetime(2027, 3, 3, 9, 0, tzinfo=UTC)
EXPECTED = Expected(START, 45, ("br" + "b" * 30,))
BOOKED = models.Appointment(
    id="ed" + "a" * 30,
    start=START,
    end=datetime(2027, 3, 3, 9, 45, tzinfo=UTC),
    custom_id=KEY,
    resources=(models.BookingResource(id="br" + "b" * 30, name="Ben"),),
)


class Client:
    """A stub client: `add` raises or returns what it is given; identify finds
    `found`; show answers `shown` (or the identified appointment)."""

    def __init__(
        self,
        add: Any,
        found: list[models.Appointment] | Exception | None = None,
        shown: models.Appointment | Exception | None = None,
    ) -> None:
        self.add, self.found, self.shown = add, found or [], shown
        self.calls: list[str] = []

    def add_appointment(self, org_id: str, body: Any, *, lang: str | None = None) -> Any:
        self.calls.append("add")
        if isinstance(self.add, Exception):
            raise self.add
        return self.add

    def identify_appointments(self, org_id: str, custom_id: str, *, lang: str | None = None) -> Any:
        self.calls.append("identify")
        if isinstance(self.found, Exception):
            raise self.found
        return self.found

    def get_appointment(self, org_id: str, appointment_id: str, *, lang: str | None = None) -> Any:
        self.calls.append("show")
        if isinstance(self.shown, Exception):
            raise self.shown
        if self.shown is not None:
            return self.shown
        for a in self.found if isinstance(self.found, list) else []:
            if a.id == appointment_id:
                return a
        raise NotFoundError("no such appointment", status=404)


def send(client: Client) -> Any:
    return send_booking(client, ORG, {"customId": KEY}, EXPECTED, "en")  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("booking_app.booking.submit.LOOKUP_PAUSE", 0)


def test_a_full_answer_is_booked_without_asking_more() -> None:
    client = Client(models.AddAnswer(BOOKED))
    outcome = send(client)
    assert (outcome.kind, outcome.appointment) == ("booked", BOOKED)
    assert client.calls == ["add"]


def test_an_answer_naming_only_the_id_is_booked_and_shown() -> None:
    client = Client(models.AddAnswer(None, BOOKED.id), shown=BOOKED)
    outcome = send(client)
    assert (outcome.kind, outcome.appointment) == ("booked", BOOKED)
    assert client.calls == ["add", "show"]


def test_an_id_only_answer_stays_booked_when_show_fails() -> None:
    client = Client(models.AddAnswer(None, BOOKED.id), shown=ServerError("down", status=500))
    outcome = send(client)
    assert outcome.kind == "booked"
    assert outcome.appointment is not None
    assert outcome.appointment.id == BOOKED.id
    assert outcome.appointment.start == START
    assert outcome.appointment.end == BOOKED.end  # the form token's start + duration
    assert [r.id for r in outcome.appointment.resources] == ["br" + "b" * 30]


def test_an_answer_naming_nothing_is_found_by_custom_id() -> None:
    client = Client(models.AddAnswer(None, ""), found=[BOOKED])
    assert send(client).kind == "booked"
    client = Client(models.AddAnswer(None, ""), found=[])
    assert send(client).kind == "unknown", "booked (a 2xx), but not found yet: confirm later"


@pytest.mark.parametrize(
    "error",
    [
        ApiTimeoutError("read timeout", sent=True),
        ApiConnectionError("reset", sent=True),
        ServerError("boom", status=500),
        ServerError("gateway", status=502),
        ServerError("gateway timeout", status=504),
        ResponseFormatError("not json", status=201),
        ResponseFormatError("redirect", status=302),
    ],
    ids=["timeout", "reset", "500", "502", "504", "unreadable-2xx", "3xx"],
)
def test_an_unclear_answer_is_resolved_before_anything_is_said(error: ModuleApiError) -> None:
    assert send(Client(error, found=[BOOKED])).kind == "booked"
    cancelled = models.Appointment(id=BOOKED.id, start=START, end=BOOKED.end, canceled=True)
    assert send(Client(error, found=[cancelled])).kind == "cancelled"
    client = Client(error, found=[])
    assert send(client).kind == "unknown", "never 'not booked' after an unclear answer"
    assert client.calls == ["add", "identify", "identify"]


@pytest.mark.parametrize(
    "error",
    [
        ApiConnectionError("refused", sent=False),
        ApiTimeoutError("connect timeout", sent=False),
        RateLimitError("slow down"),
        AuthenticationError("no", status=403),
        NotFoundError("no such organization", status=404),
    ],
    ids=["refused", "connect-timeout", "429", "403", "404"],
)
def test_a_request_that_certainly_did_nothing_is_unreached(error: ModuleApiError) -> None:
    client = Client(error)
    assert send(client).kind == "unreached"
    assert client.calls == ["add"]


def test_a_503_is_unreached_only_when_nothing_is_found() -> None:
    assert send(Client(ServerError("busy", status=503))).kind == "unreached"
    assert send(Client(ServerError("busy", status=503), found=[BOOKED])).kind == "booked"


@pytest.mark.parametrize(
    "error",
    [
        ConflictError("taken", status=409, failures=[("bookingSlotId", "taken")]),
        ValidationError("taken", status=400, failures=[("bookingSlotId", "not free")]),
        ConflictError("taken", status=409),
    ],
    ids=["409", "400-bookingSlotId", "409-unnamed"],
)
def test_a_taken_slot_is_taken_unless_this_form_took_it(error: ModuleApiError) -> None:
    assert send(Client(error)).kind == "taken"
    # Another process, sharing no cache, booked this very form a moment ago.
    assert send(Client(error, found=[BOOKED])).kind == "booked"


def test_a_refusal_naming_the_custom_id_finds_the_booking() -> None:
    refused = ConflictError("exists", status=409, failures=[("customId", "exists")])
    assert send(Client(refused, found=[BOOKED])).kind == "booked"
    assert send(Client(refused, found=[])).kind == "unknown"


def test_a_refusal_naming_fields_keeps_them() -> None:
    refused = ValidationError("bad", status=400, failures=[("customer.email", "invalid")])
    outcome = send(Client(refused))
    assert outcome.kind == "refused"
    assert outcome.field_errors == {"email": "invalid"}


def test_identify_prefers_a_live_appointment_over_a_cancelled_one() -> None:
    cancelled = models.Appointment(id="ed" + "c" * 30, start=START, end=BOOKED.end, canceled=True)
    found = find_booking(Client(None, found=[cancelled, BOOKED]), ORG, KEY, "en")  # type: ignore[arg-type]
    assert (found.kind, found.appointment) == ("booked", BOOKED)


def test_show_keeps_the_staff_identify_named() -> None:
    bare = models.Appointment(id=BOOKED.id, start=START, end=BOOKED.end)
    found = find_booking(Client(None, found=[BOOKED], shown=bare), ORG, KEY, "en")  # type: ignore[arg-type]
    assert found.appointment is not None
    assert found.appointment.resources == BOOKED.resources
