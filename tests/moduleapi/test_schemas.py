"""Schemas: the entities the widget uses, the quirks the API has been seen to send,
and garbage that must become ResponseFormatError, never a crash."""

from __future__ import annotations

import pickle
from copy import deepcopy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from booking_app.moduleapi import models, schemas
from booking_app.moduleapi.errors import ResponseFormatError
from tests.support.payloads import APPOINTMENT, CONFIG, ORGANIZATION, RESOURCE, SLOTS, TEMPLATE


def quirky(value: Any, flip: list[int] | None = None) -> Any:
    """`value` the way the SDK's sample data looks: numbers as strings, empty I18n
    lists as "" or null, additionalData null, empty addresses []."""
    flip = flip if flip is not None else [0]
    if isinstance(value, list):
        return [quirky(v, flip) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, int | float) and not isinstance(item, bool):
            out[key] = str(item)
        elif key.endswith("I18nList") and item == []:
            flip[0] += 1
            out[key] = "" if flip[0] % 2 else None
        elif key == "additionalData":
            out[key] = item or None  # free-form: left as it is, unless empty
        elif key == "address" and not item:
            out[key] = []
        else:
            out[key] = quirky(item, flip)
    return out


def load_template(data: dict[str, Any]) -> models.BookingTemplate:
    template = schemas.load_one(schemas.BookingTemplateSchema, data, "booking template")
    assert isinstance(template, models.BookingTemplate)
    return template


def test_booking_template_with_steps_and_resources() -> None:
    template = load_template(TEMPLATE)
    assert template.id == TEMPLATE["id"]
    assert template.name_i18n == (
        models.I18nText("en", "Haircut"),
        models.I18nText("de", "Haarschnitt"),
    )
    assert template.duration == 30
    assert template.price_gross == 35.5
    assert template.tax_rate == 19.0
    assert template.show_price is True
    assert template.booking_day_latest == 60
    assert template.image == ""
    assert template.address is None
    (step,) = template.steps
    assert step.selection_display == "SELECT"
    (resource,) = step.resources
    assert resource.first_name == "Anna"
    assert resource.additional_data == {"floor": 2}


@pytest.mark.parametrize(
    ("schema", "data"),
    [
        (schemas.BookingTemplateSchema, TEMPLATE),
        (schemas.BookingResourceSchema, RESOURCE),
        (schemas.SlotRangeSchema, SLOTS),
        (schemas.AppointmentSchema, APPOINTMENT),
        (schemas.OrganizationSchema, ORGANIZATION),
        (schemas.ModuleConfigSchema, CONFIG),
    ],
)
def test_quirks_load_to_the_same_objects(schema: Any, data: dict[str, Any]) -> None:
    plain = schemas.load_one(schema, data, "entity")
    odd = quirky(data)
    assert odd != data  # the quirks did change something
    assert schemas.load_one(schema, odd, "entity") == plain


def test_quirky_collections_and_nulls() -> None:
    data = deepcopy(TEMPLATE)
    data.update(
        {
            "nameI18nList": "",
            "publicNameI18nList": None,
            "descriptionI18nList": {},
            "bookingStepList": "",
            "additionalData": None,
            "address": [],
            "duration": "45",
            "priceGross": "",
            "showPrice": "1",
            "bookingLeadTime": None,
            "customerEmailRequired": 0,
        }
    )
    template = load_template(data)
    assert template.name_i18n == template.public_name_i18n == template.description_i18n == ()
    assert template.steps == ()
    assert template.additional_data == {}
    assert template.address is None
    assert template.duration == 45
    assert template.price_gross is None
    assert template.show_price is True
    assert template.booking_lead_time == 0
    assert template.customer_email_required is False


def test_i18n_entries_without_key_or_text_are_dropped() -> None:
    data = deepcopy(TEMPLATE)
    data["nameI18nList"] = [
        {"key": "de", "value": "Haarschnitt"},
        {"key": "fr"},
        {"value": "no key"},
        {"key": "es", "value": ""},
        "garbage",
        {"key": "x" * 100, "value": "long key"},
    ]
    names = load_template(data).name_i18n
    assert names[0] == models.I18nText("de", "Haarschnitt")
    assert len(names) == 2
    assert len(names[1].key) == 20


