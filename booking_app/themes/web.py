"""Themes in requests: which theme a page gets, its stylesheet URL, button wording,
and the organization's own frame-ancestors."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, g, has_request_context, request, url_for
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import escape

from booking_app.config import ConfigError
from booking_app.themes.model import ThemeError, canonical_options, parse_embed_options
from booking_app.themes.store import CompiledTheme, ThemeFolder, ThemeStore
from booking_app.web import headers

log = logging.getLogger(__name__)
EXTENSION = "booking_themes"
_CACHE_KEY = "booking_app.theme"


def theme_store() -> ThemeStore:
    """The app's themes (loaded at start-up)."""
    folder: ThemeFolder = current_app.extensions[EXTENSION]
    return folder.current()


def request_organization() -> str | None:
    """The organization id in this request's URL, if any."""
    value = (request.view_args or {}).get("org_id")
    return value if isinstance(value, str) else None


def embed_options() -> dict[str, str]:
    """The checked `th` embed parameter of this request; {} when absent or refused."""
    text = request.args.get("th", "")
    if not text:
        return {}
    try:
        return parse_embed_options(text)
    except ThemeError as error:
        log.info("embed theme parameter ignored: %s", error)
        return {}


def request_theme() -> CompiledTheme | None:
    """This page's theme, or None when the built-in look (widget.css alone) applies.

    Kept in the request's environ: `g` lives as long as the app context, which may
    outlive one request."""
    if _CACHE_KEY not in request.environ:
        store = theme_store()
        org_id = request_organization()
        options = embed_options()
        found = None
        if options or store.has_theme(org_id):
            found = store.compiled(org_id or "default", options)
        request.environ[_CACHE_KEY] = found
    theme: CompiledTheme | None = request.environ[_CACHE_KEY]
    return theme


def theme_stylesheet() -> str:
    """The URL of this page's theme stylesheet, or "" for the built-in look."""
    compiled = request_theme()
    if compiled is None:
        return ""
    return url_for(
        "embed.theme_css",
        key=request_organization() or "default",
        digest=compiled.digest,
        th=canonical_options(embed_options()) or None,
    )


def theme_logo() -> str:
    """The logo URL to show, or ""."""
    compiled = request_theme()
    if compiled is None or not compiled.theme.logo:
        return ""
    return compiled.theme.logo_url


def organization_frame_ancestors() -> tuple[str, ...]:
    """Extra origins the organization's theme file allows to frame its pages."""
    if not has_request_context() or EXTENSION not in current_app.extensions:
        return ()
    org_id = request_organization()
    if not org_id:
        return ()
    extra = theme_store().theme_for(org_id).frame_ancestors
    if current_app.config["BOOKING"].preview_enabled and "'self'" not in extra:
        extra += ("'self'",)  # the operator preview frames the widget from its own origin
    return extra


def _button_override(message: str) -> str | None:
    if not has_request_context():
        return None
    compiled = request_theme()
    if compiled is None:
        return None
    return compiled.theme.button_text(str(g.get("lang", "en")), message)


def _install_button_wording(app: Flask) -> None:
    """Let a theme replace the wording of a few buttons, per language (escaped text)."""
    original = app.jinja_env.globals["gettext"]

    @pass_context
    def themed_gettext(context: Context, message: str, **variables: Any) -> Any:
        override = _button_override(message)
        if override is not None:
            return escape(override)
        return original(context, message, **variables)  # type: ignore[operator]

    app.jinja_env.globals.update(gettext=themed_gettext, _=themed_gettext)


def init_app(app: Flask, folder: str) -> ThemeStore:
    """Load and check every theme file (ThemeError stops the start), hook into templates."""
    try:
        themes = ThemeFolder(folder)
    except ThemeError as error:
        raise ConfigError(f"BOOKING_THEME_DIR: {error}") from None
    app.extensions[EXTENSION] = themes
    headers.allow_extra_frame_ancestors(app, organization_frame_ancestors)
    app.jinja_env.globals.update(theme_stylesheet=theme_stylesheet, theme_logo=theme_logo)
    _install_button_wording(app)
    return themes.store


__all__ = ["init_app", "request_theme", "theme_store"]
