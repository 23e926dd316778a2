"""Plain view models: what templates receive instead of API objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.numbers import format_currency

from booking_app.moduleapi import models
from booking_app.web.dates import span_label
from booking_app.web.i18n import _, pick_translation


@dataclass(frozen=True)
class OrganizationView:
    """What the pages show of the organization."""

    id: str
    name: str
    address_line: str
    language: str
    time_zone: str
    country: str = ""  # ISO alpha-2 of its address: the address form's default


@dataclass(frozen=True)
class ServiceView:
    """One bookable service as the customer sees it."""

    id: str
    name: str
    description: str
    duration: int
    price: str


def texts(entries: tuple[models.I18nText, ...]) -> list[dict[str, str]]:
    """An I18n tuple in the shape `pick_translation` reads."""
    return [{"key": e.key, "value": e.value} for e in entries]


def organization_view(org: models.Organization) -> OrganizationView:
    """The organization's name, one address line, language and zone."""
    address = org.address
    line = (
        ", ".join(x for x in (address.street, f"{address.zip} {address.city}".strip()) if x)
        if address
        else ""
    )
    return OrganizationView(
        id=org.id,
        name=org.name,
        address_line=line,
        country=(address.country or "").upper()[:2] if address else "",
        language=org.language,
        time_zone=org.time_zone or "UTC",
    )


def format_price(template: models.BookingTemplate, lang: str) -> str:
    """The price for the locale and currency, or "" when it is not to be shown."""
    if not template.show_price or template.price_gross is None or not template.currency:
        return ""
    try:
        return _currency(template.price_gross, template.currency, lang)
    except (ValueError, LookupError):  # an unknown currency code from upstream
        return f"{template.price_gross:.2f} {template.currency}"


def format_total(template: models.BookingTemplate, seats: int, lang: str) -> str:
    """ "€49.00 per seat · total €147.00" for several seats; the price alone for one;
    "" when no price is shown."""
    each = format_price(template, lang)
    if not each or seats <= 1 or template.price_gross is None:
        return each
    try:
        total = _currency(template.price_gross * seats, template.currency, lang)
    except (ValueError, LookupError):
        total = f"{template.price_gross * seats:.2f} {template.currency}"
    return _("%(price)s per seat · total %(total)s", price=each, total=total)


@lru_cache(maxsize=1024)
def _currency(amount: float, currency: str, lang: str) -> str:
    # babel's format_currency takes ~140 µs: a quarter of the entry page's work before
    # this cache (bench/README.md). Few distinct prices, so the cache stays small.
    return format_currency(amount, currency, locale=lang)


def service_view(template: models.BookingTemplate, lang: str, org_lang: str) -> ServiceView:
    """A service's translated name and description, duration and price."""
    return ServiceView(
        id=template.id,
        name=pick_translation(
            texts(template.public_name_i18n or template.name_i18n),
            lang,
            organization_language=org_lang,
            fallback=template.public_name or template.name,
        ),
        description=pick_translation(
            texts(template.description_i18n),
            lang,
            organization_language=org_lang,
            fallback=template.description,
        ),
        duration=template.duration,
        price=format_price(template, lang),
    )


def resource_name(resource: models.BookingResource, lang: str, org_lang: str) -> str:
    """A resource's display name (translated name, else first + last name)."""
    plain = resource.name or f"{resource.first_name} {resource.last_name}".strip()
    return pick_translation(
        texts(resource.name_i18n), lang, organization_language=org_lang, fallback=plain
    )


def format_span(start: datetime, end: datetime, zone: ZoneInfo, lang: str) -> str:
    """The day and the start-end interval in `zone` (web/dates.py: one format per
    language on every page)."""
    return span_label(start, end, zone, lang)
