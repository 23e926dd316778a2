"""The booking blueprint, its URL language, and the helpers every step shares."""

from __future__ import annotations

import re
from typing import Any, NoReturn

from flask import Blueprint, abort, g, render_template

from booking_app.booking.viewmodels import OrganizationView, organization_view
from booking_app.i18n import UI_LANGUAGES, _, language_links
from booking_app.moduleapi import ModuleApiClient, ModuleApiError, NotFoundError, get_client, models

bp = Blueprint("booking", __name__)
ORG_ID = re.compile(r"^f6[0-9A-Za-z]{30}$")
TEMPLATE_ID = re.compile(r"^fc[0-9A-Za-z]{30}$")


@bp.url_value_preprocessor
def url_language(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Take the UI language from the URL (`/{lang}/…`); 404 for one we do not have."""
    lang = (values or {}).get("lang")
    if lang is not None:
        if lang not in UI_LANGUAGES:
            abort(404)
        g.lang = lang


@bp.app_context_processor
def _inject_language() -> dict[str, Any]:
    return {"lang": g.get("lang", "en"), "language_links": language_links}


def check_ids(org_id: str, template_id: str | None = None) -> None:
    """404 for ids that cannot exist (before asking the upstream anything)."""
    if not ORG_ID.match(org_id) or (template_id is not None and not TEMPLATE_ID.match(template_id)):
        abort(404)


def find_template(
    client: ModuleApiClient, org_id: str, template_id: str, lang: str
) -> models.BookingTemplate:
    """The service from the (cached) list of the organization's services, or 404."""
    for template in client.list_booking_templates(org_id, lang=lang):
        if template.id == template_id:
            return template
    abort(404)


def load_service(
    lang: str, org_id: str, template_id: str
) -> tuple[OrganizationView, models.BookingTemplate]:
    """The organization and one of its services (both cached), or 404 / 503."""
    client = get_client()
    try:
        org = client.get_organization(org_id, lang=lang)
        template = find_template(client, org_id, template_id, lang)
    except NotFoundError:
        abort(404)
    except ModuleApiError:
        unavailable()
    return organization_view(org), template


def unavailable() -> NoReturn:
    """Stop with the translated "booking system unreachable" page (503)."""
    from flask import make_response

    response = make_response(
        render_template(
            "error.html",
            title=_("Booking is unavailable right now"),
            detail=_("We cannot reach the booking system. Please try again in a few minutes."),
        ),
        503,
    )
    response.headers["Retry-After"] = "30"
    abort(response)


__all__ = [
    "bp",
    "check_ids",
    "find_template",
    "get_client",
    "load_service",
    "unavailable",
]
