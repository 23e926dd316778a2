"""marshmallow schemas that turn the API's JSON into the objects of `models`.

They tolerate what the API has been seen to send (numbers as strings, `""` or
`null` for empty lists, I18n lists as language-keyed maps, `additionalData: null`,
`customer: []`, `address: null` or `[]`, unknown fields) and bound every text and
list. What they cannot understand raises ResponseFormatError naming the entity and
the fields, never a crash in a template. Error messages never quote the values
(they may be a customer's data).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from marshmallow import EXCLUDE, Schema, fields, post_load
from marshmallow import ValidationError as SchemaError

from booking_app.moduleapi import models
from booking_app.moduleapi.errors import ResponseFormatError

MAX_TEXT = 2000
MAX_ITEMS = 5000
ID_LENGTH = 32
EMPTY = ("", None)
_ID = re.compile(r"^[0-9a-zA-Z]{2}[0-9A-Za-z]{30}$")


def looks_like_id(value: str) -> bool:
    """Whether `value` has the shape of a Module API id (2-character prefix + 30)."""
    return bool(_ID.match(value))


def _empty(value: Any) -> bool:
    """True for the API's ways of saying "nothing": "", null, [] and {}."""
    return value in EMPTY or (isinstance(value, list | dict) and not value)


class Text(fields.Field[str]):
    """Text of bounded length; numbers become text; null, [] and {} become "".
    A required text must be present, and not blank unless `blank` (names may be)."""

    def __init__(
        self,
        max_length: int = MAX_TEXT,
        *,
        required: bool = False,
        blank: bool = False,
        **kw: Any,
    ) -> None:
        super().__init__(required=required, allow_none=not required, **kw)
        self.max_length = max_length
        self.blank = blank or not required

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> str:
        if isinstance(value, str):
            if not self.blank and not value.strip():
                raise SchemaError("empty")
            return value[: self.max_length]
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)[: self.max_length]
        if _empty(value) and not self.required:
            return ""
        raise SchemaError("not text")


class Loose(Text):
    """Decoration of an unsure shape: the text when it is text, else "" (never fatal)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> str:
        return value[: self.max_length] if isinstance(value, str) else ""


class Media(Loose):
    """A URL of an image or logo (`""`, `"image.png"`, or an object: then "")."""


class Number(fields.Field[float | None]):
    """A finite number that may arrive as a string; "" and null mean none."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(allow_none=True, **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> float | None:
        if value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise SchemaError("not a number")
        try:
            number = float(value)
        except ValueError:
            raise SchemaError("not a number") from None
        if not math.isfinite(number):
            raise SchemaError("not a finite number")
        return number


class Integer(fields.Field[int | None]):
    """A whole number that may arrive as a string ("30", "30.0"); "" and null: none."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(allow_none=True, **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> int | None:
        number = Number()._deserialize(value, attr, data)
        if number is None:
            return None
        if not number.is_integer() or abs(number) > 2**53:
            raise SchemaError("not a whole number")
        return int(number)


class Flag(fields.Field[bool]):
    """A boolean that may arrive as 0/1 or "true"/"false"/"0"/"1"; "" is false."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(allow_none=True, **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("", "0", "1", "true", "false"):
            return value.lower() in ("1", "true")
        if isinstance(value, int) and value in (0, 1):
            return value == 1
        raise SchemaError("not a boolean")


class Timestamp(fields.Field[datetime]):
    """An ISO 8601 instant, made aware (UTC when it carries no offset)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> datetime:
        if not isinstance(value, str) or len(value) > 40:
            raise SchemaError("not a timestamp")
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise SchemaError("not a timestamp") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class I18nList(fields.Field[tuple[models.I18nText, ...]]):
    """An I18n list: `[{"key": "en", "value": "Haircut"}]`, or the SDK sample's
    language-keyed map `{"en": "Haircut"}`; both become the same tuple of `I18nText`.
    `""`, null, `[]`, `{}` and entries without a key or a text become nothing."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(allow_none=True, **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> Any:
        if _empty(value):
            return ()
        if isinstance(value, Mapping):
            pairs = list(value.items())[:200]
        elif isinstance(value, list):
            pairs = [
                (entry.get("key"), entry.get("value"))
                for entry in value[:200]
                if isinstance(entry, Mapping)
            ]
        else:
            raise SchemaError("not a translation list")
        return tuple(
            models.I18nText(key[:20], text[:MAX_TEXT])
            for key, text in pairs
            if isinstance(key, str) and key and isinstance(text, str) and text
        )


