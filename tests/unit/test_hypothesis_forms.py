"""Property tests over the details form schema: whatever is typed, validation answers
with clean values and known error keys (never an exception), and what it accepts is
bounded, normalised and safe to send upstream."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking_app import create_app
from booking_app.booking.form import (
    FIELD_ORDER,
    FormFlags,
    booking_body,
    details_schema,
    field_error_text,
    validate_details,
)

LIMITS = {"first_name": 100, "last_name": 100, "email": 254, "mobile": 30, "notes": 1000}
TRICKY = st.sampled_from(
    [
        "",
        " ",
        "yes",
        "e\u0301",
        "\u0301",
        "a\x00\u0301",
        "x@example.com\r\nBcc: all@example.com",
        "<script>alert(1)</script>",
        "+49 170 1234567",
        "\ud7ff\ufeff\u202e",
        "ǅ" * 101,
        "de",
    ]
)
VALUES = st.one_of(TRICKY, st.text(max_size=40), st.text(max_size=1200))
FORMS = st.dictionaries(st.sampled_from([*FIELD_ORDER, "token", "s", "other"]), VALUES)
FLAGS = st.builds(FormFlags, st.booleans(), st.booleans(), st.booleans(), st.booleans())


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app({"TESTING": True, "BOOKING_DEMO": "1"})


@pytest.fixture
def context(app: Flask) -> Iterator[None]:
    with app.test_request_context("/en/"):
        yield


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(flags=FLAGS, form=FORMS)
def test_any_input_validates_without_an_exception(
    context: None, flags: FormFlags, form: dict[str, str]
) -> None:
    values, errors = validate_details(flags, form)
    assert set(errors) <= set(FIELD_ORDER)
    for name, key in errors.items():
        assert key in {"required", "invalid", "too_long"}, (name, key)
        text = field_error_text(name, key)
        assert isinstance(text, str)
        assert text
    for name, value in values.items():
        assert isinstance(value, str)
        assert unicodedata.is_normalized("NFC", value), (name, value)
        assert all(c in "\n\t" or unicodedata.category(c)[0] != "C" for c in value), name
    if errors:
        return
    for name, limit in LIMITS.items():
        assert len(values.get(name, "")) <= limit, name
    assert "\r" not in values.get("email", "")
    assert "\n" not in values.get("email", "")
    body = booking_body(values, flags, slot_id="4f" + "0" * 30, custom_id="k" * 32, locale="en")
    json.dumps(body)  # sendable upstream
    assert body["customer"]["firstName"].strip()


@settings(max_examples=100, deadline=None)
@given(flags=FLAGS)
def test_every_field_has_a_length_limit(flags: FormFlags) -> None:
    schema = details_schema(flags)
    for name, field in schema.fields.items():
        if name == "consent":
            continue  # must equal "yes": bounded by that
        lengths = [v for v in field.validators if type(v).__name__ == "Length"]
        assert any(getattr(v, "max", None) for v in lengths), name
