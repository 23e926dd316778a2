"""The entry page: the organization, its branches, and its bookable services."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request, url_for

from booking_app.booking.blueprint import bp
from booking_app.booking.entities import (
    chosen_entity,
    entity_choices,
    entity_templates,
    offered_entities,
    resolve_entity,
)
from booking_app.moduleapi import ModuleApiError, NotFoundError, models
from booking_app.web.i18n import _
from booking_app.web.lookup import ORG_ID, check_ids, get_client, unavailable
from booking_app.web.optional import optional
from booking_app.web.pagecache import cached_page
from booking_app.web.viewmodels import organization_view, service_view

SEARCH_FROM = 8  # branches: a search box once there are this many


@bp.get("/<lang>/")
def no_organization(lang: str) -> Any:
    """Shown at `/` when no default organization is configured."""
    return render_template(
        "error.html",
        title=_("No business selected"),
        detail=_("Open the booking link the business gave you."),
    ), 404


def _locations_url(lang: str, org_id: str) -> str | None:
    """The way back to the choice of location: from the main location's services
    (`here=1`), or from a branch reached from that choice (`loc=` its organization, an
    id only: the link stays on this site)."""
    if request.args.get("here"):
        return url_for("booking.entry", lang=lang, org_id=org_id)
    parent = request.args.get("loc", "")
    if ORG_ID.match(parent) and parent != org_id:
        return url_for("booking.entry", lang=lang, org_id=parent)
    return None


@bp.get("/<lang>/o/<org_id>/")
@cached_page()
def entry(lang: str, org_id: str) -> Any:
    """The organization's branches (a choice first, when it has any), else its services."""
    check_ids(org_id)
    client = get_client()
    try:
        org = client.get_organization(org_id, lang=lang)
        # Branches come from a module route: optional, they never fail the page.
        branches: list[models.Organization] = []
        if not request.args.get("here"):
            branches = optional(
                "branches", org_id, lambda: client.list_branches(org_id, lang=lang), []
            )
        templates = [] if branches else client.list_booking_templates(org_id, lang=lang)
    except NotFoundError:
        abort(404)
    except ModuleApiError:
        unavailable()
    organization = organization_view(org)
    if branches:
        query = request.args.get("q", "").strip()[:100]
        locations = [organization_view(b) for b in branches]
        if query:
            needle = query.casefold()
            locations = [b for b in locations if needle in f"{b.name} {b.address_line}".casefold()]
        return render_template(
            "branches.html",
            organization=organization,
            locations=locations,
            query=query,
            searchable=len(branches) >= SEARCH_FROM or bool(query),
        )
    chosen = resolve_entity(client, org_id, chosen_entity(request.args.get("e")), lang)
    entities = offered_entities(client, org_id, lang)
    narrowed = entity_templates(client, org_id, chosen, lang) if chosen else None
    if narrowed is not None:
        templates = narrowed
    entity = chosen.id if chosen and narrowed is not None else None
    services = [service_view(t, lang, organization.language) for t in templates]
    return render_template(
        "entry.html",
        organization=organization,
        locations_url=_locations_url(lang, org_id),
        services=services,
        module_config=None,
        entity=entity,
        choices=entity_choices(client, org_id, entities, lang, organization.language),
    )
