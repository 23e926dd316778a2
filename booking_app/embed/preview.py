"""The operator preview: choose options, see the widget embedded, copy the snippet.

Enabled by BOOKING_PREVIEW=1 (and in demo mode); off by default, since a public
form that renders arbitrary organizations is not something production needs.

The page shows the embed code and the live widget first, its options beside them on a
wide screen (below them on a phone). The colours are `<input type="color">` pickers.
A picker always submits a value, so each has a checkbox "As in the theme file"
(`<key>_from_theme`), checked while the colour is not chosen: while it is checked the
picker's value is ignored and the widget keeps the theme's colour. preview.js unchecks it
as soon as a colour is picked; without JavaScript the operator unchecks it. A picker
shows the chosen colour, else the theme's, so picking starts from what the widget shows.
A query typed by hand (`?primary=...`) is still checked as #rrggbb on the server.

A submitted form redirects to its short URL, without the colours left as in the theme
and without the boxes: the URL then names only what was chosen, so a shared link or the
language switch (which keeps the options, not the boxes) cannot turn the theme's colour
into a chosen one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from babel import Locale
from flask import abort, current_app, g, redirect, render_template, request, url_for

from booking_app.embed.blueprint import bp
from booking_app.moduleapi import ModuleApiError, get_client
from booking_app.themes.color import Color
from booking_app.themes.css import contrast_problems
from booking_app.themes.model import (
    COLOR_KEYS,
    FONTS,
    LIGHT,
    MAX_RADIUS,
    MODES,
    Palette,
    Theme,
    with_overrides,
)
from booking_app.themes.web import theme_store
from booking_app.web.i18n import UI_LANGUAGES, _
from booking_app.web.numbers import whole_number
from booking_app.web.viewmodels import service_view

ORG_ID = re.compile(r"^f6[0-9A-Za-z]{30}$")
TEMPLATE_ID = re.compile(r"^fc[0-9A-Za-z]{30}$")
DISPLAYS = ("inline", "popup")
FROM_THEME = "_from_theme"  # suffix of a colour's "As in the theme file" checkbox
OPTION_KEYS = ("org", "service", "widget_lang", "display", *COLOR_KEYS, "radius", "font", "mode")
PREVIEW_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: https:",
        "frame-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


@dataclass
class PreviewForm:
    """The chosen options, their errors, and the embed snippet they make.

    `palette` holds the colours the theme shows first (before the chosen ones): the
    pickers of unchosen colours start from them, and the popup launcher is drawn in its
    primary colour."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    palette: Palette = LIGHT

    def colours(self) -> dict[str, str]:
        """What each colour picker shows: the chosen colour, else the theme's."""
        return {
            key: self.values[key]
            if self.values[key] and key not in self.errors
            else getattr(self.palette, key).hex
            for key in COLOR_KEYS
        }

    def attributes(self, loader_url: str) -> list[tuple[str, str]]:
        """The `<script>` tag's attributes, in the order the README lists them.

        A popup gets `data-button-color`, the theme's primary colour, for its launcher
        button on the operator's page (a chosen `data-primary` serves the same purpose)."""
        names = {"org": "organization", "widget_lang": "lang", "service": "service"}
        attrs = [("src", loader_url)]
        for key in ("org", "widget_lang", "service", "display", *COLOR_KEYS, "radius", "font"):
            if self.values.get(key) and not (key == "display" and self.values[key] == "inline"):
                attrs.append(("data-" + names.get(key, key), self.values[key]))
            if key == "display" and self.values[key] == "popup" and not self.values["primary"]:
                attrs.append(("data-button-color", self.palette.primary.hex))
        if self.values.get("mode"):
            attrs.append(("data-mode", self.values["mode"]))
        return attrs


