"""The embed blueprint (loader, theme stylesheets, operator preview)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("embed", __name__)
