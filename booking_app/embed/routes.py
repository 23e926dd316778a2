"""`/embed.js` and the theme stylesheets.

embed.js keeps one URL forever (operators paste it), so it is cached for an hour and
revalidated by ETag. A theme stylesheet's URL carries the checksum of its content,
so it is cached forever; when the theme changes, pages link a new URL.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Response, abort, current_app, redirect, request, url_for

from booking_app.embed.blueprint import bp
from booking_app.themes import ThemeError, parse_embed_options
from booking_app.themes.model import canonical_options
from booking_app.themes.web import theme_store
from booking_app.web.i18n import _

EMBED_JS_MAX_AGE = 3600
FOREVER = "public, max-age=31536000, immutable"
_KEY_LENGTH = 32


@lru_cache(maxsize=1)
def _loader(path: str) -> tuple[bytes, str]:
    """The loader's bytes and their ETag (read once: it only changes with a release)."""
    data = Path(path).read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:20]


@bp.get("/embed.js")
def embed_js() -> Response:
    """The loader operators paste into their site."""
    static = current_app.static_folder
    assert static is not None
    data, etag = _loader(str(Path(static) / "embed.js"))
    response = Response(data, mimetype="text/javascript")
    response.cache_control.public = True
    response.cache_control.max_age = EMBED_JS_MAX_AGE
    response.set_etag(etag)
    # Host pages that isolate themselves (COEP) may still load it.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.make_conditional(request)
    return response


@bp.get("/theme/<key>/<digest>.css")
def theme_css(key: str, digest: str) -> Any:
    """The stylesheet of `key` (an organization id, or `default`) with the `th` options."""
    if key != "default" and not (key.startswith("f6") and len(key) == _KEY_LENGTH):
        abort(404)
    try:
        options = parse_embed_options(request.args.get("th", ""))
    except ThemeError as error:
        # Plain text with nosniff: a browser never applies it as a stylesheet.
        message = _("This theme option is not allowed: %(reason)s", reason=str(error))
        return Response(message + "\n", 400, mimetype="text/plain")
    compiled = theme_store().compiled(key, options)
    if digest != compiled.digest:
        # The theme changed since the page was rendered: point at the current stylesheet.
        current = url_for(
            "embed.theme_css",
            key=key,
            digest=compiled.digest,
            th=canonical_options(options) or None,
        )
        response = redirect(current, 302)
        response.headers["Cache-Control"] = "no-store"
        return response
    response = Response(compiled.css, mimetype="text/css")
    response.headers["Cache-Control"] = FOREVER
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
