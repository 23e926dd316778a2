"""`/metrics`: the counters of `booking_app.metrics` for Prometheus, behind a token.

Not on the public widget by default: without `BOOKING_METRICS_TOKEN` it is a plain 404,
like any unknown URL. With it, a scrape must send `Authorization: Bearer <token>`
(compared in constant time), else 401. The answer is `no-store`, counts against no rate
limit (no group names this endpoint), never goes through the page cache, and carries no
ids and nothing a customer typed.
"""

from __future__ import annotations

import hmac

from flask import Flask, Response, abort, request

from booking_app import metrics
from booking_app.config import Settings
from booking_app.moduleapi import get_client


def authorized(header: str, token: bytes) -> bool:
    """Whether an `Authorization` header value carries `token` as a bearer token."""
    scheme, _, sent = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(sent.strip().encode(), token)


def scrape() -> Response:
    """Every metric of every worker, plus the breaker's state as of now."""
    breaker = get_client().breaker
    state = metrics.BreakerState({breaker.upstream: lambda: breaker.state == "open"})
    body, content_type = metrics.exposition(request.headers.get("Accept", ""), [state])
    return Response(body, 200, {"Content-Type": content_type, "Cache-Control": "no-store"})


def init_app(app: Flask, settings: Settings) -> None:
    """Add `/metrics`: 404 unless `BOOKING_METRICS_TOKEN` is set, 401 without it."""
    token = settings.metrics_token.encode()

    @app.get("/metrics")
    def metrics_page() -> Response:
        if not token:
            abort(404)
        if not authorized(request.headers.get("Authorization", ""), token):
            refused = Response("a bearer token is required\n", 401, mimetype="text/plain")
            refused.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
            refused.headers["Cache-Control"] = "no-store"
            return refused
        return scrape()
