"""The details form: a marshmallow schema built from the service's flags.

Errors come back as message keys per field; `field_error_text` turns them into
translated sentences in the GOV.UK style ("Enter your first name").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from babel import Locale
from marshmallow import EXCLUDE, Schema, fields, pre_load, validate
from marshmallow import ValidationError as SchemaError

from booking_app.moduleapi import models
from booking_app.web.i18n import _

COUNTRY = validate.Regexp(r"^[A-Z]{2}$", error="invalid")
# Babel's territories that are not countries one lives in (EU, UN, unknown, …).
_NOT_COUNTRIES = frozenset({"ZZ", "XA", "XB", "EU", "EZ", "UN", "QO"})


@lru_cache(maxsize=8)
def country_choices(lang: str) -> tuple[tuple[str, str], ...]:
    """(ISO code, name in `lang`) of every country, sorted by name (a select instead of
    a free-text "two letters" field)."""
    names = Locale.parse(lang).territories
    found = [
        (code, name)
        for code, name in names.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    ]
    return tuple(sorted(found, key=lambda entry: entry[1]))


MOBILE = validate.Regexp(r"^\+?[0-9][0-9 ()./-]{5,24}$", error="invalid")
FIELD_ORDER = (
    "first_name",
    "last_name",
    "email",
    "mobile",
    "street",
    "zip",
    "city",
    "country",
    "appointment_street",
    "appointment_zip",
    "appointment_city",
    "notes",
    "consent",
)


@dataclass(frozen=True)
class FormFlags:
    """Which optional parts the service asks for."""

    email_required: bool
    mobile_required: bool
    address_required: bool
    appointment_address_required: bool

    @classmethod
    def of(cls, template: models.BookingTemplate) -> FormFlags:
        """The flags of a booking template."""
        return cls(
            template.customer_email_required,
            template.customer_mobile_required,
            template.customer_address_required,
            template.appointment_address_required,
        )


def _text(max_length: int, required: bool) -> fields.String:
    checks = [validate.Length(max=max_length, error="too_long")]
    if required:
        checks.insert(0, validate.Length(min=1, error="required"))
    messages: dict[str, Any] = {"required": "required", "invalid": "invalid", "null": "required"}
    if required:
        return fields.String(required=True, validate=checks, error_messages=messages)
    return fields.String(load_default="", validate=checks, error_messages=messages)


def details_schema(flags: FormFlags) -> Schema:
    """A schema for this service's details form."""
    spec: dict[str, fields.Field[Any]] = {
        "first_name": _text(100, True),
        "last_name": _text(100, True),
        "email": _text(254, flags.email_required),
        "mobile": _text(30, flags.mobile_required),
        "notes": _text(1000, False),
        "consent": fields.String(
            required=True,
            validate=validate.Equal("yes", error="required"),
            error_messages={"required": "required"},
        ),
    }
    if flags.address_required:
        spec.update(
            street=_text(200, True),
            zip=_text(20, True),
            city=_text(100, True),
            country=_text(2, True),
        )
    if flags.appointment_address_required:
        spec.update(
            appointment_street=_text(200, True),
            appointment_zip=_text(20, True),
            appointment_city=_text(100, True),
        )

    base: Any = Schema.from_dict(spec, name="Details")

    class DetailsSchema(base):  # type: ignore[misc]
        class Meta:
            unknown = EXCLUDE

        @pre_load
        def _normalise(self, data: Mapping[str, Any], **kw: Any) -> dict[str, Any]:
            return {k: _clean(v) if isinstance(v, str) else v for k, v in data.items()}

    schema: Schema = DetailsSchema()
    return schema


def _clean(value: str) -> str:
    """No control characters, then NFC (so "é" typed two ways is one name), trimmed.
    In that order: a removed character may have stood between a letter and its accent."""
    value = "".join(c for c in value if c in "\n\t" or unicodedata.category(c)[0] != "C")
    return unicodedata.normalize("NFC", value).strip()