def _check(values: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not ORG_ID.match(values["org"]):
        errors["org"] = _("Enter an organization id: f6 and 30 letters or digits")
    if values["service"] and not TEMPLATE_ID.match(values["service"]):
        errors["service"] = _("Enter a service id: fc and 30 letters or digits")
    for key in COLOR_KEYS:
        if values[key]:
            try:
                values[key] = Color.parse(values[key]).hex
            except ValueError:
                errors[key] = _("Enter a colour as #rrggbb, like #1a5fb4")
    radius = values["radius"]
    number = whole_number(radius, max_digits=3) if radius else 0
    if number is None or number > MAX_RADIUS:
        errors["radius"] = _("Enter a whole number from 0 to %(max)d", max=MAX_RADIUS)
    choices = {
        "widget_lang": UI_LANGUAGES,
        "display": DISPLAYS,
        "font": tuple(FONTS),
        "mode": MODES,
    }
    for key, allowed in choices.items():
        if values[key] and values[key] not in allowed:
            errors[key] = _("Choose one of the options")
    return errors


def _short_query() -> dict[str, str] | None:
    """The query without the colours whose "As in the theme file" box is checked (and
    without the boxes and empty options); None when no box was sent."""
    if not any(key + FROM_THEME in request.args for key in COLOR_KEYS):
        return None
    as_theme = {key for key in COLOR_KEYS if request.args.get(key + FROM_THEME)}
    return {
        key: request.args[key]
        for key in OPTION_KEYS
        if request.args.get(key) and key not in as_theme
    }


def _read_values(default_organization: str) -> dict[str, str]:
    """The options from the query."""
    values = {k: request.args.get(k, "").strip()[:64] for k in OPTION_KEYS}
    values["org"] = values["org"] or default_organization
    return values


def _first_palette(theme: Theme, mode: str) -> Palette:
    """The colours `theme` shows first in `mode` (as `compile_css` does)."""
    return theme.dark if (mode if mode in MODES else theme.mode) == "dark" else theme.light


def _services(org_id: str, lang: str) -> list[tuple[str, str]]:
    try:
        templates = get_client().list_booking_templates(org_id, lang=lang)
    except ModuleApiError:
        return []
    return [(t.id, service_view(t, lang, "").name) for t in templates]


def _option_lists(lang: str) -> dict[str, Any]:
    """The choices of the form's select boxes, labelled in the page's language."""
    return {
        "language_options": [
            (code, Locale.parse(code).get_display_name(lang) or code) for code in UI_LANGUAGES
        ],
        "display_options": [("inline", _("In the page")), ("popup", _("A button that opens it"))],
        "font_options": [(name, name) for name in FONTS],
        "mode_options": [
            ("light", _("Light")),
            ("dark", _("Dark")),
            ("auto", _("Follow the visitor's setting")),
        ],
        "color_labels": {
            "primary": _("Primary colour"),
            "background": _("Background"),
            "text": _("Text"),
            "accent": _("Accent colour"),
        },
    }


@bp.get("/<lang>/embed/preview")
def preview(lang: str) -> Any:
    """The preview page (404 unless enabled)."""
    settings = current_app.config["BOOKING"]
    if not settings.preview_enabled or lang not in UI_LANGUAGES:
        abort(404)
    g.lang = lang
    short = _short_query()
    if short is not None:
        target: dict[str, Any] = {**short, "lang": lang}  # only OPTION_KEYS: no `_external`
        return redirect(url_for("embed.preview", **target))
    values = _read_values(settings.default_organization)
    errors = _check(values)
    own_theme = theme_store().theme_for(None if "org" in errors else values["org"])
    form = PreviewForm(values, errors, _first_palette(own_theme, values["mode"]))
    warnings: list[str] = []
    services: list[tuple[str, str]] = []
    if "org" not in form.errors:
        services = _services(values["org"], lang)
        if not form.errors:
            options = {k: values[k] for k in (*COLOR_KEYS, "radius", "font", "mode") if values[k]}
            theme = with_overrides(own_theme, options)
            names = {
                "text": _("Text"),
                "primary": _("Primary colour"),
                "background": _("Background"),
                "button text": _("Button text"),
            }
            warnings = [
                _(
                    "%(front)s %(front_color)s on %(back)s %(back_color)s has a contrast of "
                    "%(ratio).1f:1, below the WCAG AA minimum of 4.5:1",
                    front=names[p.front],
                    front_color=p.front_color,
                    back=names[p.back],
                    back_color=p.back_color,
                    ratio=p.ratio,
                )
                for p in contrast_problems(theme)
            ]
    loader_url = request.host_url + "embed.js"
    response = current_app.make_response(
        (
            render_template(
                "embed/preview.html",
                form=form,
                values=values,
                errors=form.errors,
                warnings=warnings,
                services=services,
                attributes=form.attributes(loader_url),
                color_keys=COLOR_KEYS,
                colours=form.colours(),
                from_theme=FROM_THEME,
                **_option_lists(lang),
            ),
            400 if form.errors else 200,
        )
    )
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    return response
