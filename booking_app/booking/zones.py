"""The time zone choice: a search for a city or zone that needs no JavaScript.

`/{lang}/zone` (or `/{lang}/o/{org_id}/zone`, which gets the organization's theme and
may be framed by its sites) lists zones as links back to the page named by `next`,
each with its `tz=` set to the zone. `next` is the open-redirect risk of this page:
only a path of this widget (`/{lang}/…`) is taken, nothing that could leave the site;
anything else is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from flask import abort, render_template, request

from booking_app import clock
from booking_app.booking.blueprint import bp
from booking_app.web.i18n import UI_LANGUAGES
from booking_app.web.lookup import check_ids
from booking_app.web.timezones import valid_zone
from booking_app.web.zone_list import (
    MAX_QUERY,
    ZoneEntry,
    canonical_zone,
    entry_for,
    popular,
    search,
    zone_entries,
)

MAX_NEXT = 2000
MAX_RESULTS = 60  # a page of results stays small (a few hundred bytes each)
DROPPED_KEYS = frozenset({"tz", "btz"})  # the zone choice replaces both


def return_path(value: str | None, lang: str) -> str | None:
    """`value` as the page to return to, when it is a path of this widget: `/{ui
    language}/…` (the language becomes `lang`, the page's own), printable ASCII with no
    space, no backslash, no `//` in the path, at most MAX_NEXT characters; its fragment
    dropped. None for anything else (another site, a scheme, `//host`, `/\\host`)."""
    if not value or len(value) > MAX_NEXT or "\\" in value:
        return None
    if not all("!" <= c <= "~" for c in value):  # no control characters, spaces, non-ASCII
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or "//" in parts.path:
        return None
    segments = parts.path.split("/", 2)
    if len(segments) < 3 or segments[0] or segments[1] not in UI_LANGUAGES:
        return None
    path = f"/{lang}/{segments[2]}"
    return f"{path}?{parts.query}" if parts.query else path


def zone_link_prefix(next_path: str) -> str:
    """`next_path` with its `tz` and `btz` taken out and an empty `tz=` last: the link of
    a zone is this prefix and the zone's key."""
    parts = urlsplit(next_path)
    kept = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key not in DROPPED_KEYS
    ]
    query = urlencode(kept)
    return f"{parts.path}?{query}&tz=" if query else f"{parts.path}?tz="


@dataclass(frozen=True)
class ZoneLink:
    """One zone of the page: its entry, where choosing it leads, what marks it."""

    entry: ZoneEntry
    href: str
    current: bool
    business: bool


def _links(entries: list[ZoneEntry], prefix: str, current: str, business: str) -> list[ZoneLink]:
    """The entries as links: `prefix` and each key, marked when current or the business's."""
    return [
        ZoneLink(
            entry,
            prefix + quote(entry.key, safe="/"),
            entry.key == current,
            entry.key == business,
        )
        for entry in entries
    ]


def _text(value: str) -> str:
    """A typed text as the page shows it: printable, spaces collapsed, MAX_QUERY long."""
    return " ".join("".join(c for c in value if c.isprintable()).split())[:MAX_QUERY]


def _known(name: str) -> str:
    """The choice's zone for a known zone name, a city name too ("" when unknown)."""
    found = valid_zone(name)
    return canonical_zone(found) if found else ""


@bp.get("/<lang>/zone")
@bp.get("/<lang>/o/<org_id>/zone")
def zone_choice(lang: str, org_id: str | None = None) -> Any:
    """Choose a time zone: `next` (the page to return to), `q` (the search),
    `current` (the zone in use), `org_tz` (the business's zone)."""
    if org_id is not None:
        check_ids(org_id)
    next_path = return_path(request.args.get("next"), lang)
    if next_path is None:
        abort(404)
    query = _text(request.args.get("q", ""))
    asked = _text(request.args.get("current", ""))
    current = _known(asked)
    business = _known(request.args.get("org_tz", ""))
    now = clock.now()
    entries = zone_entries(lang, now)
    prefix = zone_link_prefix(next_path)
    matches: list[ZoneEntry] = []
    suggested: list[ZoneEntry] = []
    if query:
        matches = search(entries, query)
    else:
        first = [entry_for(key, lang, now) for key in dict.fromkeys((current, business)) if key]
        suggested = first + [e for e in popular(entries) if e.key not in {current, business}]
    return render_template(
        "zone_choice.html",
        next_path=next_path,
        query=query,
        asked=asked,
        unknown=bool(asked) and not current,
        current=current,
        org_tz=business,
        org_id=org_id,
        results=_links(matches[:MAX_RESULTS], prefix, current, business),
        found=len(matches),
        suggested=_links(suggested, prefix, current, business),
    )
