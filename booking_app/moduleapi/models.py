"""Plain, typed objects the widget works with (never raw API JSON).

All are frozen dataclasses that pickle (the shared cache may be Redis). Texts are
plain `str` ("" when absent); translations are tuples of `I18nText`; instants are
timezone-aware `datetime`s; `additional_data` maps custom keys to scalars or lists
(it takes no part in hashing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class I18nText:
    """One entry of an I18n list: a language key (`de`, `de-AT`) and its text."""

    key: str
    value: str


@dataclass(frozen=True)
class Address:
    """A postal address; every part may be empty."""

    name: str = ""
    extra: str = ""
    street: str = ""
    zip: str = ""
    city: str = ""
    country: str = ""


@dataclass(frozen=True)
class Organization:
    """A business (or one of its branches)."""

    id: str
    name: str
    custom_id: str = ""
    address: Address | None = None
    telephone: str = ""
    email: str = ""
    description: str = ""
    logo: str = ""
    time_zone: str = ""
    currency: str = ""
    language: str = ""
    parent_id: str = ""
    opening_hours: str = ""
    sector: str = ""


@dataclass(frozen=True)
class ModuleConfig:
    """An operator's configuration of the widget for one embedding."""

    id: str
    custom_id: str = ""
    name: str = ""
    organization_id: str = ""
    language: str = ""
    booking_template_ids: tuple[str, ...] = ()
    preselected_booking_template_id: str = ""
    additional_data: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class CustomEntity:
    """An operator's own thing (a car model, a room, a hair length) that services and
    resources can be tied to."""

    id: str
    custom_id: str = ""
    type: str = ""
    name: str = ""
    name_i18n: tuple[I18nText, ...] = ()
    description: str = ""
    description_i18n: tuple[I18nText, ...] = ()
    additional_data: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class BookingResource:
    """An employee, room or other resource that appointments occupy."""

    id: str
    name: str = ""
    type: str = ""
    custom_id: str = ""
    first_name: str = ""
    last_name: str = ""
    title: str = ""
    gender: str = ""
    name_i18n: tuple[I18nText, ...] = ()
    description: str = ""
    description_i18n: tuple[I18nText, ...] = ()
    image: str = ""
    additional_data: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class BookingStep:
    """A choice in the booking: one resource out of `resources`."""

    name: str = ""
    name_i18n: tuple[I18nText, ...] = ()
    description: str = ""
    description_i18n: tuple[I18nText, ...] = ()
    selection_quantity: int = 1
    selection_display: str = ""
    resources: tuple[BookingResource, ...] = ()


@dataclass(frozen=True)
class BookingTemplate:
    """A bookable service."""

    id: str
    name: str
    custom_id: str = ""
    name_i18n: tuple[I18nText, ...] = ()
    public_name: str = ""
    public_name_i18n: tuple[I18nText, ...] = ()
    description: str = ""
    description_i18n: tuple[I18nText, ...] = ()
    image: str = ""
    duration: int = 0
    show_price: bool = False
    price_gross: float | None = None
    currency: str = ""
    tax_rate: float | None = None
    appointment_address_required: bool = False
    customer_address_required: bool = False
    customer_email_required: bool = False
    customer_mobile_required: bool = False
    booking_day_earliest: int = 0
    booking_day_latest: int = 0
    booking_lead_time: int = 0
    address: Address | None = None
    steps: tuple[BookingStep, ...] = ()
    additional_data: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class BookingSlot:
    """A free start time and the resources that would serve it."""

    id: str
    start: datetime
    resource_ids: tuple[str, ...] = ()
    seats_total: int | None = None
    seats_left: int | None = None


@dataclass(frozen=True)
class SlotRange:
    """Free slots between two instants (a day, a week or a month)."""

    range_start: datetime
    range_end: datetime
    time_zone: str = ""
    slots: tuple[BookingSlot, ...] = ()


@dataclass(frozen=True)
class Customer:
    """The person an appointment is for (only in protected views)."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    mobile: str = ""
    locale: str = ""
    custom_id: str = ""
    gender: str = ""
    title: str = ""
    address: Address | None = None


@dataclass(frozen=True)
class UploadedFile:
    """A file attached to an appointment."""

    id: str
    name: str = ""
    file_name: str = ""
    size: int = 0


@dataclass(frozen=True)
class Appointment:
    """A booked appointment."""

    id: str
    start: datetime
    end: datetime
    custom_id: str = ""
    duration: int = 0
    time_zone: str = ""
    name: str = ""
    name_i18n: tuple[I18nText, ...] = ()
    description: str = ""
    description_i18n: tuple[I18nText, ...] = ()
    show_price: bool = False
    price_gross: float | None = None
    tax_rate: float | None = None
    currency: str = ""
    protected: bool = False
    customer: Customer | None = None
    address: Address | None = None
    notes: str = ""
    canceled: bool = False
    moved: bool = False
    resources: tuple[BookingResource, ...] = ()
    files: tuple[UploadedFile, ...] = ()
    organization_id: str = ""
    additional_data: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class AddAnswer:
    """A successful (2xx) `appointment/add`: a success whatever its body names. The
    appointment when the body could be read as one, else only the id it named ("" for
    none): the caller finds the rest (`show`, or `identify` by its customId)."""

    appointment: Appointment | None
    appointment_id: str = ""


@dataclass(frozen=True)
class StaticEntry:
    """An entry of a static list (time zone, language, country, currency)."""

    key: str
    name: str = ""
