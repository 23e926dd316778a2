"""The sandbox's Flask app: routes, envelope errors, quirks, switches, counters and faults."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from booking_app.sandbox import (  # noqa: F401 (routes)
    api,
    appointments_api,
    entities_api,
    oauth,
    slots_api,
)
from booking_app.sandbox.behaviour import Behaviour, behaviour, i18n_as_maps
from booking_app.sandbox.clock import Clock
from booking_app.sandbox.faults import Fault, FaultBook
from booking_app.sandbox.messages import ApiError, envelope, message
from booking_app.sandbox.quirks import apply_quirks
from booking_app.sandbox.seed import seed_demo
from booking_app.sandbox.store import Store

MAX_BODY = 8 * 1024 * 1024
# The writes that `write_delay_before_ms` / `write_delay_after_ms` slow down.
WRITE_ENDPOINTS = frozenset(
    {"api.appointment_add", "api.appointment_move", "api.appointment_cancel", "api.file_add"}
)
log = logging.getLogger("booking_app.sandbox")


def create_sandbox_app(
    db_path: Path,
    *,
    seed: str | None = None,
    token_ttl: int = 3600,
    quirks: bool = False,
    control: bool = False,
    clock_offset: timedelta = timedelta(0),
    behaviour: Behaviour | None = None,
) -> Flask:
    """Build the sandbox app on the SQLite file `db_path` (created if needed); its clock
    runs `clock_offset` ahead of the real time (behind, when negative); `behaviour` sets
    its switches (default: every switch's default)."""
    app = Flask("booking_app.sandbox")
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_BODY,
        SANDBOX_TOKEN_TTL=token_ttl,
        SANDBOX_QUIRKS=quirks,
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    store = Store(db_path)
    if seed == "demo" and store.is_empty():
        seed_demo(store)
    app.extensions["sandbox_store"] = store
    app.extensions["sandbox_clock"] = Clock(clock_offset)
    app.extensions["sandbox_faults"] = FaultBook()
    app.extensions["sandbox_behaviour"] = behaviour or Behaviour()
    app.extensions["sandbox_behaviour_start"] = app.extensions["sandbox_behaviour"]
    app.register_blueprint(oauth.bp)
    app.register_blueprint(api.bp)
    if control:
        app.register_blueprint(control_bp)
    app.before_request(_before)
    app.after_request(_after)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _crash)
    return app


def _route_name() -> str:
    rule = request.url_rule.rule if request.url_rule else request.path
    rule = rule.removeprefix("/module/v3/<lang>/")
    return f"{request.method} {rule.lstrip('/')}"


def _before() -> ResponseReturnValue | None:
    if request.path.startswith("/_sandbox/"):
        return None
    book: FaultBook = current_app.extensions["sandbox_faults"]
    route = _route_name()
    book.count(route)
    if book.latency_ms:
        time.sleep(book.latency_ms / 1000)
    fault = book.take(route)
    g.fault = fault
    if fault is not None:
        if fault.latency_ms:
            time.sleep(fault.latency_ms / 1000)
        if fault.drop:
            _drop_connection()
            return Response(status=500)
        if fault.status:
            lang = "de" if "/v3/de/" in request.path else "en"
            key = "service_unavailable" if fault.status >= 500 else "invalid_value"
            resp = jsonify(envelope(None, [message(key, lang)]))
            resp.status_code = fault.status
            if fault.retry_after is not None:
                resp.headers["Retry-After"] = str(fault.retry_after)
            return resp
    switches = behaviour()
    refused = switches.module_routes_status
    if refused and request.url_rule is not None and route.startswith("GET module/"):
        key = "route_forbidden" if refused == 403 else "route_not_found"
        return jsonify(envelope(None, [message(key, _lang())])), refused
    if switches.write_delay_before_ms and request.endpoint in WRITE_ENDPOINTS:
        time.sleep(switches.write_delay_before_ms / 1000)  # nothing is written yet
    return None


