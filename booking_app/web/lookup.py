"""What every page needs first: the URL's language, ids that can exist, the
organization and its service (cached), and the "booking system unreachable" page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NoReturn

from flask import abort, g, make_response, render_template

from booking_app.moduleapi import ModuleApiClient, ModuleApiError, NotFoundError, get_client, models
from booking_app.web.i18n import UI_LANGUAGES, _, language_links
from booking_app.web.viewmodels import OrganizationView, organization_view

ORG_ID = re.compile(r"^f6[0-9A-Za-z]{30}$")
TEMPLATE_ID = re.compile(r"^fc[0-9A-Za-z]{30}$")


def url_language(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Take the UI language from the URL (`/{lang}/…`); 404 for one we do not have."""
    lang = (values or {}).get("lang")
    if lang is not None:
        if lang not in UI_LANGUAGES:
            abort(404)
        g.lang = lang


def language_context() -> dict[str, Any]:
    """Template globals of every page: the UI language and the language links."""
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


@dataclass(frozen=True)
class Service:
    """The page's language, organization and service: looked up once per request."""

    lang: str
    organization: OrganizationView
    template: models.BookingTemplate

    @property
    def org_id(self) -> str:
        """The organization's id."""
        return self.organization.id

    @property
    def template_id(self) -> str:
        """The service's (booking template's) id."""
        return self.template.id


def load_service(lang: str, org_id: str, template_id: str) -> Service:
    """The organization and one of its services (both cached upstream, and kept on `g`
    for the rest of the request), or 404 / 503."""
    key = (lang, org_id, template_id)
    found: Service | None = g.get("service")
    if found is not None and (found.lang, found.org_id, found.template_id) == key:
        return found
    client = get_client()
    try:
        org = client.get_organization(org_id, lang=lang)
        template = find_template(client, org_id, template_id, lang)
    except NotFoundError:
        abort(404)
    except ModuleApiError:
        unavailable()
    service = Service(lang, organization_view(org), template)
    g.service = service
    return service


def unavailable() -> NoReturn:
    """Stop with the translated "booking system unreachable" page (503)."""
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
    "Service",
    "check_ids",
    "find_template",
    "get_client",
    "language_context",
    "load_service",
    "unavailable",
    "url_language",
]
