"""Request bodies the sandbox accepts, validated strictly (unknown fields refused).

Field errors carry message keys of `messages.TEXTS`; `failures()` turns
marshmallow's nested error dict into `(parameter, key)` pairs such as
`("customer.email", "invalid_email")`.
"""

from __future__ import annotations

import math
from typing import Any

from marshmallow import RAISE, Schema, fields, validate
from marshmallow import ValidationError as SchemaError

KEYS: dict[str, str | list[Any] | dict[Any, Any]] = {
    "required": "missing",
    "null": "invalid_type",
    "invalid": "invalid_type",
}


def _str(max_len: int = 255, min_len: int = 0, **kw: Any) -> fields.String:
    length = validate.Length(min=min_len, max=max_len, error="too_long")
    if min_len:
        # An empty required name is "missing", not "too long".
        return fields.String(
            error_messages=KEYS,
            validate=[
                validate.Length(min=min_len, error="missing"),
                validate.Length(max=max_len, error="too_long"),
            ],
            **kw,
        )
    return fields.String(error_messages=KEYS, validate=length, **kw)


class StrictSchema(Schema):
    """Refuses unknown fields, like a careful API."""

    class Meta:
        unknown = RAISE


class GeoSchema(StrictSchema):
    latitude = fields.Float(required=True, error_messages=KEYS)
    longitude = fields.Float(required=True, error_messages=KEYS)


class AddressSchema(StrictSchema):
    name = _str()
    extra = _str()
    street = _str()
    zip = _str(20)
    city = _str()
    country = fields.String(
        error_messages=KEYS,
        validate=validate.Regexp(r"^[A-Z]{2}$", error="invalid_value"),
    )
    geoCoordinates = fields.Nested(GeoSchema, allow_none=True, error_messages=KEYS)


class OptionalDate(fields.Date):
    """A date, or `""` for "not given" (the SDK's sample sends `birthday: ""`)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if value == "":
            return None
        return super()._deserialize(value, attr, data, **kwargs)


class CustomerSchema(StrictSchema):
    customId = _str(allow_none=True)
    gender = fields.String(
        error_messages=KEYS,
        validate=validate.OneOf(["MALE", "FEMALE", "NOT_SPECIFIED"], error="invalid_value"),
    )
    title = _str(60)
    firstName = _str(100, 1, required=True)
    lastName = _str(100, 1, required=True)
    birthday = OptionalDate(error_messages=KEYS, allow_none=True)
    email = fields.Email(
        error_messages={**KEYS, "invalid": "invalid_email"},
        allow_none=True,
        validate=validate.Length(max=254, error="too_long"),
    )
    mobile = fields.String(
        error_messages=KEYS,
        allow_none=True,
        # `""` is "not given" (the SDK's sample): refused only where a mobile is required.
        validate=validate.Regexp(r"^(\+?[0-9 ()/.-]{3,30})?$", error="invalid_value"),
    )
    notes = _str(2000, allow_none=True)
    locale = fields.String(
        error_messages=KEYS,
        allow_none=True,
        validate=validate.Regexp(r"^[a-z]{2}([_-][A-Za-z]{2})?$", error="invalid_value"),
    )
    address = fields.Nested(AddressSchema, allow_none=True, error_messages=KEYS)


class AdditionalValue(fields.Field[Any]):
    """A custom field's value: text, number or boolean (or a list of them)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        scalar = (str, int, float, bool)
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, float) and not math.isfinite(v) for v in values):
            raise SchemaError("invalid_value")  # NaN/Infinity would make the answers invalid JSON
        if isinstance(value, scalar) or (
            isinstance(value, list) and all(isinstance(v, scalar) for v in value)
        ):
            if len(str(value)) > 1000:
                raise SchemaError("too_long")
            return value
        raise SchemaError("invalid_type")


class AppointmentAddSchema(StrictSchema):
    bookingSlotId = fields.String(required=True, error_messages=KEYS)
    customId = _str(100, allow_none=True)
    notes = _str(2000, allow_none=True)
    address = fields.Nested(AddressSchema, allow_none=True, error_messages=KEYS)
    additionalData = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=100, error="too_long")),
        values=AdditionalValue(),
        allow_none=True,
        error_messages=KEYS,
    )
    sendAppointmentAddEventEmail = fields.Boolean(error_messages=KEYS)
    sendAppointmentStartEventEmail = fields.Boolean(error_messages=KEYS)
    sendAppointmentEndEventEmail = fields.Boolean(error_messages=KEYS)
    customer = fields.Nested(CustomerSchema, required=True, error_messages=KEYS)


class MoveSchema(StrictSchema):
    bookingSlotId = fields.String(required=True, error_messages=KEYS)


class FileAddSchema(StrictSchema):
    name = _str(255, required=True)
    fileName = _str(255, required=True)
    fileContent = fields.String(required=True, error_messages=KEYS)
    customId = _str(100, allow_none=True)
    appointmentId = fields.String(required=True, error_messages=KEYS)


def failures(errors: Any, prefix: str = "") -> list[tuple[str | None, str]]:
    """Flatten marshmallow's error messages into `(parameter, message key)` pairs."""
    out: list[tuple[str | None, str]] = []
    if isinstance(errors, dict):
        for name, sub in errors.items():
            path = f"{prefix}.{name}" if prefix else str(name)
            if name == "_schema":
                path = prefix
            out.extend(failures(sub, path))
    elif isinstance(errors, list):
        for item in errors:
            if isinstance(item, str):
                key = (
                    item
                    if item in _KNOWN
                    else ("unknown_field" if "Unknown" in item else "invalid_value")
                )
                out.append((prefix or None, key))
            else:
                out.extend(failures(item, prefix))
    elif isinstance(errors, str):
        out.extend(failures([errors], prefix))
    return out


def load(schema: Schema, body: Any) -> dict[str, Any]:
    """Validate `body` or raise ApiError(400) naming each offending parameter."""
    from booking_app.sandbox.messages import ApiError

    try:
        return dict(schema.load(body))
    except SchemaError as error:
        raise ApiError(400, failures(error.messages) or [(None, "invalid_value")]) from None


from booking_app.sandbox.messages import TEXTS as _KNOWN  # noqa: E402
