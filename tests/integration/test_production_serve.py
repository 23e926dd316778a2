"""`booking-app serve`: gunicorn settings from BOOKING_* variables, checked before
start, and a graceful stop that lets a request in flight finish."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.support.clock import environ_without_settings
from tests.support.sandbox import SandboxProcess
from tests.support.widget_server import running_widget

pytestmark = pytest.mark.integration


def conf_with(**env: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import booking_app.gunicorn_conf as c;"
        "print(c.workers, c.threads, c.worker_class, c.timeout, c.graceful_timeout, c.bind)"
    )
    clean = environ_without_settings()
    return subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True
    )


def test_gunicorn_settings_come_from_the_environment() -> None:
    run = conf_with(
        BOOKING_WORKERS="3",
        BOOKING_THREADS="16",
        BOOKING_WORKER_CLASS="sync",
        BOOKING_WORKER_TIMEOUT="60",
        BOOKING_GRACEFUL_TIMEOUT="20",
        BOOKING_BIND="0.0.0.0:9000",
    )
    assert run.stdout.split() == ["3", "16", "sync", "60", "20", "['0.0.0.0:9000']"]


@pytest.mark.parametrize(
    ("variable", "value"),
    [("BOOKING_WORKERS", "many"), ("BOOKING_THREADS", "0"), ("BOOKING_WORKER_CLASS", "fork")],
)
def test_serve_refuses_a_bad_variable_by_name(variable: str, value: str) -> None:
    clean = environ_without_settings()
    run = subprocess.run(
        [sys.executable, "-m", "booking_app.cli", "serve"],
        env={**clean, "BOOKING_DEMO": "1", variable: value},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode != 0
    assert variable in run.stderr


def test_sigterm_lets_a_request_in_flight_finish(
    clean_sandbox: SandboxProcess, tmp_path: Path
) -> None:
    sandbox = clean_sandbox
    with running_widget(tmp_path, sandbox) as widget:
        assert widget.proc is not None
        sandbox.add_fault(route="bookingTemplate/list", latency_ms=1500, times=1)
        answers: list[int] = []

        def slow() -> None:
            url = f"{widget.url}/en/o/{sandbox.branches[1]}/"
            answers.append(requests.get(url, timeout=20).status_code)

        request = threading.Thread(target=slow)
        request.start()
        time.sleep(0.5)  # the request is now waiting for the slow upstream
        widget.proc.send_signal(signal.SIGTERM)
        request.join()
        widget.proc.wait(timeout=20)
    assert answers == [200]


@pytest.mark.parametrize(
    ("env", "warned"),
    [
        ({"BOOKING_WORKERS": "2"}, True),
        ({"BOOKING_WORKERS": "1"}, False),
        ({"BOOKING_WORKERS": "2", "BOOKING_CACHE_URL": "redis://127.0.0.1:1/0"}, False),
    ],
    ids=["two-workers-no-redis", "one-worker", "two-workers-redis"],
)
def test_serve_warns_when_workers_share_nothing(env: dict[str, str], warned: bool) -> None:
    clean = environ_without_settings()
    run = subprocess.run(  # a bad extra gunicorn flag stops it right after the checks
        [sys.executable, "-m", "booking_app.cli", "serve", "--no-such-gunicorn-flag"],
        env={**clean, "BOOKING_DEMO": "1", **env},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert ("without BOOKING_CACHE_URL" in run.stderr) is warned, run.stderr[-500:]
