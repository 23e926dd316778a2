"""Production behind nginx (deploy/nginx.conf, Debian's nginx): slow clients that never
finish their headers ("slowloris") are nginx's problem, not the widget's. Directly,
a handful of them ties up every gunicorn thread; through nginx, 200 of them held open
leave /healthz fast. The real client address reaches the widget's rate limits."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests

from tests.support.nginx_server import NginxServer, running_nginx
from tests.support.sandbox import SandboxProcess, running_sandbox
from tests.support.widget_server import WidgetServer, running_widget

pytestmark = pytest.mark.integration

SLOW_CLIENTS = 200
HOLD_SECONDS = 4.0  # below the conf's client_header_timeout (5 s): all are held throughout


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nginx")


@pytest.fixture(scope="module")
def sandbox(workdir: Path) -> Iterator[SandboxProcess]:
    with running_sandbox(workdir) as proc:
        yield proc


@pytest.fixture(scope="module")
def widget(workdir: Path, sandbox: SandboxProcess) -> Iterator[WidgetServer]:
    env = {"BOOKING_WORKERS": "1", "BOOKING_THREADS": "4", "BOOKING_PROXY_FIX": "1"}
    with running_widget(workdir, sandbox, **env) as server:
        yield server


@pytest.fixture(scope="module")
def nginx(workdir: Path, widget: WidgetServer) -> Iterator[NginxServer]:
    with running_nginx(workdir, widget.port) as server:
        yield server


def slow_clients(stack: ExitStack, port: int, count: int) -> list[socket.socket]:
    """`count` connections that start a request and never finish its headers."""
    held = []
    for n in range(count):
        sock = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=5))
        sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow-{n}: ".encode())
        held.append(sock)
    return held


def healthz_times(url: str, count: int = 20) -> list[float]:
    times = []
    for _ in range(count):
        began = time.perf_counter()
        try:
            ok = requests.get(f"{url}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            ok = False
        times.append(time.perf_counter() - began if ok else float("inf"))
    return sorted(times)


def test_two_hundred_slow_clients_leave_healthz_fast_through_nginx(nginx: NginxServer) -> None:
    with ExitStack() as stack:
        began = time.monotonic()
        held = slow_clients(stack, nginx.port, SLOW_CLIENTS)
        times = healthz_times(nginx.url)
        for sock in held:  # still held: they trickle on, never finishing
            sock.sendall(b"a")
        assert time.monotonic() - began < HOLD_SECONDS + 5
    p99 = times[int(len(times) * 0.99) - 1]
    print(f"\nnginx: {SLOW_CLIENTS} slow clients held, /healthz p99 {p99 * 1000:.1f} ms")
    assert p99 <= 1.0, times


def test_without_nginx_a_few_slow_clients_stall_the_widget(widget: WidgetServer) -> None:
    """Why deploy/nginx.conf exists: the same attack straight at gunicorn."""
    with ExitStack() as stack:
        slow_clients(stack, widget.port, 8)  # one worker with 4 threads, and then some
        times = healthz_times(widget.url, count=3)
    print(f"\ndirect: 8 slow clients held, /healthz slowest {times[-1]:.1f} s (inf: timed out)")
    assert times[-1] > 1.0, "gthread workers read headers without a deadline"


def test_nginx_passes_the_real_client_address_and_the_widgets_headers(
    nginx: NginxServer,
) -> None:
    answer = requests.get(f"{nginx.url}/en/", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=5)
    assert answer.status_code < 500
    assert "Content-Security-Policy" in answer.headers
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    too_big = requests.post(f"{nginx.url}/en/", data=b"x" * (7 * 1024 * 1024), timeout=10)
    assert too_big.status_code == 413, "nginx refuses bodies above the widget's largest"
