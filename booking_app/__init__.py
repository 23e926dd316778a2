"""The bookingtime booking widget: `create_app` assembles it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, jsonify, redirect, request, url_for
from werkzeug.wrappers import Response

from booking_app import cache, clock
from booking_app.config import ConfigError, Settings, clock_for, load_settings
from booking_app.paths import resource_dir
from booking_app.web import (
    assets,
    errors,
    headers,
    i18n,
    metrics_view,
    pagecache,
    ratelimit,
    request_log,
)

__all__ = ["ConfigError", "create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the widget app.

    `config` may hold Flask settings (`TESTING`, …) and `BOOKING_*` settings, which
    take precedence over the environment. Raises ConfigError on a bad setting.
    """
    config = dict(config or {})
    overrides = {
        key.removeprefix("BOOKING_").lower(): config.pop(key)
        for key in list(config)
        if key.startswith("BOOKING_")
    }
    settings = load_settings(overrides=overrides)
    app = Flask(
        __name__,
        template_folder=str(resource_dir("templates")),
        static_folder="static",
    )
    app.config.update(
        SECRET_KEY=settings.secret_key or "demo-only-secret-key",
        BOOKING=settings,
        MAX_CONTENT_LENGTH=64 * 1024,
        MAX_FORM_MEMORY_SIZE=16 * 1024,  # one form field at most (the form's are far smaller)
        MAX_FORM_PARTS=100,
        JSON_SORT_KEYS=False,
    )
    app.config.update(config)
    app.extensions[clock.EXTENSION] = clock_for(settings)  # every "now" of this app
    cache.init_app(app, settings)
    request_log.init_app(app)  # first: it must see requests the rate limiter refuses
    ratelimit.init_app(app, settings)
    pagecache.init_app(app)  # kept pages answered before the app; inside the proxy fix
    headers.init_proxy_fix(app, settings)
    i18n.init_app(app)
    assets.init_app(app)  # minified widget.css/js under their digest
    _init_client(app)

    from booking_app.booking import bp as booking_bp
    from booking_app.manage.views import bp as manage_bp

    app.register_blueprint(booking_bp)
    _init_embedding(app, settings)
    app.register_blueprint(manage_bp)
    errors.init_app(app)
    headers.init_app(app, settings)
    _register_basics(app, settings)
    metrics_view.init_app(app, settings)  # /metrics: 404 without BOOKING_METRICS_TOKEN
    errors.install_last_resort(app, headers.fixed_headers(settings))  # outermost
    return app


def _init_embedding(app: Flask, settings: Settings) -> None:
    """Themes, template overrides, /embed.js and the operator preview."""
    from booking_app import embed

    embed.init_app(app, settings)


def _init_client(app: Flask) -> None:
    from booking_app import moduleapi

    moduleapi.init_app(app)


def _register_basics(app: Flask, settings: Settings) -> None:
    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz() -> Any:
        """Ready when a Module API token can be had (tokens are cached, so this is
        cheap); "degraded" (still 200: it serves) while Redis is away and this process
        answers from its own memory."""
        from booking_app.moduleapi import ModuleApiError, get_client

        try:
            get_client().check_ready(settings.default_organization or None)
        except ModuleApiError as error:
            return jsonify(status="unavailable", reason=type(error).__name__), 503
        if cache.cache_state(app.extensions["booking_cache"]) == "degraded":
            return jsonify(status="degraded", degraded=["cache"], cache="redis unreachable")
        return jsonify(status="ready")

    @app.get("/")
    def index() -> Response:
        lang = i18n.best_language(request.accept_languages.values())
        if settings.default_organization:
            return redirect(
                url_for("booking.entry", lang=lang, org_id=settings.default_organization)
            )
        return redirect(url_for("booking.no_organization", lang=lang))

    @app.get("/o/<org_id>/")
    def organization_without_language(org_id: str) -> Response:
        lang = i18n.best_language(request.accept_languages.values())
        query = i18n.kept_query(request.args, {"lang": lang, "org_id": org_id})
        values: dict[str, Any] = {**query, "lang": lang, "org_id": org_id}
        return redirect(url_for("booking.entry", **values))
