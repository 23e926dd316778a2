"""Custom entities as a choice: "what applies to you?" above the services.

Where an organization ties its services and staff to its own entities (the demo: a
customer's hair length), the services page offers them first; a choice narrows the
services to those tied to it, and the week view to the staff tied to it. It is a
choice, not a gate: a customer who does not care books without it. The choice
travels in the URL (`e=<6T…>`), like everything else.

Entity types are the operator's own names and the API lists none, so the widget
offers the types of `BOOKING_CUSTOM_ENTITY_TYPES` (none: no choice). An `e=` id is
resolved to its type through the (cached) lists of those types. Custom entities are
optional (DESIGN principle 9): when their routes are refused or broken, the choice is
absent and an `e=` filter is ignored, never the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import abort, current_app

from booking_app.moduleapi import ModuleApiClient, models
from booking_app.web.i18n import pick_translation
from booking_app.web.optional import optional
from booking_app.web.viewmodels import texts

ENTITY_ID = re.compile(r"^6T[0-9A-Za-z]{30}$")
FEATURE = "custom entities"


@dataclass(frozen=True)
class EntityChoice:
    """One answer the customer can give."""

    id: str
    name: str
    description: str


@dataclass(frozen=True)
class ChosenEntity:
    """A custom entity the customer chose, with the type its routes need."""

    type: str
    id: str


def entity_types() -> tuple[str, ...]:
    """The custom entity types this widget offers (`BOOKING_CUSTOM_ENTITY_TYPES`)."""
    types: tuple[str, ...] = current_app.config["BOOKING"].custom_entity_types
    return types


def chosen_entity(value: str | None) -> str | None:
    """The entity id in the query, if well-formed (else None: no filter)."""
    return value if value and ENTITY_ID.match(value) else None


def _listed(
    client: ModuleApiClient, org_id: str, entity_type: str, lang: str
) -> list[models.CustomEntity] | None:
    """The entities of one type; None when the route cannot answer (logged once)."""

    def load() -> list[models.CustomEntity] | None:
        return client.list_custom_entities(org_id, entity_type, lang=lang)

    return optional(FEATURE, org_id, load, None)


def offered_entities(
    client: ModuleApiClient, org_id: str, lang: str
) -> list[tuple[str, models.CustomEntity]]:
    """The organization's custom entities of every offered type, as (type, entity)."""
    return [
        (entity_type, entity)
        for entity_type in entity_types()
        for entity in _listed(client, org_id, entity_type, lang) or []
    ]


def resolve_entity(
    client: ModuleApiClient, org_id: str, entity_id: str | None, lang: str
) -> ChosenEntity | None:
    """The chosen entity with its type; None for no choice, or when the entity routes
    cannot answer (no filter rather than no page); 404 for an entity of none of the
    offered types."""
    if entity_id is None or not entity_types():
        return None
    answered = False
    for entity_type in entity_types():
        listed = _listed(client, org_id, entity_type, lang)
        if listed is None:
            continue
        answered = True
        if any(entity.id == entity_id for entity in listed):
            return ChosenEntity(entity_type, entity_id)
    if answered:
        abort(404)
    return None


def _translated(
    client: ModuleApiClient, org_id: str, entity_type: str, entity: models.CustomEntity, lang: str
) -> models.CustomEntity:
    """The entity with its translations: list entries are short (no I18n fields), so
    its `show` is asked (cached); the short entry when that fails."""
    if entity.name_i18n:
        return entity
    return optional(
        FEATURE,
        org_id,
        lambda: client.get_custom_entity(org_id, entity_type, entity.id, lang=lang),
        entity,
    )


def entity_choices(
    client: ModuleApiClient,
    org_id: str,
    entities: list[tuple[str, models.CustomEntity]],
    lang: str,
    org_lang: str,
) -> list[EntityChoice]:
    """The entities as translated choices."""
    choices = []
    for entity_type, short in entities:
        e = _translated(client, org_id, entity_type, short, lang)
        choices.append(
            EntityChoice(
                short.id,
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
        )
    return choices


def entity_templates(
    client: ModuleApiClient, org_id: str, entity: ChosenEntity, lang: str
) -> list[models.BookingTemplate] | None:
    """The services tied to the entity (None: the route cannot answer, so no filter)."""
    return optional(
        FEATURE,
        org_id,
        lambda: client.list_custom_entity_templates(org_id, entity.type, entity.id, lang=lang),
        None,
    )


def entity_resource_ids(
    client: ModuleApiClient, org_id: str, entity_id: str | None, lang: str
) -> frozenset[str] | None:
    """The resources tied to the chosen entity (None: no entity, no filter; an
    upstream that cannot answer also means no filter rather than no times)."""
    entity = resolve_entity(client, org_id, entity_id, lang)
    if entity is None:
        return None
    listed = optional(
        FEATURE,
        org_id,
        lambda: client.list_custom_entity_resources(org_id, entity.type, entity.id, lang=lang),
        None,
    )
    return None if listed is None else frozenset(r.id for r in listed)
