"""The booking flow's week view and earliest jump (routes); the view itself is web/week.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from flask import abort, redirect, request, url_for

from booking_app.booking.blueprint import bp
from booking_app.booking.configs import valid_config_ref
from booking_app.booking.entities import chosen_entity, entity_resource_ids
from booking_app.moduleapi import ModuleApiError, NotFoundError, ValidationError
from booking_app.web.i18n import _
from booking_app.web.lookup import TEMPLATE_ID, check_ids, get_client, load_service, unavailable
from booking_app.web.pagecache import cached_page
from booking_app.web.week import WeekLinks, earliest_redirect, times_page

# An operator-chosen customId: what `data-service` may name instead of an `fc…` id.
CUSTOM_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")


def _slot_generation(lang: str, org_id: str, template_id: str) -> Callable[[], str]:
    """The generation of the service's slot caches, as `cached_page` asks for it: a
    booking changes it, and with it the times pages kept."""
    return partial(get_client().slot_generation, org_id, template_id)


@bp.get("/<lang>/o/<org_id>/s/<template_id>/")
@cached_page(_slot_generation)
def slots(lang: str, org_id: str, template_id: str) -> Any:
    """Free times: the month grid and a day's times (`day`, `month`), or a week's
    (`week`); `staff`, `tz`, the module config `c` (whose
    services the back link returns to) and the custom entity `e` (whose staff the times
    are limited to) come from the query string."""
    if not TEMPLATE_ID.match(template_id):
        return _service_by_custom_id(lang, org_id, template_id)
    check_ids(org_id, template_id)
    service = load_service(lang, org_id, template_id)
    config = valid_config_ref(request.args.get("c"))
    entity = chosen_entity(request.args.get("e"))
    allowed = entity_resource_ids(get_client(), org_id, entity, lang)
    ids: dict[str, Any] = {"lang": lang, "org_id": org_id, "template_id": template_id}
    carry: dict[str, Any] = {"c": config, "e": entity}
    links = WeekLinks(
        week_url=partial(url_for, "booking.slots", **ids, **carry),
        earliest_url=partial(url_for, "booking.earliest", **ids, **carry),
        pick_action=url_for("booking.details", **ids),
        back_url=url_for("booking.config_entry", lang=lang, org_id=org_id, config=config, all=1)
        if config
        else url_for(
            "booking.entry", lang=lang, org_id=org_id, here=1 if entity else None, e=entity
        ),
        back_text=_("All services"),
    )
    hidden: dict[str, str] = {name: value for name, value in carry.items() if value}
    return times_page(service, links, hidden=hidden, allowed=allowed)


def _service_by_custom_id(lang: str, org_id: str, ref: str) -> Any:
    """A service named by its operator-chosen customId (`data-service="haircut"`):
    303 to its id's week view, the query kept; 404 when no service has it."""
    check_ids(org_id)
    if not CUSTOM_ID.match(ref):
        abort(404)
    try:
        template = get_client().identify_booking_template(org_id, ref, lang=lang)
    except (NotFoundError, ValidationError):
        abort(404)
    except ModuleApiError:
        unavailable()
    if not TEMPLATE_ID.match(template.id):
        abort(404)
    target = url_for("booking.slots", lang=lang, org_id=org_id, template_id=template.id)
    query = request.query_string.decode("latin-1")
    return redirect(f"{target}?{query}" if query else target, 303)


@bp.get("/<lang>/o/<org_id>/s/<template_id>/earliest")
def earliest(lang: str, org_id: str, template_id: str) -> Any:
    """Jump to the day of the first free slot."""
    check_ids(org_id, template_id)
    week_url = partial(url_for, "booking.slots", lang=lang, org_id=org_id, template_id=template_id)
    entity = chosen_entity(request.args.get("e"))
    allowed = entity_resource_ids(get_client(), org_id, entity, lang)
    return earliest_redirect(lang, org_id, template_id, week_url, allowed=allowed)
