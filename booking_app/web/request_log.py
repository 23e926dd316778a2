"""One JSON line per request on the `booking_app.requests` logger.

Fields: request id, method, route template (never the concrete path or query, which
carry ids and whatever a client typed), endpoint, status, duration, and the upstream
Module API calls made for it (count, total time, failures); `kept` for a page served
from the page cache before the app ran, `rebuild` for the request that page cache made
itself to renew a page. No names, emails, phone
numbers or client addresses: nothing here comes from the form or the client.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

from booking_app.moduleapi import metering

log = logging.getLogger("booking_app.requests")
# A proxy's request id is kept when it looks like one (uuid, hex, base64url).
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# The WSGI environ key of a request the page cache makes itself, to rebuild a page.
REBUILD_MARK = "booking.page_rebuild"


def request_id() -> str:
    """The current request's id (also sent back as `X-Request-Id`)."""
    rid = g.get("request_id")
    return rid if isinstance(rid, str) else ""


def id_for(incoming: str) -> str:
    """The request id of a request that sent `incoming` as its `X-Request-Id` (kept
    when it looks like one, else a new one)."""
    return incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex


def _start() -> None:
    g.request_started = time.perf_counter()
    g.request_id = id_for(request.headers.get("X-Request-Id", ""))
    g.upstream = metering.start()


def _record(
    rid: str,
    method: str,
    *,
    route: str | None,
    endpoint: str | None,
    status: int,
    started: float | None,
    upstream: metering.CallTally | None,
) -> dict[str, object]:
    """One request's log record: the same fields for rendered and kept pages."""
    duration = (time.perf_counter() - started) * 1000 if started else 0.0
    return {
        "event": "request",
        "rid": rid,
        "method": method,
        "route": route,
        "endpoint": endpoint,
        "status": status,
        "ms": round(duration, 1),
        "upstream_calls": upstream.calls if upstream else 0,
        "upstream_ms": round(upstream.ms, 1) if upstream else 0.0,
        "upstream_failures": upstream.failures if upstream else 0,
    }


def line(response: Response) -> dict[str, object]:
    """The log record of the current request and its `response`."""
    record = _record(
        request_id(),
        request.method,
        route=request.url_rule.rule if request.url_rule else None,
        endpoint=request.endpoint,
        status=response.status_code,
        started=g.get("request_started"),
        upstream=g.get("upstream"),
    )
    if request.environ.get(REBUILD_MARK):
        record["rebuild"] = True  # a kept page rebuilt after its answer (web/pagecache.py)
    return record


def log_kept_page(rid: str, route: str | None, endpoint: str | None, started: float) -> None:
    """The log line of a GET answered from the page cache (web/pagecache.py) before the
    app ran: the same fields, no upstream call."""
    if log.isEnabledFor(logging.INFO):
        record = _record(
            rid, "GET", route=route, endpoint=endpoint, status=200, started=started, upstream=None
        )
        record["kept"] = True
        log.info(json.dumps(record, separators=(",", ":")))


def init_app(app: Flask) -> None:
    """Log every request. Register this before anything that may refuse a request in
    `before_request` (the rate limiter), so that refused requests are logged too."""
    app.before_request(_start)

    @app.after_request
    def _log(response: Response) -> Response:
        if "request_id" not in g:  # refused before our hook ran
            _start()
        response.headers.setdefault("X-Request-Id", request_id())
        if log.isEnabledFor(logging.INFO):  # no JSON built for a line nobody writes
            log.info(json.dumps(line(response), separators=(",", ":")))
        return response

    @app.teardown_request
    def _done(_error: BaseException | None = None) -> None:
        metering.stop()