class IdList(fields.Field[tuple[str, ...]]):
    """A list of entity ids; `""` and null are an empty list."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(allow_none=True, **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> Any:
        if _empty(value):
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SchemaError("not a list of ids")
        return tuple(v[:ID_LENGTH] for v in value[:MAX_ITEMS])


class AdditionalData(fields.Field[dict[str, Any]]):
    """Custom key → value fields: text, numbers, booleans or lists of them. Null, ""
    and [] are none; values of other shapes are left out (it is free-form data)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(allow_none=True, data_key="additionalData", **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> Any:
        if not isinstance(value, Mapping):
            return {}
        out: dict[str, Any] = {}
        for key, item in list(value.items())[:100]:
            clean = _scalar(item)
            if clean is None and isinstance(item, list):
                clean = [s for s in map(_scalar, item[:50]) if s is not None]
            if clean is not None:
                out[str(key)[:100]] = clean
        return out


def _scalar(value: Any) -> Any:
    if isinstance(value, str):
        return value[:MAX_TEXT]
    if isinstance(value, bool | int) or (isinstance(value, float) and math.isfinite(value)):
        return value
    return None


class NestedList(fields.Field[tuple[Any, ...]]):
    """A list of nested entities; `""`, null and {} are an empty list."""

    def __init__(self, schema: type[Schema], **kw: Any) -> None:
        super().__init__(allow_none=True, **kw)
        self.schema_class = schema

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> Any:
        if _empty(value):
            return ()
        if not isinstance(value, list):
            raise SchemaError("not a list")
        schema = self.schema_class()
        return tuple(schema.load(item) for item in value[:MAX_ITEMS])


class Tolerant(Schema):
    """Ignores unknown fields; builds `model` from what it loaded (nulls dropped, so
    the model's defaults apply)."""

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


class OptionalNested(fields.Nested):
    """One nested entity, or none: `[]` (an empty PHP array), `{}`, `""` and null."""

    def __init__(self, schema: type[Schema], **kw: Any) -> None:
        super().__init__(schema, allow_none=True, **kw)

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, partial: Any = None, **kw: Any
    ) -> Any:
        if _empty(value):
            return None
        return super()._deserialize(value, attr, data, partial, **kw)


class AddressField(OptionalNested):
    """An address; `[]`, `{}`, `""` and null mean none. Coordinates (`geoCoordinates`
    or flat `latitude` / `longitude`) are not read: the widget shows no map."""

    def __init__(self) -> None:
        super().__init__(AddressSchema)


class OrganizationSchema(Tolerant):
    model = models.Organization
    id = Text(ID_LENGTH, required=True)
    name = Text(255, required=True, blank=True)
    custom_id = Text(255, data_key="customId")
    address = AddressField()
    telephone = Text(60)
    email = Text(254)
    description = Text()
    logo = Media()
    time_zone = Text(64, data_key="timeZone")
    currency = Text(3)
    language = Text(10)
    parent_id = Text(ID_LENGTH, data_key="parentId")
    opening_hours = Loose(500, data_key="openingHours")  # [] in the SDK's sample
    sector = Text(60)


class ModuleConfigSchema(Tolerant):
    model = models.ModuleConfig
    id = Text(ID_LENGTH, required=True)
    custom_id = Text(255, data_key="customId")
    name = Text(255)
    organization_id = Text(ID_LENGTH, data_key="organizationId")
    language = Text(10)
    booking_template_ids = IdList(data_key="bookingTemplateIdList")
    preselected_booking_template_id = Text(ID_LENGTH, data_key="preselectedBookingTemplateId")
    additional_data = AdditionalData()


class CustomEntitySchema(Tolerant):
    model = models.CustomEntity
    id = Text(ID_LENGTH, required=True)
    custom_id = Text(255, data_key="customId")
    type = Text(60)
    name = Text(255)
    name_i18n = I18nList(data_key="nameI18nList")
    description = Text()
    description_i18n = I18nList(data_key="descriptionI18nList")
    additional_data = AdditionalData()


class BookingResourceSchema(Tolerant):
    model = models.BookingResource
    id = Text(ID_LENGTH, required=True)
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
    image = Media()
    additional_data = AdditionalData()


class BookingStepSchema(Tolerant):
    model = models.BookingStep
    name = Text(255)
    name_i18n = I18nList(data_key="nameI18nList")
    description = Text()
    description_i18n = I18nList(data_key="descriptionI18nList")
    selection_quantity = Integer(data_key="selectionQuantity")
    selection_display = Text(40, data_key="selectionDisplay")
    resources = NestedList(BookingResourceSchema, data_key="bookingResourceList")


class BookingTemplateSchema(Tolerant):
    model = models.BookingTemplate
    id = Text(ID_LENGTH, required=True)
    name = Text(255, required=True, blank=True)
    custom_id = Text(255, data_key="customId")
    name_i18n = I18nList(data_key="nameI18nList")
    public_name = Text(255, data_key="publicName")
    public_name_i18n = I18nList(data_key="publicNameI18nList")
    description = Text()
    description_i18n = I18nList(data_key="descriptionI18nList")
    image = Media()
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
    address = AddressField()
    steps = NestedList(BookingStepSchema, data_key="bookingStepList")
    additional_data = AdditionalData()


class BookingSlotSchema(Tolerant):
    model = models.BookingSlot
    id = Text(ID_LENGTH, required=True)
    start = Timestamp(data_key="timestamp", required=True)
    resource_ids = IdList(data_key="bookingResourceCombination")
    seats_total = Integer(data_key="seatsTotal")
    seats_left = Integer(data_key="seatsLeft")


