"""Translated error pages: every failure has a clear page and the right status."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from booking_app.web.i18n import UI_LANGUAGES, _, best_language

log = logging.getLogger("booking_app")


def _page(status: int) -> tuple[str, str]:
    pages = {
        403: (_("This request was refused"), _("Please open the booking page again and retry.")),
        404: (_("Page not found"), _("The link may be wrong or out of date.")),
        405: (_("This request was refused"), _("Please open the booking page again and retry.")),
        410: (_("This link has expired"), _("Please start your booking again.")),
        413: (_("Too much data"), _("What you sent is too large. Please shorten it.")),
        429: (_("Too many requests"), _("Please wait a moment, then try again.")),
    }
    return pages.get(
        status,
        (_("Something went wrong"), _("Please try again in a few minutes.")),
    )


def _render(status: int) -> Any:
    if g.get("lang") not in UI_LANGUAGES:
        g.lang = best_language(request.accept_languages.values())
    title, detail = _page(status)
    return render_template("error.html", title=title, detail=detail), status


def error_page(status: int) -> Response:
    """The translated error page for `status` as a response (for hooks that refuse a
    request before any view runs, like the rate limiter's 429)."""
    response: Response = make_response(_render(status))
    return response


def init_app(app: Flask) -> None:
    """Register the translated error pages."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        if error.response is not None:  # a view built its own page (e.g. the 503)
            return error.response
        return _render(error.code or 500)

    @app.errorhandler(Exception)
    def crash(error: Exception) -> Any:
        log.exception("unhandled error")
        return _render(500)
