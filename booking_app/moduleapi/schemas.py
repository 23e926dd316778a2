"""marshmallow schemas that turn the API's JSON into the objects of `models`.

They tolerate what the API has been seen to send (numbers as strings, `""` or
`null` for empty lists, `address: []`, unknown fields) and bound every text. What
they cannot understand raises ResponseFormatError, never a crash in a template.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from marshmallow import EXCLUDE, Schema, fields, post_load
from marshmallow import ValidationError as SchemaError

from booking_app.moduleapi import models
from booking_app.moduleapi.errors import ResponseFormatError

T = TypeVar("T")
MAX_TEXT = 2000


class Text(fields.Field[str]):
    """Text of bounded length; numbers become text, null becomes ""."""

    def __init__(self, max_length: int = MAX_TEXT, **kw: Any) -> None:
        super().__init__(allow_none=True, **kw)
        self.max_length = max_length

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            if value in ([], {}):
                return ""
            raise SchemaError("not text")
        return str(value)[: self.max_length]


class Number(fields.Field[float | None]):
    """A number that may arrive as a string; "" and null mean none."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(allow_none=True, **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> float | None:
        if value == "":
            return None
        if isinstance(value, bool):
            raise SchemaError("not a number")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise SchemaError("not a number") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise SchemaError("not a finite number")
        return number


class Integer(Number):
    """A whole number that may arrive as a string."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> float | None:
        number = super()._deserialize(value, attr, data, **kw)
        return None if number is None else int(number)


class Flag(fields.Field[bool]):
    """A boolean that may arrive as 0/1 or "true"/"false"."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(allow_none=True, **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> bool:
        if isinstance(value, bool):
            return value
        if value in (0, 1, "0", "1", "", "true", "false"):
            return value in (1, "1", "true")
        raise SchemaError("not a boolean")


class I18nList(fields.Field[tuple[models.I18nText, ...]]):
    """An I18n list; `""`, null and malformed entries become nothing."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(allow_none=True, **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> Any:
        if value in ("", {}):
            return ()
        if not isinstance(value, list):
            raise SchemaError("not a translation list")
        out = []
        for entry in value[:200]:
            if isinstance(entry, Mapping) and isinstance(entry.get("key"), str):
                text = entry.get("value")
                if isinstance(text, str) and text:
                    out.append(models.I18nText(entry["key"][:20], text[:MAX_TEXT]))
        return tuple(out)


class Timestamp(fields.Field[datetime]):
    """An ISO 8601 instant, made aware (UTC when it carries no offset)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> datetime:
        if not isinstance(value, str):
            raise SchemaError("not a timestamp")
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise SchemaError("not a timestamp") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Tolerant(Schema):
    """Ignores unknown fields; builds `model` from what it loaded (nulls dropped)."""

    model: Any = None

    class Meta:
        unknown = EXCLUDE

    @post_load
    def _build(self, data: dict[str, Any], **kw: Any) -> Any:
        return self.model(**{k: v for k, v in data.items() if v is not None})


class AddressSchema(Tolerant):
    model = models.Address
    name = Text(255)
    extra = Text(255)
    street = Text(255)
    zip = Text(20)
    city = Text(255)
    country = Text(2)


class AddressField(fields.Nested):
    """An address; `[]`, `{}` and null mean none."""

    def __init__(self) -> None:
        super().__init__(AddressSchema, allow_none=True)

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, partial: Any = None, **kw: Any
    ) -> Any:
        if value in ([], {}, ""):
            return None
        return super()._deserialize(value, attr, data, partial, **kw)


class OrganizationSchema(Tolerant):
    model = models.Organization
    id = Text(32, required=True)
    name = Text(255, required=True)
    custom_id = Text(255, data_key="customId")
    address = AddressField()
    telephone = Text(60)
    email = Text(254)
    description = Text()
    logo = Text(2000)
    time_zone = Text(64, data_key="timeZone")
    currency = Text(3)
    language = Text(10)
    parent_id = Text(32, data_key="parentId")


class ModuleConfigSchema(Tolerant):
    model = models.ModuleConfig
    id = Text(32, required=True)
    custom_id = Text(255, data_key="customId")
    name = Text(255)
    organization_id = Text(32, data_key="organizationId")
    language = Text(10)
    booking_template_ids = fields.Method(
        deserialize="_ids", data_key="bookingTemplateIdList", allow_none=True
    )
    preselected_booking_template_id = Text(32, data_key="preselectedBookingTemplateId")
    additional_data = fields.Method(
        deserialize="_extra", data_key="additionalData", allow_none=True
    )

    def _ids(self, value: Any) -> tuple[str, ...]:
        if value in ("", None):
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SchemaError("not a list of ids")
        return tuple(v[:32] for v in value)

    def _extra(self, value: Any) -> dict[str, Any]:
        return dict(value) if isinstance(value, Mapping) else {}


class BookingResourceSchema(Tolerant):
    model = models.BookingResource
    id = Text(32, required=True)
    name = Text(255)
    type = Text(40)
    custom_id = Text(255, data_key="customId")
    first_name = Text(100, data_key="firstName")
    last_name = Text(100, data_key="lastName")
    title = Text(60)
    gender = Text(20)
    name_i18n = I18nList(data_key="nameI18nList")
    description = Text()
    description_i18n = I18nList(data_key="descriptionI18nList")
    image = Text(2000)


