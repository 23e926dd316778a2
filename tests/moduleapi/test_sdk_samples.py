"""The shapes of the SDK's sample data (module-api.md, "Shapes a client must tolerate"):
each one loads, and loads to the values the widget works with."""

from __future__ import annotations

from copy import deepcopy
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from marshmallow import Schema

from booking_app.moduleapi import models, schemas
from booking_app.moduleapi.errors import ResponseFormatError
from tests.support.payloads import (
    CONFIG,
    RESOURCE,
    SDK_ADDITIONAL_DATA,
    SDK_ADDRESS_FLAT,
    SDK_ADDRESS_GEO,
    SDK_APPOINTMENT,
    SDK_CUSTOM_ENTITY_SHORT,
    SDK_ORGANIZATION,
    TEMPLATE,
)

EN = models.I18nText("en", "Haircut")
DE = models.I18nText("de", "Haarschnitt")
SDK_ADDRESS = models.Address(
    name="Salon",
    extra="2nd floor",
    street="Hauptstraße 1",
    zip="12345",
    city="Musterstadt",
    country="DE",
)


def load(schema: type[Schema], data: dict[str, Any]) -> Any:
    return schemas.load_one(schema, data, "entity")


def changed(data: dict[str, Any], **fields: Any) -> dict[str, Any]:
    out = deepcopy(data)
    out.update(fields)
    return out


I18N_FIELDS = [
    pytest.param(
        schemas.BookingTemplateSchema, TEMPLATE, "nameI18nList", "name_i18n", id="tpl-name"
    ),
    pytest.param(
        schemas.BookingTemplateSchema,
        TEMPLATE,
        "publicNameI18nList",
        "public_name_i18n",
        id="tpl-public",
    ),
    pytest.param(
        schemas.BookingTemplateSchema,
        TEMPLATE,
        "descriptionI18nList",
        "description_i18n",
        id="tpl-description",
    ),
    pytest.param(schemas.BookingResourceSchema, RESOURCE, "nameI18nList", "name_i18n", id="res"),
    pytest.param(
        schemas.CustomEntitySchema, SDK_CUSTOM_ENTITY_SHORT, "nameI18nList", "name_i18n", id="ent"
    ),
    pytest.param(
        schemas.AppointmentSchema,
        SDK_APPOINTMENT,
        "descriptionI18nList",
        "description_i18n",
        id="appt",
    ),
]
I18N_SHAPES = [
    pytest.param([], (), id="empty-list"),
    pytest.param("", (), id="empty-string"),
    pytest.param(None, (), id="null"),
    pytest.param({}, (), id="empty-map"),
    pytest.param({"en": "Haircut"}, (EN,), id="map"),
    pytest.param({"en": "Haircut", "de": "Haarschnitt"}, (EN, DE), id="map-two"),
    pytest.param({"en": "Haircut", "fr": "", "es": None, "it": 3}, (EN,), id="map-blanks"),
    pytest.param([{"key": "en", "value": "Haircut"}], (EN,), id="list"),
    pytest.param(
        [{"key": "en", "value": "Haircut"}, {"key": "de", "value": "Haarschnitt"}],
        (EN, DE),
        id="list-two",
    ),
]


@pytest.mark.parametrize(("schema", "base", "field", "attr"), I18N_FIELDS)
@pytest.mark.parametrize(("value", "expected"), I18N_SHAPES)
def test_i18n_shapes(
    schema: type[Schema],
    base: dict[str, Any],
    field: str,
    attr: str,
    value: Any,
    expected: tuple[models.I18nText, ...],
) -> None:
    entity = load(schema, changed(base, **{field: value}))
    assert getattr(entity, attr) == expected


def test_i18n_map_and_list_forms_are_the_same_value() -> None:
    as_map = load(schemas.BookingTemplateSchema, changed(TEMPLATE, nameI18nList={"en": "Haircut"}))
    as_list = load(
        schemas.BookingTemplateSchema,
        changed(TEMPLATE, nameI18nList=[{"key": "en", "value": "Haircut"}]),
    )
    assert as_map == as_list
    assert hash(as_map) == hash(as_list)


def test_i18n_map_entries_are_bounded() -> None:
    data = changed(TEMPLATE, nameI18nList={"x" * 100: "v" * 10_000})
    (entry,) = load(schemas.BookingTemplateSchema, data).name_i18n
    assert (len(entry.key), len(entry.value)) == (20, schemas.MAX_TEXT)


@pytest.mark.parametrize("value", ["Haircut", 42, True])
def test_i18n_garbage_stays_an_error(value: Any) -> None:
    with pytest.raises(ResponseFormatError, match="nameI18nList"):
        load(schemas.BookingTemplateSchema, changed(TEMPLATE, nameI18nList=value))


