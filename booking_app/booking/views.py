"""The entry page: the organization and its bookable services.

Templates receive plain view models (`ServiceView`, `OrganizationView`), never the
API's JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from babel.numbers import format_currency
from flask import Blueprint, abort, g, render_template
from flask_babel import gettext as _

from booking_app.i18n import UI_LANGUAGES, pick_translation
from booking_app.moduleapi import ModuleApiError, NotFoundError, get_client

bp = Blueprint("booking", __name__)
ORG_ID = re.compile(r"^f6[0-9A-Za-z]{30}$")


@dataclass(frozen=True)
class OrganizationView:
    """What the entry page shows of the organization."""

    name: str
    address_line: str


@dataclass(frozen=True)
class ServiceView:
    """One bookable service as the customer sees it."""

    id: str
    name: str
    description: str
    duration: int
    price: str


@bp.url_value_preprocessor
def _language(endpoint: str | None, values: dict[str, Any] | None) -> None:
    lang = (values or {}).get("lang")
    if lang is not None:
        if lang not in UI_LANGUAGES:
            abort(404)
        g.lang = lang


@bp.app_context_processor
def _inject_language() -> dict[str, Any]:
    return {"lang": g.get("lang", "en")}


@bp.get("/<lang>/")
def no_organization(lang: str) -> Any:
    """Shown at `/` when no default organization is configured."""
    return render_template(
        "error.html",
        title=_("No business selected"),
        detail=_("Open the booking link the business gave you."),
    ), 404


@bp.get("/<lang>/o/<org_id>/")
def entry(lang: str, org_id: str) -> Any:
    """The organization and its services."""
    if not ORG_ID.match(org_id):
        abort(404)
    client = get_client()
    try:
        org = client.get_organization(org_id, lang=lang)
        templates = client.list_booking_templates(org_id, lang=lang)
    except NotFoundError:
        abort(404)
    except ModuleApiError:
        return render_template(
            "error.html",
            title=_("Booking is unavailable right now"),
            detail=_("We cannot reach the booking system. Please try again in a few minutes."),
        ), 503
    org_lang = getattr(org, "language", None)
    services = [
        ServiceView(
            id=t.id,
            name=pick_translation(
                _i18n(t.public_name_i18n),
                lang,
                organization_language=org_lang,
                fallback=t.public_name or t.name,
            ),
            description=pick_translation(
                _i18n(t.description_i18n),
                lang,
                organization_language=org_lang,
                fallback=t.description,
            ),
            duration=t.duration,
            price=format_currency(t.price_gross, t.currency, locale=lang)
            if t.show_price and t.price_gross is not None and t.currency
            else "",
        )
        for t in templates
    ]
    address = org.address
    line = ", ".join(x for x in (getattr(address, "street", ""), getattr(address, "city", "")) if x)
    return render_template(
        "entry.html", organization=OrganizationView(org.name, line), services=services
    )


def _i18n(entries: Any) -> list[dict[str, str]]:
    return [{"key": e.key, "value": e.value} for e in entries or ()]
