"""The baseline app with the libraries the widget cannot do without, each used once: the
floor under the widget's peak memory per worker (bench/README.md, "Memory").

They are the ones the product brief fixes (requests, with ssl; marshmallow; Flask-Babel
with the locale data of two languages) and those issue 18 itself asks to keep or add
(Flask-Limiter for the rate limits, prometheus_client for the metrics), plus
Flask-Caching's memory cache. No widget code, template or cached answer: what this app
peaks at, a widget worker cannot go below. Served like the baseline (`/page/<bytes>`),
with the widget's malloc arena cap.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
from datetime import UTC, datetime

import marshmallow
import prometheus_client
import requests
from babel.dates import format_datetime
from babel.numbers import format_currency
from flask import Flask
from flask_babel import Babel
from flask_caching.backends.simplecache import SimpleCache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from bench.baseline import app as baseline

app = Flask(__name__, template_folder=baseline.app.template_folder)
app.add_url_rule("/page/<int:size>", view_func=baseline.page)

# booking_app/malloc.py's cap, set here without importing booking_app (it would count).
ctypes.CDLL("libc.so.6").mallopt(-8, 2)

Babel(app)
Limiter(get_remote_address, app=app, default_limits=["1000000 per minute"], storage_uri="memory://")
PAGES = prometheus_client.Counter("bench_pages_total", "Pages served")
CACHE = SimpleCache()
SESSION = requests.Session()
_used = threading.Event()


class Details(marshmallow.Schema):
    """A form like the widget's, in short."""

    name = marshmallow.fields.String(required=True)
    email = marshmallow.fields.Email()


def use_each_once() -> None:
    """Load what each library loads on first use: locale data, a schema, a cache entry,
    a connection attempt (refused: nothing listens on port 1)."""
    for locale in ("en", "de"):
        format_currency(35, "EUR", locale=locale)
        format_datetime(datetime(2027, 3, 1, 9, 30, tzinfo=UTC), locale=locale)
    Details().load({"name": "Zoë", "email": "zoe@example.com"})
    CACHE.set("k", {"slots": list(range(100))})
    with contextlib.suppress(requests.RequestException):
        SESSION.get("http://127.0.0.1:1/", timeout=0.2)


@app.before_request
def count_and_warm() -> None:
    """Count every page; the first one uses each library."""
    PAGES.inc()
    if not _used.is_set():
        _used.set()
        use_each_once()
