"""Cross-site request forgery: a check that needs no cookie (the widget sets none)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request


def same_origin() -> bool:
    """Whether this POST comes from our own pages: browsers say where a POST comes from
    (`Sec-Fetch-Site`, else `Origin`).

    `Origin: null` says nothing about where a POST comes from: sandboxed frames, some
    redirects and privacy settings send it from anywhere. A page with
    `Referrer-Policy: no-referrer` (the manage pages) sends it for its own same-origin
    POSTs too, but then the browser also sends `Sec-Fetch-Site: same-origin`; so a null
    origin passes only with that."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin == "null":
        return fetch_site == "same-origin"
    if origin:
        return urlsplit(origin).netloc == request.host
    return True
