"""Locale negotiation for the UI, and choosing a text from an API I18n list."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask import Flask, g, request, url_for
from flask_babel import Babel, gettext
from flask_babel import ngettext as babel_ngettext

from booking_app.paths import resource_dir

UI_LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es", "it", "nl")
DEFAULT_LANGUAGE = "en"


def current_language() -> str:
    """The UI language of this request: the URL's `{lang}`, else the browser's best."""
    lang = g.get("lang")
    if lang in UI_LANGUAGES:
        return str(lang)
    return best_language(request.accept_languages.values() if request else ())


def best_language(preferred: Iterable[str]) -> str:
    """The first supported UI language among `preferred` (region codes allowed)."""
    for tag in preferred:
        base = tag.replace("_", "-").split("-")[0].lower()
        if base in UI_LANGUAGES:
            return base
    return DEFAULT_LANGUAGE


def pick_translation(
    entries: Sequence[Mapping[str, str]] | None,
    language: str,
    *,
    organization_language: str | None = None,
    fallback: str = "",
) -> str:
    """Choose the text of an I18n list (`[{"key": "de-AT", "value": …}]`) for `language`.

    The chain: exact language-region → base language → another region of the same
    language → the organization's language (same chain) → `fallback` (the
    untranslated field) → the first non-empty entry → "".
    """
    texts = {
        str(e.get("key", "")).replace("_", "-").lower(): str(e.get("value") or "")
        for e in entries or ()
        if isinstance(e, Mapping) and e.get("value")
    }
    for wanted in (language, organization_language):
        if wanted:
            found = _match(texts, wanted.replace("_", "-").lower())
            if found:
                return found
    if fallback:
        return fallback
    return next(iter(texts.values()), "")


def _match(texts: Mapping[str, str], wanted: str) -> str:
    if wanted in texts:
        return texts[wanted]
    base = wanted.split("-")[0]
    if base in texts:
        return texts[base]
    for key, value in sorted(texts.items()):
        if key.split("-")[0] == base:
            return value
    return ""


def init_app(app: Flask) -> None:
    """Set up Flask-Babel with the URL-driven locale."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(resource_dir("translations")))
    Babel(app, locale_selector=current_language)


def _(message: str, **variables: Any) -> str:
    """gettext for the current request's language (typed wrapper of Flask-Babel's)."""
    return str(gettext(message, **variables))


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """ngettext for the current request's language; `%(num)d` is `num`."""
    return str(babel_ngettext(singular, plural, num, **variables))


# The query parameters a page may keep across a language switch. Only these reach
# `url_for`: any other key could be one of its own (`_external`, `_scheme`, `_method`,
# `endpoint`) and change the link, or fail it.
PAGE_QUERY_KEYS = frozenset(
    {
        # the booking and manage pages
        "all", "btz", "c", "day", "done", "e", "gone", "here", "month", "none", "q", "s",
        "staff", "tz", "week", "loc",
        "next", "current", "org_tz",  # the time zone choice (booking/zones.py)
        # the embed parameters (web/embed_params.py)
        "eo", "eid", "th",
        "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content",
        # the operator preview's form
        "org", "widget_lang", "service", "display", "primary", "background", "text",
        "accent", "radius", "font", "mode",
    }
)  # fmt: skip


def kept_query(args: Mapping[str, str], view_args: Mapping[str, Any]) -> dict[str, str]:
    """The allow-listed query parameters of `args` (never one named like a view arg)."""
    return {
        key: value[:500]
        for key, value in args.items()
        if key in PAGE_QUERY_KEYS and key not in view_args
    }


def language_links() -> list[tuple[str, str | None]]:
    """(code, URL of this page in that language) for the switcher; None for the current."""
    view_args = request.view_args or {}
    if request.method != "GET" or "lang" not in view_args or not request.endpoint:
        return []
    query = kept_query(request.args, view_args)
    return [
        (
            code,
            None
            if code == view_args["lang"]
            else url_for(request.endpoint, **{**query, **view_args, "lang": code}),
        )
        for code in UI_LANGUAGES
    ]
