"""The widget's own CSS and JavaScript, minified once and served under their checksum.

`/static/…` serves the files as written (readable, and what the docs name); pages link
`/assets/<digest>/<name>` instead: the same file minified (rjsmin, rcssmin: small,
maintained minifiers from PyPI, no npm) and cached by browsers forever, since a new
release links a new digest. That cut ~3.8 KB from every page, which the page-weight
budget (≤ 30 KB with CSS and JS, bench/README.md) needed once the month grid came.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import rcssmin
import rjsmin
from flask import Blueprint, Flask, Response, abort, current_app, url_for

# Only these, never a path: the names a page may link.
NAMES = frozenset({"widget.css", "widget.js", "preview.css", "preview.js"})
FOREVER = "public, max-age=31536000, immutable"
MIMETYPES = {"css": "text/css", "js": "text/javascript"}

bp = Blueprint("assets", __name__)


@dataclass(frozen=True)
class Asset:
    """A minified file and the digest of its content."""

    body: bytes
    digest: str
    mimetype: str


@lru_cache(maxsize=len(NAMES))
def _minified(folder: str, name: str) -> Asset:
    source = (Path(folder) / name).read_text("utf-8")
    kind = name.rsplit(".", 1)[1]
    text = rjsmin.jsmin(source) if kind == "js" else rcssmin.cssmin(source)
    body = text.encode("utf-8")
    return Asset(body, hashlib.sha256(body).hexdigest()[:16], MIMETYPES[kind])


def minified(name: str) -> Asset:
    """The minified `name` (one of NAMES) of this app's static folder, built once."""
    folder = current_app.static_folder
    assert folder is not None
    return _minified(folder, name)


def asset_url(name: str) -> str:
    """The URL a page links for `name`: it changes with the file's content."""
    return url_for("assets.asset", digest=minified(name).digest, name=name)


@bp.get("/assets/<digest>/<name>")
def asset(digest: str, name: str) -> Response:
    """A minified file; cached forever under its current digest. An older digest (a
    page rendered before a release) gets the current file, revalidated each time."""
    if name not in NAMES:
        abort(404)
    found = minified(name)
    response = Response(found.body, mimetype=found.mimetype)
    response.headers["Cache-Control"] = FOREVER if digest == found.digest else "no-cache"
    return response


def init_app(app: Flask) -> None:
    """Serve /assets/… and give templates `asset_url`."""
    app.register_blueprint(bp)
    app.jinja_env.globals["asset_url"] = asset_url
