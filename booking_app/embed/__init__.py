"""Embedding: the `/embed.js` loader, theme stylesheets, the operator preview, the
embed parameters every link carries on, and operators' template overrides."""

from __future__ import annotations

from flask import Flask
from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader, PrefixLoader

from booking_app import themes
from booking_app.config import Settings
from booking_app.embed.blueprint import bp
from booking_app.paths import resource_dir
from booking_app.web import embed_params as params

OVERRIDDEN_PREFIX = "widget"


def _template_overrides(app: Flask, folder: str) -> None:
    """Templates in `folder` shadow ours; ours stay reachable as `widget/<name>`, so an
    override can `{% extends "widget/entry.html" %}` and replace single blocks."""
    ours = FileSystemLoader(str(resource_dir("templates")))
    loaders: list[BaseLoader] = [
        FileSystemLoader(folder),
        PrefixLoader({OVERRIDDEN_PREFIX: ours}),
        ours,
    ]
    app.jinja_loader = ChoiceLoader(loaders)


def init_app(app: Flask, settings: Settings) -> None:
    """Themes, carried embed parameters, overrides and the embed routes."""
    from booking_app.embed import preview, routes  # noqa: F401  (they register on `bp`)

    themes.init_app(app, settings.theme_dir)
    params.init_app(app)
    if settings.template_overrides:
        _template_overrides(app, settings.template_overrides)
    app.register_blueprint(bp)


__all__ = ["bp", "init_app"]