CUSTOMER = {
    "customId": "c-1",
    "gender": "FEMALE",
    "firstName": "Erika",
    "lastName": "Mustermann",
    "email": "erika@example.com",
    "mobile": "",
    "birthday": "",
    "locale": "de_DE",
    "address": SDK_ADDRESS_FLAT,
}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param([], None, id="empty-php-array"),
        pytest.param({}, None, id="empty-map"),
        pytest.param(None, None, id="null"),
        pytest.param("", None, id="empty-string"),
        pytest.param(
            CUSTOMER,
            models.Customer(
                first_name="Erika",
                last_name="Mustermann",
                email="erika@example.com",
                locale="de_DE",
                custom_id="c-1",
                gender="FEMALE",
                address=SDK_ADDRESS,
            ),
            id="object-with-flat-address",
        ),
    ],
)
def test_customer_shapes(value: Any, expected: models.Customer | None) -> None:
    appointment = load(schemas.AppointmentSchema, changed(SDK_APPOINTMENT, customer=value))
    assert appointment.customer == expected


@pytest.mark.parametrize("value", ["Erika", ["Erika"], 1])
def test_customer_garbage_stays_an_error(value: Any) -> None:
    with pytest.raises(ResponseFormatError, match="customer"):
        load(schemas.AppointmentSchema, changed(SDK_APPOINTMENT, customer=value))


ADDRESS_HOLDERS = [
    pytest.param(schemas.AppointmentSchema, SDK_APPOINTMENT, id="appointment"),
    pytest.param(schemas.OrganizationSchema, SDK_ORGANIZATION, id="organization"),
    pytest.param(schemas.BookingTemplateSchema, TEMPLATE, id="template"),
]
ADDRESS_SHAPES = [
    pytest.param(None, None, id="null"),
    pytest.param([], None, id="empty-php-array"),
    pytest.param({}, None, id="empty-map"),
    pytest.param(SDK_ADDRESS_FLAT, SDK_ADDRESS, id="flat-coordinates"),
    pytest.param(SDK_ADDRESS_GEO, SDK_ADDRESS, id="geo-coordinates"),
    pytest.param(
        {**SDK_ADDRESS_FLAT, "latitude": "52.52", "longitude": "13.405"},
        SDK_ADDRESS,
        id="flat-coordinates-as-text",
    ),
    pytest.param(
        {**SDK_ADDRESS_GEO, "geoCoordinates": None}, SDK_ADDRESS, id="geo-coordinates-null"
    ),
]


@pytest.mark.parametrize(("schema", "base"), ADDRESS_HOLDERS)
@pytest.mark.parametrize(("value", "expected"), ADDRESS_SHAPES)
def test_address_shapes(
    schema: type[Schema],
    base: dict[str, Any],
    value: Any,
    expected: models.Address | None,
) -> None:
    assert load(schema, changed(base, address=value)).address == expected


ADDITIONAL_DATA_HOLDERS = [
    pytest.param(schemas.AppointmentSchema, SDK_APPOINTMENT, id="appointment"),
    pytest.param(schemas.ModuleConfigSchema, CONFIG, id="config"),
    pytest.param(schemas.BookingResourceSchema, RESOURCE, id="resource"),
    pytest.param(schemas.CustomEntitySchema, SDK_CUSTOM_ENTITY_SHORT, id="custom-entity"),
]
ADDITIONAL_DATA_SHAPES = [
    pytest.param(None, {}, id="null"),
    pytest.param([], {}, id="empty-php-array"),
    pytest.param({}, {}, id="empty-map"),
    pytest.param(SDK_ADDITIONAL_DATA, {"testKey": ["value1", "value2"]}, id="lists-of-strings"),
]


@pytest.mark.parametrize(("schema", "base"), ADDITIONAL_DATA_HOLDERS)
@pytest.mark.parametrize(("value", "expected"), ADDITIONAL_DATA_SHAPES)
def test_additional_data_shapes(
    schema: type[Schema], base: dict[str, Any], value: Any, expected: dict[str, Any]
) -> None:
    assert load(schema, changed(base, additionalData=value)).additional_data == expected


@pytest.mark.parametrize(
    ("schema", "base", "field", "value", "attr", "expected"),
    [
        pytest.param(schemas.BookingResourceSchema, RESOURCE, "image", "", "image", "", id="image"),
        pytest.param(
            schemas.BookingTemplateSchema, TEMPLATE, "image", "", "image", "", id="tpl-image"
        ),
        pytest.param(
            schemas.OrganizationSchema,
            SDK_ORGANIZATION,
            "logo",
            "image.png",
            "logo",
            "image.png",
            id="logo",
        ),
        pytest.param(
            schemas.OrganizationSchema,
            SDK_ORGANIZATION,
            "openingHours",
            [],
            "opening_hours",
            "",
            id="opening-hours-empty",
        ),
        pytest.param(
            schemas.OrganizationSchema,
            SDK_ORGANIZATION,
            "openingHours",
            [{"day": "MONDAY", "start": "09:00", "end": "18:00"}],
            "opening_hours",
            "",
            id="opening-hours-structured",
        ),
        pytest.param(
            schemas.OrganizationSchema,
            SDK_ORGANIZATION,
            "openingHours",
            "Mo–Fr 09:00–18:00",
            "opening_hours",
            "Mo–Fr 09:00–18:00",
            id="opening-hours-text",
        ),
        pytest.param(
            schemas.OrganizationSchema,
            SDK_ORGANIZATION,
            "sector",
            "01ab",
            "sector",
            "01ab",
            id="sector",
        ),
    ],
)
def test_media_and_organization_fields(
    schema: type[Schema],
    base: dict[str, Any],
    field: str,
    value: Any,
    attr: str,
    expected: str,
) -> None:
    assert getattr(load(schema, changed(base, **{field: value})), attr) == expected