def test_slot_range_with_aware_timestamps() -> None:
    slots = schemas.load_one(schemas.SlotRangeSchema, SLOTS, "slot list")
    assert isinstance(slots, models.SlotRange)
    assert slots.range_start.utcoffset() == timedelta(hours=2)
    assert slots.time_zone == "Europe/Berlin"
    first, course = slots.slots
    assert first.start == datetime(2030, 4, 1, 8, 15, tzinfo=UTC)
    assert first.resource_ids == ("br" + "r" * 30,)
    assert first.seats_total is None
    assert course.start.tzinfo is not None
    assert (course.seats_total, course.seats_left) == (8, 3)


def test_naive_timestamps_are_taken_as_utc() -> None:
    data = deepcopy(SLOTS)
    data["list"][0]["timestamp"] = "2030-04-01T08:15:00"
    slots = schemas.load_one(schemas.SlotRangeSchema, data, "slot list")
    assert slots.slots[0].start == datetime(2030, 4, 1, 8, 15, tzinfo=UTC)


def test_empty_slot_lists() -> None:
    empty: object
    for empty in ([], "", None):
        data = {**SLOTS, "list": empty}
        assert schemas.load_one(schemas.SlotRangeSchema, data, "slot list").slots == ()
    no_zone = {k: v for k, v in SLOTS.items() if k != "timeZone"}
    assert schemas.load_one(schemas.SlotRangeSchema, no_zone, "slot list").time_zone == ""


def test_appointment_with_customer_files_and_additional_data() -> None:
    appointment = schemas.load_one(schemas.AppointmentSchema, APPOINTMENT, "appointment")
    assert isinstance(appointment, models.Appointment)
    assert appointment.end - appointment.start == timedelta(minutes=30)
    assert appointment.customer is not None
    assert appointment.customer.email == "erika@example.com"
    assert appointment.customer.address is not None
    assert appointment.customer.address.city == "Berlin"
    assert appointment.files[0].file_name == "x.pdf"
    assert appointment.additional_data == {"source": ["web", "widget"]}
    public = {**APPOINTMENT, "customer": None, "protected": False}
    assert schemas.load_one(schemas.AppointmentSchema, public, "appointment").customer is None


def test_organization_and_module_config() -> None:
    org = schemas.load_one(schemas.OrganizationSchema, ORGANIZATION, "organization")
    assert org.address == models.Address(name="Studio", street="Torstraße 1")
    assert org.logo == ""  # not a URL string: dropped, not fatal
    assert org.parent_id == ""
    config = schemas.load_one(schemas.ModuleConfigSchema, CONFIG, "module config")
    assert config.booking_template_ids == ("fc" + "t" * 30,)
    assert config.additional_data == {}


def test_additional_data_keeps_scalars_and_lists_only() -> None:
    data = {
        **RESOURCE,
        "additionalData": {
            "a": "text",
            "b": 1.5,
            "c": True,
            "d": ["x", 2, {"nested": 1}],
            "e": {"nested": "dropped"},
            "f": float("nan"),
            "g": None,
        },
    }
    resource = schemas.load_one(schemas.BookingResourceSchema, data, "resource")
    assert resource.additional_data == {"a": "text", "b": 1.5, "c": True, "d": ["x", 2]}


def test_texts_are_length_bounded() -> None:
    data = {**RESOURCE, "name": "n" * 10_000, "description": "d" * 100_000, "id": "br" + "x" * 99}
    resource = schemas.load_one(schemas.BookingResourceSchema, data, "resource")
    assert len(resource.name) == 255
    assert len(resource.description) == schemas.MAX_TEXT
    assert len(resource.id) == 32


