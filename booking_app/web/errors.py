"""Translated error pages: every failure has a clear page and the right status."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, make_response, render_template, request, url_for
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from booking_app.web.i18n import DEFAULT_LANGUAGE, UI_LANGUAGES, _, best_language

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
    link, link_text = _way_back(status)
    try:
        return render_template(
            "error.html", title=title, detail=detail, link=link, link_text=link_text
        ), status
    except Exception:  # the page itself failed: a plain one, never an unhandled error
        log.exception("error page %s could not be rendered", status)
        return _plain(title, detail, str(g.lang)), status


def _way_back(status: int) -> tuple[str, str]:
    """A page refused for now (429) offers the way back to the organization's booking
    page (what the customer typed is still in the browser's back history)."""
    args = request.view_args or {}
    if status != 429 or "org_id" not in args:
        return "", ""
    try:
        link = url_for("booking.entry", lang=g.lang, org_id=args["org_id"])
    except Exception:  # no such page to link to: no link
        return "", ""
    return link, _("Back to the booking page")


def _plain(title: str, detail: str, lang: str) -> str:
    """A self-contained error page (no template, no URL building, nothing to fail)."""
    return (
        f'<!doctype html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}</h1>"
        f"<p>{escape(detail)}</p></main></body></html>"
    )


class LastResort:
    """WSGI middleware: whatever escapes the app (an error page that failed, a hook
    that raised), the customer gets the translated 500 page with every security
    header, not the server's bare one."""

    def __init__(self, app: Any, headers: list[tuple[str, str]], pages: dict[str, str]) -> None:
        self.app, self.headers, self.pages = app, headers, pages

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        try:
            return self.app(environ, start_response)
        except Exception:
            log.exception("unhandled error outside the app's error handlers")
            wanted = environ.get("HTTP_ACCEPT_LANGUAGE", "")
            lang = best_language(part.split(";")[0].strip() for part in wanted.split(","))
            body = self.pages.get(lang, self.pages[DEFAULT_LANGUAGE]).encode()
            headers = [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
                *self.headers,
            ]
            start_response("500 INTERNAL SERVER ERROR", headers)
            return [body]


def install_last_resort(app: Flask, headers: list[tuple[str, str]]) -> None:
    """Wrap `app.wsgi_app` in `LastResort`, its 500 page translated now (at start-up)."""
    pages = {}
    for lang in UI_LANGUAGES:
        with app.test_request_context(f"/{lang}/"):
            g.lang = lang
            title, detail = _page(500)
            pages[lang] = _plain(title, detail, lang)
    app.wsgi_app = LastResort(app.wsgi_app, headers, pages)  # type: ignore[method-assign]


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
