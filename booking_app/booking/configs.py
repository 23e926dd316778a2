"""Module configs: one organization, several embeddings, each with its own services.

An entry URL may name a module config (`/{lang}/o/{org}/c/{config}/`, by its `5f…`
id or its operator-chosen customId). The widget then offers only the services the
config lists, in its order, opens on its preselected service, and (for the URL
without a language) speaks the config's language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask import abort, redirect, render_template, request, url_for

from booking_app.booking.blueprint import bp
from booking_app.moduleapi import ModuleApiError, NotFoundError, ValidationError, models
from booking_app.web.i18n import UI_LANGUAGES, best_language
from booking_app.web.lookup import check_ids, get_client, unavailable
from booking_app.web.optional import optional
from booking_app.web.viewmodels import organization_view, service_view

CONFIG_ID = re.compile(r"^5f[0-9A-Za-z]{30}$")
CONFIG_REF = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")


def valid_config_ref(value: str | None) -> str | None:
    """`value` if it can name a module config (an id or a customId), else None."""
    return value if value and CONFIG_REF.match(value) else None


def load_config(org_id: str, ref: str, lang: str) -> models.ModuleConfig:
    """The organization's module config named by `ref`; 404 if there is none.

    Module configs are optional (DESIGN principle 9): when their route is refused or
    broken, the config is an empty one (every service, the browser's language), logged
    once, and the customer can still book."""
    if not valid_config_ref(ref):
        abort(404)
    client = get_client()

    def load() -> models.ModuleConfig:
        try:
            if CONFIG_ID.match(ref):
                return client.get_module_config(org_id, ref, lang=lang)
            return client.identify_module_config(org_id, ref, lang=lang)
        except (NotFoundError, ValidationError):
            abort(404)

    config = optional("module config", org_id, load, models.ModuleConfig(id=""))
    if config.organization_id and config.organization_id != org_id:
        abort(404)
    return config


def configured(
    templates: Iterable[models.BookingTemplate], config: models.ModuleConfig
) -> list[models.BookingTemplate]:
    """The services the config lists, in its order (all of them if it lists none)."""
    by_id = {t.id: t for t in templates}
    if not config.booking_template_ids:
        return list(by_id.values())
    return [by_id[i] for i in config.booking_template_ids if i in by_id]


@bp.get("/<lang>/o/<org_id>/c/<config>/")
def config_entry(lang: str, org_id: str, config: str) -> Any:
    """The services of one module config; its preselected service unless `all=1`."""
    check_ids(org_id)
    settings = load_config(org_id, config, lang)
    client = get_client()
    try:
        org = client.get_organization(org_id, lang=lang)
        templates = configured(client.list_booking_templates(org_id, lang=lang), settings)
    except NotFoundError:
        abort(404)
    except ModuleApiError:
        unavailable()
    preselected = settings.preselected_booking_template_id
    if preselected in {t.id for t in templates} and not request.args.get("all"):
        target = url_for(
            "booking.slots", lang=lang, org_id=org_id, template_id=preselected, c=config
        )
        return redirect(target, 303)
    organization = organization_view(org)
    return render_template(
        "entry.html",
        organization=organization,
        services=[service_view(t, lang, organization.language) for t in templates],
        module_config=config,  # not `config`: that name is Flask's app config in templates
        entity=None,
        choices=[],
    )


@bp.get("/o/<org_id>/c/<config>/")
def config_without_language(org_id: str, config: str) -> Any:
    """Redirect to the config's language (else the browser's best)."""
    check_ids(org_id)
    browser = best_language(request.accept_languages.values())
    settings = load_config(org_id, config, browser)
    base = settings.language.replace("_", "-").split("-")[0].lower()
    lang = base if base in UI_LANGUAGES else browser
    return redirect(url_for("booking.config_entry", lang=lang, org_id=org_id, config=config), 303)