def _after(response: Response) -> Response:
    switches = behaviour()
    wrote = request.endpoint in WRITE_ENDPOINTS and 200 <= response.status_code < 300
    if wrote and switches.write_delay_after_ms:
        # Committed: the booking exists while the client still waits for the answer.
        time.sleep(switches.write_delay_after_ms / 1000)
    fault: Fault | None = g.get("fault")
    if fault is not None and fault.commit_then_hang_s:
        # The work is committed; now behave like a network that lost the answer.
        time.sleep(fault.commit_then_hang_s)
        _drop_connection()
    maps = switches.i18n == "maps"
    quirky = current_app.config["SANDBOX_QUIRKS"]
    reshape = (maps or quirky) and response.mimetype == "application/json"
    if reshape and request.path.startswith("/module/"):
        body = response.get_json(silent=True)
        if isinstance(body, dict):
            if maps:
                body = i18n_as_maps(body)
            if quirky:
                body = apply_quirks(body)
            response.set_data(json.dumps(body, ensure_ascii=False))
    return response


def _drop_connection() -> None:
    """Close the client's connection without an answer (werkzeug's server only)."""
    sock = request.environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _lang() -> str:
    return "de" if request.path.startswith("/module/v3/de/") else "en"


def _api_error(error: ApiError) -> ResponseReturnValue:
    return jsonify(error.body(g.get("lang", _lang()))), error.status


def _http_error(error: HTTPException) -> ResponseReturnValue:
    keys = {404: "route_not_found", 405: "method_not_allowed", 413: "body_too_large"}
    key = keys.get(error.code or 500, "invalid_value")
    return jsonify(envelope(None, [message(key, _lang())])), error.code or 500


def _crash(error: Exception) -> ResponseReturnValue:
    log.exception("sandbox error")
    return jsonify(envelope(None, [message("server_error", _lang())])), 500


control_bp = Blueprint("control", __name__, url_prefix="/_sandbox")
_behaviour_lock = threading.Lock()  # PUT reads, changes and stores the setting


def _book() -> FaultBook:
    book: FaultBook = current_app.extensions["sandbox_faults"]
    return book


@control_bp.get("/counters")
def counters() -> dict[str, Any]:
    return _book().counters()


@control_bp.delete("/counters")
def reset_counters() -> ResponseReturnValue:
    _book().reset_counters()
    return "", 204


@control_bp.post("/faults")
def add_fault() -> ResponseReturnValue:
    try:
        fault = Fault.from_json(request.get_json(silent=True))
    except (TypeError, ValueError) as error:
        return jsonify({"error": str(error)}), 400
    _book().add(fault)
    return "", 204


@control_bp.delete("/faults")
def clear_faults() -> ResponseReturnValue:
    _book().clear()
    return "", 204


@control_bp.put("/clock")
def set_clock() -> ResponseReturnValue:
    body = request.get_json(silent=True) or {}
    value = body.get("now") if isinstance(body, dict) else None
    try:
        moment = datetime.fromisoformat(value) if value else None
        current_app.extensions["sandbox_clock"].pin(moment)
    except (TypeError, ValueError) as error:
        return jsonify({"error": str(error)}), 400
    return "", 204


@control_bp.get("/behaviour")
def get_behaviour() -> dict[str, Any]:
    return behaviour().as_dict()


@control_bp.put("/behaviour")
def set_behaviour() -> ResponseReturnValue:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify({"error": "the switches are a JSON object of key: value"}), 400
    with _behaviour_lock:
        try:
            changed = behaviour().with_changes(body)
        except ValueError as error:
            return jsonify({"error": str(error)}), 400
        current_app.extensions["sandbox_behaviour"] = changed
    return changed.as_dict()


@control_bp.delete("/behaviour")
def reset_behaviour() -> ResponseReturnValue:
    with _behaviour_lock:
        start = current_app.extensions["sandbox_behaviour_start"]
        current_app.extensions["sandbox_behaviour"] = start
    return "", 204


@control_bp.put("/latency")
def set_latency() -> ResponseReturnValue:
    body = request.get_json(silent=True) or {}
    try:
        latency = int(body.get("latency_ms", 0))
    except (TypeError, ValueError, AttributeError):
        return jsonify({"error": "latency_ms must be a number"}), 400
    _book().latency_ms = max(0, min(latency, 60_000))
    return "", 204
