"""Cross-site request forgery: a check that needs no cookie (the widget sets none)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request


def same_origin() -> bool:
    """Whether this POST comes from our own pages: browsers say where a POST comes from
    (`Sec-Fetch-Site`, else `Origin`)."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc == request.host
    return True
