"""The envelope: content of a success, the error class and details of a failure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from booking_app.moduleapi import envelope, errors
from tests.support.stubs import failure, response


def test_success_gives_the_content() -> None:
    assert envelope.read(response(200, content={"id": "x"}), "rid") == {"id": "x"}
    assert envelope.read(response(201, content=None), "rid") is None


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, errors.ValidationError),
        (401, errors.AuthenticationError),
        (403, errors.AuthenticationError),
        (404, errors.NotFoundError),
        (405, errors.ValidationError),
        (409, errors.ConflictError),
        (413, errors.ValidationError),
        (429, errors.RateLimitError),
        (500, errors.ServerError),
        (502, errors.ServerError),
        (503, errors.ServerError),
        (504, errors.ServerError),
    ],
)
def test_status_maps_to_error_class(status: int, error_class: type[Exception]) -> None:
    with pytest.raises(error_class) as caught:
        envelope.read(failure(status, "bookingSlotId", "Taken."), "rid-1")
    error = caught.value
    assert isinstance(error, errors.ModuleApiError)
    assert error.status == status
    assert error.request_id == "rid-1"
    assert error.failures == [("bookingSlotId", "Taken.")]
    assert error.parameters == {"bookingSlotId"}
    assert "rid-1" in str(error)
    assert f"status {status}" in str(error)


def test_every_error_class_is_a_module_api_error() -> None:
    for name in (
        "ApiConnectionError",
        "ApiTimeoutError",
        "CircuitOpenError",
        "AuthenticationError",
        "NotFoundError",
        "ValidationError",
        "ConflictError",
        "RateLimitError",
        "ServerError",
        "ResponseFormatError",
    ):
        assert issubclass(getattr(errors, name), errors.ModuleApiError)
    assert issubclass(errors.ApiTimeoutError, errors.ApiConnectionError)
    assert issubclass(errors.CircuitOpenError, errors.ApiConnectionError)


def test_validation_failures_keep_every_parameter_and_skip_success_messages() -> None:
    body = {
        "messageList": [
            {"class": "MESSAGE", "type": "failure", "parameter": "firstName", "text": "Missing."},
            {"class": "MESSAGE", "type": "failure", "parameter": None, "text": "Bad."},
            {"class": "MESSAGE", "type": "success", "parameter": None, "text": "Fine."},
            {"class": "MESSAGE", "parameter": "lastName", "text": "Missing."},
            "garbage",
            {"class": "MESSAGE", "type": "failure", "parameter": "x" * 500, "text": "y" * 5000},
        ],
        "content": None,
    }
    with pytest.raises(errors.ValidationError) as caught:
        envelope.read(response(400, body), "rid")
    failures = caught.value.failures
    assert failures[:3] == [("firstName", "Missing."), (None, "Bad."), ("lastName", "Missing.")]
    parameter, text = failures[3]
    assert parameter is not None
    assert len(parameter) == envelope.MAX_PARAMETER
    assert len(text) == envelope.MAX_MESSAGE_TEXT


def test_rate_limit_carries_retry_after() -> None:
    with pytest.raises(errors.RateLimitError) as caught:
        envelope.read(response(429, content=None, headers={"Retry-After": "7"}), "rid")
    assert caught.value.retry_after == 7.0


@pytest.mark.parametrize(
    ("header", "expected"),
    [("3", 3.0), ("0.5", 0.5), ("", None), ("-1", None), ("soon", None), ("nan", None)],
)
def test_retry_after_seconds(header: str, expected: float | None) -> None:
    assert envelope.retry_after(response(503, headers={"Retry-After": header})) == expected


def test_retry_after_http_date() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    hint = envelope.retry_after(response(503, headers={"Retry-After": later}), now.timestamp())
    assert hint == pytest.approx(30.0)
    past = format_datetime(now - timedelta(seconds=30), usegmt=True)
    assert envelope.retry_after(response(503, headers={"Retry-After": past}), now.timestamp()) == 0


@pytest.mark.parametrize(
    "answer",
    [
        response(200, raw=b"<html>maintenance</html>"),
        response(200, raw=b""),
        response(200, body=["not", "an", "envelope"]),
        response(200, body={"messageList": []}),
        response(200, raw=b'{"content": '),
    ],
)
def test_a_success_without_envelope_is_a_format_error(answer: object) -> None:
    with pytest.raises(errors.ResponseFormatError) as caught:
        envelope.read(answer, "rid-9")  # type: ignore[arg-type]
    assert caught.value.request_id == "rid-9"
    assert caught.value.status == 200


def test_an_html_error_page_still_maps_by_status() -> None:
    with pytest.raises(errors.ServerError) as caught:
        envelope.read(response(502, raw=b"<html>Bad gateway</html>"), "rid")
    assert caught.value.failures == []


DEEP = b"[" * 200_000 + b"]" * 200_000  # valid JSON, too deep for the parser


def test_json_nested_too_deep_is_a_format_error_not_a_crash() -> None:
    with pytest.raises(errors.ResponseFormatError):
        envelope.read(response(200, raw=b'{"messageList": [], "content": ' + DEEP + b"}"), "r")


def test_a_failure_nested_too_deep_keeps_its_error_class() -> None:
    with pytest.raises(errors.ServerError):
        envelope.read(response(503, raw=DEEP), "rid")
