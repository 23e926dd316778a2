"""Embed parameters that travel with the customer from page to page.

The loader puts them on the iframe's URL: `eo` (the host page's origin, where the
widget posts its events), `eid` (which widget on that page), `th` (theme options)
and the host page's `utm_*`. With no cookie to keep them, every link the widget
builds carries them on (GET forms get them from widget.js, which copies the form
action's query into hidden fields). Only well-formed values travel.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Flask, has_request_context, request

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
MAX_UTM_LENGTH = 100
_CHECKS: dict[str, re.Pattern[str]] = {
    "eo": re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$"),
    "eid": re.compile(r"^[A-Za-z0-9_-]{1,32}$"),
    "th": re.compile(r"^[a-z0-9:,]{1,200}$"),
}
_CARRYING_BLUEPRINTS = ("booking.", "manage.")


def _printable(value: str) -> bool:
    return 0 < len(value) <= MAX_UTM_LENGTH and value.isprintable()


def utm_parameters(args: Mapping[str, str]) -> dict[str, str]:
    """The well-formed `utm_*` parameters of `args` (for the booking's additionalData)."""
    return {k: args[k].strip() for k in UTM_KEYS if _printable(args.get(k, "").strip())}


def carried_parameters(args: Mapping[str, str]) -> dict[str, str]:
    """The embed parameters of `args` that links should carry on."""
    carried = {k: args[k] for k, check in _CHECKS.items() if check.match(args.get(k, ""))}
    carried.update(utm_parameters(args))
    return carried


def init_app(app: Flask) -> None:
    """Make `url_for` carry the embed parameters on the booking pages' links."""

    @app.url_defaults
    def _carry(endpoint: str, values: dict[str, Any]) -> None:
        if not has_request_context() or not endpoint.startswith(_CARRYING_BLUEPRINTS):
            return
        for key, value in carried_parameters(request.args).items():
            values.setdefault(key, value)