@pytest.mark.parametrize(
    ("schema", "base", "field"),
    [
        pytest.param(schemas.OrganizationSchema, SDK_ORGANIZATION, "emailTemplateList", id="org-e"),
        pytest.param(schemas.OrganizationSchema, SDK_ORGANIZATION, "smsTemplateList", id="org-s"),
        pytest.param(schemas.ModuleConfigSchema, CONFIG, "emailTemplateList", id="config-e"),
        pytest.param(schemas.ModuleConfigSchema, CONFIG, "smsTemplateList", id="config-s"),
        pytest.param(schemas.OrganizationSchema, SDK_ORGANIZATION, "image", id="org-image"),
    ],
)
@pytest.mark.parametrize("value", [[], "", None, [{"id": "x"}], {"any": "thing"}])
def test_fields_the_widget_does_not_read_are_ignored(
    schema: type[Schema], base: dict[str, Any], field: str, value: Any
) -> None:
    without = {k: v for k, v in base.items() if k != field}
    assert load(schema, changed(base, **{field: value})) == load(schema, without)


def test_the_sdk_organization_sample() -> None:
    org = load(schemas.OrganizationSchema, SDK_ORGANIZATION)
    assert org == models.Organization(
        id="f6" + "1" * 30,
        name="Salon",
        custom_id="testCustomId",
        address=None,
        logo="image.png",
        time_zone="Europe/Berlin",
        currency="EUR",
        language="de",
        opening_hours="",
        sector="01ab",
    )


def test_the_sdk_custom_entity_short_sample() -> None:
    entity = load(schemas.CustomEntitySchema, SDK_CUSTOM_ENTITY_SHORT)
    assert entity == models.CustomEntity(
        id="6T" + "1" * 30, custom_id="testCustomId", name="Rental car"
    )


@pytest.mark.parametrize("total", ["1", 1, "", None])
def test_record_total_as_text_or_number(total: Any) -> None:
    listing = {"class": "LIST", "recordTotal": total, "recordLimit": 9999}
    listing["recordList"] = [SDK_APPOINTMENT]
    (appointment,) = schemas.load_list(schemas.AppointmentSchema, listing, "appointments")
    assert appointment.id == SDK_APPOINTMENT["id"]


def test_the_sdk_appointment_answer() -> None:
    appointment = load(schemas.AppointmentSchema, SDK_APPOINTMENT)
    assert isinstance(appointment, models.Appointment)
    plus_one = timezone(timedelta(hours=1))
    assert appointment == models.Appointment(
        id="ed" + "1" * 30,
        start=datetime(2024, 1, 1, 18, 15, tzinfo=plus_one),
        end=datetime(2024, 1, 1, 18, 45, tzinfo=plus_one),
        custom_id="testCustomId",
        duration=30,
        time_zone="Europe/Berlin",
        name="Haircut",
        name_i18n=(),
        description_i18n=(
            models.I18nText("en", "Wash and cut"),
            models.I18nText("de", "Waschen und schneiden"),
        ),
        show_price=True,
        tax_rate=19.0,
        currency="EUR",
        protected=False,
        customer=None,
        address=SDK_ADDRESS,
        canceled=False,
        moved=False,
        resources=(),
        files=(),
        organization_id="f6" + "1" * 30,
    )
    assert appointment.start == datetime(2024, 1, 1, 17, 15, tzinfo=UTC)
    assert appointment.start.utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize(
    "stamp",
    ["2024-01-01T18:15:00+01:00", "2024-01-01T17:15:00Z", "2024-01-01T17:15:00.000+00:00"],
)
def test_appointment_start_in_iso_8601_with_offset(stamp: str) -> None:
    appointment = load(schemas.AppointmentSchema, changed(SDK_APPOINTMENT, start=stamp))
    assert appointment.start == datetime(2024, 1, 1, 17, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("field", "value"),
    [("id", None), ("id", ""), ("id", []), ("start", None), ("end", "soon")],
)
def test_the_sdk_appointment_still_needs_its_id_and_times(field: str, value: Any) -> None:
    with pytest.raises(ResponseFormatError, match=field):
        load(schemas.AppointmentSchema, changed(SDK_APPOINTMENT, **{field: value}))