def validate_details(
    flags: FormFlags, form: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """(clean values, {field: error key}) for the submitted form."""
    schema = details_schema(flags)
    raw = {k: form.get(k, "") for k in FIELD_ORDER if k in schema.fields}
    errors: dict[str, str] = {}
    try:
        values = dict(schema.load(raw))
    except SchemaError as error:
        messages = error.messages if isinstance(error.messages, dict) else {}
        for name, problems in messages.items():
            errors[str(name)] = (
                problems[0] if isinstance(problems, list) and problems else "invalid"
            )
        values = {k: _clean(str(v)) for k, v in raw.items()}  # keep what was typed
    email = values.get("email", "")
    if email and "email" not in errors and not _looks_like_email(email):
        errors["email"] = "invalid"
    mobile = values.get("mobile", "")
    if mobile and "mobile" not in errors:
        try:
            MOBILE(mobile)
        except SchemaError:
            errors["mobile"] = "invalid"
    country = values.get("country", "")
    if country and "country" not in errors:
        values["country"] = country.upper()
        try:
            COUNTRY(values["country"])
        except SchemaError:
            errors["country"] = "invalid"
    ordered = {k: errors[k] for k in FIELD_ORDER if k in errors}
    return {k: str(v) for k, v in values.items()}, ordered


def _looks_like_email(value: str) -> bool:
    try:
        validate.Email()(value)
    except SchemaError:
        return False
    return "\n" not in value and "\r" not in value


def field_label(name: str) -> str:
    """The visible label of a field."""
    labels = {
        "first_name": _("First name"),
        "last_name": _("Last name"),
        "email": _("Email address"),
        "mobile": _("Mobile phone number"),
        "street": _("Street and number"),
        "zip": _("Postcode"),
        "city": _("Town or city"),
        "country": _("Country"),
        "appointment_street": _("Street and number"),
        "appointment_zip": _("Postcode"),
        "appointment_city": _("Town or city"),
        "notes": _("Notes for the business"),
        "consent": _("I agree that my details are used to manage this appointment."),
    }
    return labels[name]


def field_error_text(name: str, key: str) -> str:
    """The translated message for an error `key` on field `name`."""
    if key == "too_long":
        return _("%(field)s is too long", field=field_label(name))
    if name == "consent":
        return _("Confirm that your details may be used for this appointment")
    if name == "email":
        if key == "required":
            return _("Enter your email address")
        return _("Enter an email address in the correct format, like name@example.com")
    if name == "mobile":
        if key == "required":
            return _("Enter your mobile phone number")
        return _("Enter a phone number, like +49 170 1234567")
    if name == "country":
        return _("Enter a two-letter country code, like DE")
    if key == "required":
        return _required_text(name)
    return _("%(field)s is not valid", field=field_label(name))


def _required_text(name: str) -> str:
    texts = {
        "first_name": _("Enter your first name"),
        "last_name": _("Enter your last name"),
        "street": _("Enter your street and house number"),
        "zip": _("Enter your postcode"),
        "city": _("Enter your town or city"),
        "appointment_street": _("Enter the street and house number of the appointment"),
        "appointment_zip": _("Enter the postcode of the appointment"),
        "appointment_city": _("Enter the town or city of the appointment"),
    }
    return texts.get(name) or _("%(field)s is not valid", field=field_label(name))


UPSTREAM_FIELDS = {
    "customer.firstName": "first_name",
    "customer.lastName": "last_name",
    "customer.email": "email",
    "customer.mobile": "mobile",
    "customer.address": "street",
    "customer.address.street": "street",
    "customer.address.zip": "zip",
    "customer.address.city": "city",
    "customer.address.country": "country",
    "address": "appointment_street",
    "notes": "notes",
}


def booking_body(
    values: Mapping[str, str],
    flags: FormFlags,
    *,
    slot_id: str,
    custom_id: str,
    locale: str,
    additional_data: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The `appointment/add` body for the clean form values (and `additional_data`, the
    host page's `utm_*` when the widget is embedded)."""
    customer: dict[str, Any] = {
        "firstName": values["first_name"],
        "lastName": values["last_name"],
        "locale": locale,
    }
    email_given = bool(values.get("email"))
    if email_given:
        customer["email"] = values["email"]
    if values.get("mobile"):
        customer["mobile"] = values["mobile"]
    if flags.address_required:
        customer["address"] = {
            "street": values["street"],
            "zip": values["zip"],
            "city": values["city"],
            "country": values["country"],
        }
    body: dict[str, Any] = {
        "bookingSlotId": slot_id,
        "customId": custom_id,
        "customer": customer,
        "notes": values.get("notes", ""),
    }
    if flags.appointment_address_required:
        body["address"] = {
            "street": values["appointment_street"],
            "zip": values["appointment_zip"],
            "city": values["appointment_city"],
        }
    if email_given:  # the SDK's flag: bookingtime e-mails the confirmation to the customer
        body["sendAppointmentAddEventEmail"] = True
    if additional_data:
        body["additionalData"] = dict(additional_data)
    return body