def plain_slot(item: Any) -> models.BookingSlot | None:
    """A slot in its plain, usual shape, built directly: what `BookingSlotSchema` would
    build from it. None for anything else (the schema then decides). marshmallow took
    ~100 µs per slot, most of a cold week view's own work (bench/README.md)."""
    if not isinstance(item, dict):
        return None
    slot_id, stamp = item.get("id"), item.get("timestamp")
    if not isinstance(slot_id, str) or not slot_id.strip():
        return None
    if not isinstance(stamp, str) or len(stamp) > 40:
        return None
    resources = item.get("bookingResourceCombination")
    if _empty(resources):
        resources = []
    elif type(resources) is not list:
        return None
    for resource in resources:  # a loop, not all(<generator>): this runs for every slot
        if type(resource) is not str:
            return None
    total, left = item.get("seatsTotal"), item.get("seatsLeft")
    if not (_plain_count(total) and _plain_count(left)):
        return None
    try:
        start = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return models.BookingSlot(
        id=slot_id[:ID_LENGTH],
        start=start if start.tzinfo else start.replace(tzinfo=UTC),
        resource_ids=tuple(r[:ID_LENGTH] for r in resources[:MAX_ITEMS]),
        seats_total=total,
        seats_left=left,
    )


def _plain_count(value: Any) -> bool:
    return value is None or (type(value) is int and -(2**53) <= value <= 2**53)


class SlotList(NestedList):
    """A list of slots: the usual shape directly (`plain_slot`), the rest by schema."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(BookingSlotSchema, **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> Any:
        if _empty(value):
            return ()
        if not isinstance(value, list):
            raise SchemaError("not a list")
        schema = self.schema_class()
        return tuple(plain_slot(item) or schema.load(item) for item in value[:MAX_ITEMS])


class SlotRangeSchema(Tolerant):
    model = models.SlotRange
    range_start = Timestamp(data_key="rangeStart", required=True)
    range_end = Timestamp(data_key="rangeEnd", required=True)
    time_zone = Text(64, data_key="timeZone")
    slots = SlotList(data_key="list")


class CustomerSchema(Tolerant):
    model = models.Customer
    first_name = Text(100, data_key="firstName")
    last_name = Text(100, data_key="lastName")
    email = Text(254)
    mobile = Text(40)
    locale = Text(10)
    custom_id = Text(255, data_key="customId")
    gender = Text(20)
    title = Text(60)
    address = AddressField()


class UploadedFileSchema(Tolerant):
    model = models.UploadedFile
    id = Text(ID_LENGTH, required=True)
    name = Text(255)
    file_name = Text(255, data_key="fileName")
    size = Integer()


class AppointmentSchema(Tolerant):
    model = models.Appointment
    id = Text(ID_LENGTH, required=True)
    start = Timestamp(required=True)
    end = Timestamp(required=True)
    custom_id = Text(255, data_key="customId")
    duration = Integer()
    time_zone = Text(64, data_key="timeZone")
    name = Text(255)
    name_i18n = I18nList(data_key="nameI18nList")
    description = Text()
    description_i18n = I18nList(data_key="descriptionI18nList")
    show_price = Flag(data_key="showPrice")
    price_gross = Number(data_key="priceGross")
    tax_rate = Number(data_key="taxRate")
    currency = Text(3)
    protected = Flag()
    customer = OptionalNested(CustomerSchema)  # [] in the SDK's sample answer
    address = AddressField()
    notes = Text()
    canceled = Flag()
    moved = Flag()
    resources = NestedList(BookingResourceSchema, data_key="bookingResourceList")
    files = NestedList(UploadedFileSchema, data_key="fileList")
    organization_id = Text(ID_LENGTH, data_key="organizationId")
    additional_data = AdditionalData()


class StaticEntrySchema(Tolerant):
    model = models.StaticEntry
    key = Text(64, required=True)
    name = Text(255)


def load_one(schema: type[Schema], content: Any, what: str) -> Any:
    """Load one entity, or raise ResponseFormatError naming what was expected."""
    if not isinstance(content, Mapping):
        raise ResponseFormatError(f"expected {what} object, got {_kind(content)}")
    try:
        return schema().load(content)
    except SchemaError as error:
        raise ResponseFormatError(f"cannot read {what}: {_summary(error.messages)}") from error
    except (TypeError, ValueError, RecursionError) as error:  # a model refused the values
        raise ResponseFormatError(f"cannot read {what}: {type(error).__name__}") from error


def load_list(schema: type[Schema], content: Any, what: str) -> list[Any]:
    """Load the records of a LIST collection (`recordList`; "" or null: none)."""
    if isinstance(content, list):
        records: Any = content
    elif isinstance(content, Mapping):
        records = content.get("recordList")
    else:
        raise ResponseFormatError(f"expected a LIST of {what}, got {_kind(content)}")
    if _empty(records):
        return []
    if not isinstance(records, list):
        raise ResponseFormatError(f"the recordList of {what} is {_kind(records)}, not a list")
    return [load_one(schema, record, what) for record in records[:MAX_ITEMS]]


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _summary(messages: Any) -> str:
    text = str(messages)
    return text if len(text) < 300 else text[:297] + "..."
