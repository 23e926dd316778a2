"""gunicorn settings for the widget, from `BOOKING_*` environment variables.

`booking-app serve` runs gunicorn with this file (`-c python:booking_app.gunicorn_conf`);
so can a plain `gunicorn -c python:booking_app.gunicorn_conf`. Each variable is
checked here and a bad one stops gunicorn with a message that names it.

Defaults suit a widget that mostly waits for the Module API: threaded workers
(`gthread`), a few processes per machine, timeouts above the client's worst case
(connect + read + retries), and a graceful shutdown that lets a booking in flight
finish. Run as many of these as you like on as many machines: with
`BOOKING_CACHE_URL` they share tokens, caches and rate-limit counters in Redis.
"""

from __future__ import annotations

import os
from typing import Any

WORKER_CLASSES = ("gthread", "sync", "gevent")


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise SystemExit(f"{name} must be between {low} and {high}, not {value}")
    return value


def _choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = os.environ.get(name, "").strip() or default
    if value not in allowed:
        raise SystemExit(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


wsgi_app = "booking_app:create_app()"
bind = [os.environ.get("BOOKING_BIND", "").strip() or "127.0.0.1:8080"]
worker_class = _choice("BOOKING_WORKER_CLASS", "gthread", WORKER_CLASSES)
workers = _int("BOOKING_WORKERS", min(2 * (os.cpu_count() or 1), 8), 1, 64)
threads = _int("BOOKING_THREADS", 8, 1, 256)
# A worker silent this long is killed and replaced: longer than a booking's worst case
# (connect 3 s + read 10 s + the identify that recovers a lost answer).
timeout = _int("BOOKING_WORKER_TIMEOUT", 45, 5, 600)
# On SIGTERM: stop accepting, let requests in flight finish for this long, then stop.
graceful_timeout = _int("BOOKING_GRACEFUL_TIMEOUT", 30, 1, 600)
keepalive = _int("BOOKING_KEEPALIVE", 5, 0, 300)
# Recycle workers now and then (jittered, so not all at once): bounds any slow leak.
max_requests = _int("BOOKING_MAX_REQUESTS", 5000, 0, 10_000_000)
max_requests_jitter = max_requests // 10
# Never preload: each worker must open its own connections (Module API, Redis).
preload_app = False
# The widget logs one JSON line per request itself; gunicorn's access log would repeat
# it with the full URL (ids and query values), so it is off.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("BOOKING_LOG_LEVEL", "info").strip().lower() or "info"
proc_name = "booking-app"
# gunicorn 23+'s control socket has one default path per user: several instances on a
# machine would fight over it. Not needed to serve, so off (older gunicorns ignore this).
control_socket_disable = True


def post_fork(server: Any, worker: Any) -> None:
    """In each new worker, before its app and threads: few malloc arenas (booking_app/malloc.py)."""
    from booking_app.malloc import limit_malloc_arenas

    limit_malloc_arenas()


def child_exit(server: Any, worker: Any) -> None:
    """A worker ended (recycled, killed): in prometheus_client's multiprocess mode its
    live gauges leave the scrape; its counts stay in the sums."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def on_exit(server: Any) -> None:
    """gunicorn stops: remove the metrics folder `booking-app serve` made for this run."""
    made = os.environ.get("_BOOKING_METRICS_TEMP_DIR", "")
    if made and made == os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        import shutil

        shutil.rmtree(made, ignore_errors=True)


logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json_line": {"format": "%(message)s"},
        "plain": {"format": "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "requests": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json_line",
        },
        "errors": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "plain",
        },
    },
    # gunicorn merges this dict shallowly into its own: root and its loggers are restated.
    "root": {"level": "WARNING", "handlers": ["errors"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["errors"], "propagate": False},
        # Its lines carry the client address and the full URL: dropped (see accesslog).
        "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        # One JSON line per request on stdout.
        "booking_app.requests": {"level": "INFO", "handlers": ["requests"], "propagate": False},
        # Failures, degraded caches, stale copies, upstream failures with their messages.
        "booking_app": {"level": "WARNING", "handlers": ["errors"], "propagate": False},
        # Its INFO lines name the client address: warnings only.
        "flask-limiter": {"level": "WARNING", "handlers": ["errors"], "propagate": False},
    },
}