class _Resources(fields.Field[tuple[models.BookingResource, ...]]):
    def __init__(self, **kw: Any) -> None:
        super().__init__(allow_none=True, **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> Any:
        if value in ("", {}):
            return ()
        if not isinstance(value, list):
            raise SchemaError("not a list")
        return tuple(BookingResourceSchema().load(v) for v in value)


class BookingStepSchema(Tolerant):
    model = models.BookingStep
    name = Text(255)
    name_i18n = I18nList(data_key="nameI18nList")
    description = Text()
    description_i18n = I18nList(data_key="descriptionI18nList")
    selection_quantity = Integer(data_key="selectionQuantity")
    selection_display = Text(40, data_key="selectionDisplay")
    resources = _Resources(data_key="bookingResourceList")


class _Steps(fields.Field[tuple[models.BookingStep, ...]]):
    def __init__(self, **kw: Any) -> None:
        super().__init__(allow_none=True, **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> Any:
        if value in ("", {}):
            return ()
        if not isinstance(value, list):
            raise SchemaError("not a list")
        return tuple(BookingStepSchema().load(v) for v in value)


class BookingTemplateSchema(Tolerant):
    model = models.BookingTemplate
    id = Text(32, required=True)
    name = Text(255, required=True)
    custom_id = Text(255, data_key="customId")
    name_i18n = I18nList(data_key="nameI18nList")
    public_name = Text(255, data_key="publicName")
    public_name_i18n = I18nList(data_key="publicNameI18nList")
    description = Text()
    description_i18n = I18nList(data_key="descriptionI18nList")
    image = Text(2000)
    duration = Integer()
    show_price = Flag(data_key="showPrice")
    price_gross = Number(data_key="priceGross")
    currency = Text(3)
    tax_rate = Number(data_key="taxRate")
    appointment_address_required = Flag(data_key="appointmentAddressRequired")
    customer_address_required = Flag(data_key="customerAddressRequired")
    customer_email_required = Flag(data_key="customerEmailRequired")
    customer_mobile_required = Flag(data_key="customerMobileRequired")
    booking_day_earliest = Integer(data_key="bookingDayEarliest")
    booking_day_latest = Integer(data_key="bookingDayLatest")
    booking_lead_time = Integer(data_key="bookingLeadTime")
    steps = _Steps(data_key="bookingStepList")


class BookingSlotSchema(Tolerant):
    model = models.BookingSlot
    id = Text(32, required=True)
    start = Timestamp(data_key="timestamp", required=True)
    resource_ids = fields.Method(
        deserialize="_ids", data_key="bookingResourceCombination", allow_none=True
    )
    seats_total = Integer(data_key="seatsTotal")
    seats_left = Integer(data_key="seatsLeft")

    def _ids(self, value: Any) -> tuple[str, ...]:
        if value in ("", None):
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SchemaError("not a list of ids")
        return tuple(v[:32] for v in value)


class SlotRangeSchema(Tolerant):
    model = models.SlotRange
    range_start = Timestamp(data_key="rangeStart", required=True)
    range_end = Timestamp(data_key="rangeEnd", required=True)
    time_zone = Text(64, data_key="timeZone")
    slots = fields.Method(deserialize="_slots", data_key="list", allow_none=True)

    def _slots(self, value: Any) -> tuple[models.BookingSlot, ...]:
        if value in ("", None):
            return ()
        if not isinstance(value, list):
            raise SchemaError("not a list")
        return tuple(BookingSlotSchema().load(v) for v in value)


class CustomerSchema(Tolerant):
    model = models.Customer
    first_name = Text(100, data_key="firstName")
    last_name = Text(100, data_key="lastName")
    email = Text(254)
    mobile = Text(40)
    locale = Text(10)


class AppointmentSchema(Tolerant):
    model = models.Appointment
    id = Text(32, required=True)
    start = Timestamp(required=True)
    end = Timestamp(required=True)
    custom_id = Text(255, data_key="customId")
    duration = Integer()
    time_zone = Text(64, data_key="timeZone")
    name = Text(255)
    name_i18n = I18nList(data_key="nameI18nList")
    description = Text()
    show_price = Flag(data_key="showPrice")
    price_gross = Number(data_key="priceGross")
    currency = Text(3)
    customer = fields.Nested(CustomerSchema, allow_none=True)
    canceled = Flag()
    moved = Flag()
    resources = _Resources(data_key="bookingResourceList")
    organization_id = Text(32, data_key="organizationId")


class StaticEntrySchema(Tolerant):
    model = models.StaticEntry
    key = Text(64, required=True)
    name = Text(255)


class UploadedFileSchema(Tolerant):
    model = models.UploadedFile
    id = Text(32, required=True)
    name = Text(255)
    file_name = Text(255, data_key="fileName")
    size = Integer()


def load_one(schema: type[Schema], content: Any, what: str) -> Any:
    """Load one entity, or raise ResponseFormatError naming what was expected."""
    if not isinstance(content, Mapping):
        raise ResponseFormatError(f"expected {what} object, got {type(content).__name__}")
    try:
        return schema().load(content)
    except SchemaError as error:
        raise ResponseFormatError(f"cannot read {what}: {_summary(error.messages)}") from error


def load_list(schema: type[Schema], content: Any, what: str) -> list[Any]:
    """Load the records of a LIST collection."""
    if not isinstance(content, Mapping):
        raise ResponseFormatError(f"expected a LIST of {what}, got {type(content).__name__}")
    records = content.get("recordList")
    if records in ("", None):
        return []
    if not isinstance(records, list):
        raise ResponseFormatError(f"recordList of {what} is not a list")
    return [load_one(schema, record, what) for record in records]


def _summary(messages: Any) -> str:
    text = str(messages)
    return text if len(text) < 300 else text[:297] + "..."
