"""`booking-app demo` (what `make demo` runs) serves the demo organization's services."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.support.processes import free_port


def test_demo_serves_the_widget_against_the_sandbox(tmp_path: Path) -> None:
    port, sandbox_port = free_port(), free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "booking_app.cli",
            "demo",
            "--port",
            str(port),
            "--sandbox-port",
            str(sandbox_port),
            "--db",
            str(tmp_path / "demo.db"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not url:
            line = proc.stdout.readline()
            assert line, "demo exited before printing the widget URL"
            if line.startswith("Widget:"):
                url = line.split()[-1]
        assert url.startswith(f"http://127.0.0.1:{port}/en/o/f6")
        page = requests.get(url + "?here=1", timeout=10)
        assert page.status_code == 200
        assert "Haircut" in page.text
        assert "Styling workshop" in page.text
        home = requests.get(f"http://127.0.0.1:{port}/", timeout=10, allow_redirects=False)
        assert home.status_code == 302
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        if proc.stdout:
            proc.stdout.close()
    # Both children are gone: their ports are free again.
    for p in (port, sandbox_port):
        try:
            requests.get(f"http://127.0.0.1:{p}/", timeout=1)
            raise AssertionError(f"port {p} still answers after the demo stopped")
        except requests.ConnectionError:
            pass
