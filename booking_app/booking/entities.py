"""Custom entities as a choice: "what applies to you?" above the services.

Where an organization ties its services and staff to its own entities (the demo: a
customer's hair length), the services page offers them first; a choice narrows the
services to those tied to it, and the week view to the staff tied to it. It is a
choice, not a gate: a customer who does not care books without it. The choice
travels in the URL (`e=<6T…>`), like everything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import abort

from booking_app.moduleapi import ModuleApiClient, ModuleApiError, NotFoundError, models
from booking_app.web.i18n import pick_translation
from booking_app.web.viewmodels import texts

ENTITY_ID = re.compile(r"^6T[0-9A-Za-z]{30}$")


@dataclass(frozen=True)
class EntityChoice:
    """One answer the customer can give."""

    id: str
    name: str
    description: str


def chosen_entity(value: str | None) -> str | None:
    """The entity id in the query, if well-formed (else None: no filter)."""
    return value if value and ENTITY_ID.match(value) else None


def offered_entities(client: ModuleApiClient, org_id: str, lang: str) -> list[models.CustomEntity]:
    """The organization's custom entities; none where the API has no such routes (404)."""
    try:
        return client.list_custom_entities(org_id, lang=lang)
    except NotFoundError:
        return []


def entity_choices(
    entities: list[models.CustomEntity], lang: str, org_lang: str
) -> list[EntityChoice]:
    """The entities as translated choices."""
    return [
        EntityChoice(
            e.id,
            pick_translation(
                texts(e.name_i18n), lang, organization_language=org_lang, fallback=e.name
            ),
            pick_translation(
                texts(e.description_i18n),
                lang,
                organization_language=org_lang,
                fallback=e.description,
            ),
        )
        for e in entities
    ]


def entity_templates(
    client: ModuleApiClient, org_id: str, entity_id: str, lang: str
) -> list[models.BookingTemplate]:
    """The services tied to the entity; 404 for an entity the organization lacks."""
    try:
        return client.list_custom_entity_templates(org_id, entity_id, lang=lang)
    except NotFoundError:
        abort(404)


def entity_resource_ids(
    client: ModuleApiClient, org_id: str, entity_id: str | None, lang: str
) -> frozenset[str] | None:
    """The resources tied to the entity (None: no entity, no filter; an upstream that
    cannot answer also means no filter rather than no times)."""
    if entity_id is None:
        return None
    try:
        return frozenset(
            r.id for r in client.list_custom_entity_resources(org_id, entity_id, lang=lang)
        )
    except NotFoundError:
        abort(404)
    except ModuleApiError:
        return None