def test_loaded_objects_are_frozen_hashable_and_pickle() -> None:
    template = load_template(TEMPLATE)
    with pytest.raises(AttributeError):
        template.name = "x"  # type: ignore[misc]
    assert hash(template) == hash(load_template(deepcopy(TEMPLATE)))
    assert pickle.loads(pickle.dumps(template)) == template  # noqa: S301 (our own bytes)
    slots = schemas.load_one(schemas.SlotRangeSchema, SLOTS, "slot list")
    assert pickle.loads(pickle.dumps(slots)) == slots  # noqa: S301


def test_list_collections() -> None:
    listing = {"class": "LIST", "recordTotal": "1", "recordLimit": "9999", "recordList": [TEMPLATE]}
    (template,) = schemas.load_list(schemas.BookingTemplateSchema, listing, "booking templates")
    assert template.id == TEMPLATE["id"]
    empty: object
    for empty in ("", None, []):
        assert schemas.load_list(schemas.BookingTemplateSchema, {"recordList": empty}, "x") == []


GARBAGE_TEMPLATES: list[tuple[str, Any]] = [
    ("id", None),
    ("id", ""),
    ("customId", {"a": 1}),
    ("id", {"nested": "id"}),
    ("name", None),
    ("duration", "thirty"),
    ("duration", 30.5),
    ("duration", True),
    ("priceGross", "NaN"),
    ("priceGross", float("inf")),
    ("priceGross", [1]),
    ("showPrice", "maybe"),
    ("nameI18nList", "Haircut"),
    ("bookingStepList", {"0": "step"}),
    ("bookingStepList", ["not a step"]),
    ("bookingStepList", [{"bookingResourceList": [{"name": "no id"}]}]),
    ("address", "Torstraße 1"),
    ("description", ["a", "list"]),
]


@pytest.mark.parametrize(("field", "value"), GARBAGE_TEMPLATES)
def test_garbage_is_a_format_error(field: str, value: Any) -> None:
    data = deepcopy(TEMPLATE)
    data[field] = value
    with pytest.raises(ResponseFormatError, match="booking template"):
        load_template(data)


def test_a_blank_name_is_allowed_a_blank_id_is_not() -> None:
    assert load_template({**TEMPLATE, "name": ""}).name == ""
    with pytest.raises(ResponseFormatError, match="id"):
        load_template({**TEMPLATE, "id": " "})


def test_missing_required_fields_are_named() -> None:
    data = {k: v for k, v in TEMPLATE.items() if k != "name"}
    with pytest.raises(ResponseFormatError, match="name"):
        load_template(data)
    for broken in ({**SLOTS, "rangeStart": None}, {**SLOTS, "rangeEnd": "tomorrow"}):
        with pytest.raises(ResponseFormatError, match="slot list"):
            schemas.load_one(schemas.SlotRangeSchema, broken, "slot list")
    appointment = {k: v for k, v in APPOINTMENT.items() if k != "start"}
    with pytest.raises(ResponseFormatError, match="start"):
        schemas.load_one(schemas.AppointmentSchema, appointment, "appointment")


@pytest.mark.parametrize("content", [None, "text", 42, ["a"], True])
def test_content_of_the_wrong_shape(content: Any) -> None:
    with pytest.raises(ResponseFormatError, match="expected booking template"):
        schemas.load_one(schemas.BookingTemplateSchema, content, "booking template")


@pytest.mark.parametrize("content", [None, "text", 42, {"recordList": "x"}, {"recordList": 5}])
def test_lists_of_the_wrong_shape(content: Any) -> None:
    with pytest.raises(ResponseFormatError):
        schemas.load_list(schemas.BookingTemplateSchema, content, "booking templates")


def test_format_errors_never_quote_the_values() -> None:
    data = deepcopy(APPOINTMENT)
    data["customer"]["email"] = {"secret": "erika@example.com"}
    with pytest.raises(ResponseFormatError) as caught:
        schemas.load_one(schemas.AppointmentSchema, data, "appointment")
    assert "erika" not in str(caught.value)
    assert "email" in str(caught.value)
