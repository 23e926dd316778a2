"""The booking blueprint: the customer's flow (entry → slots → details → confirmation)."""

from __future__ import annotations

from flask import Blueprint

from booking_app.web.lookup import language_context, url_language

bp = Blueprint("booking", __name__)
bp.url_value_preprocessor(url_language)
bp.app_context_processor(language_context)
