"""Run the widget for real, as operators do: `booking-app serve` (gunicorn with
booking_app/gunicorn_conf.py) on a free port, against a sandbox, stopped at the end."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from typing import Any

import requests

from tests.support.clock import environ_without_settings
from tests.support.pages import PLAIN_DETAILS, TOKEN, links, time_links
from tests.support.processes import free_port, stop_process
from tests.support.sandbox import SandboxProcess

SECRET = "production-test-secret-key"


class WidgetServer:
    """A `booking-app serve` child process (one gunicorn master and its workers)."""

    def __init__(self, workdir: Path, sandbox: SandboxProcess, **env: str) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.env = {
            **sandbox.widget_environ(),  # URLs, client id, module id, entity types
            "BOOKING_SECRET_KEY": SECRET,
            "BOOKING_DEFAULT_ORGANIZATION": sandbox.main_org,
            "BOOKING_CONNECT_TIMEOUT": "1",
            "BOOKING_READ_TIMEOUT": "3",
            "BOOKING_WORKERS": "1",
            "BOOKING_THREADS": "8",
            "BOOKING_GRACEFUL_TIMEOUT": "5",
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"widget-{self.port}.out"

    def start(self, timeout: float = 30.0) -> WidgetServer:
        """Start and wait until /healthz answers."""
        env = environ_without_settings()
        env.update(self.env, PYTHONUNBUFFERED="1")
        cmd = [sys.executable, "-m", "booking_app.cli", "serve", "--bind", f"127.0.0.1:{self.port}"]
        with (
            self.log_path.open("ab") as out,
            (self.workdir / f"widget-{self.port}.err").open("ab") as err,
        ):
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                raise RuntimeError(f"the widget exited with {code}: {self.errors()}")
            with suppress(requests.RequestException):  # not listening yet
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the widget did not start: {self.errors()}")

    def errors(self) -> str:
        """The end of gunicorn's stderr (for failure messages)."""
        path = self.workdir / f"widget-{self.port}.err"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def request_lines(self) -> list[dict[str, Any]]:
        """The JSON request log lines written so far."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [json.loads(line) for line in lines if line.startswith('{"event":"request"')]

    def stop(self) -> None:
        """Graceful stop (SIGTERM), killed if it takes too long."""
        stop_process(self.proc, timeout=15)


@contextmanager
def running_widget(workdir: Path, sandbox: SandboxProcess, **env: str) -> Iterator[WidgetServer]:
    """A started widget server, stopped when the block ends."""
    server = WidgetServer(workdir, sandbox, **env).start()
    try:
        yield server
    finally:
        server.stop()


# A customer's journey over real HTTP ---------------------------------------------------
class Customer:
    """One browser without cookies or JavaScript, from one client address (sent as
    X-Forwarded-For: the widgets under test run with BOOKING_PROXY_FIX=1)."""

    def __init__(self, base_url: str, address: str, timeout: float = 15.0) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        self.http.headers["X-Forwarded-For"] = address
        self.timeout = timeout

    def get(self, path: str, base_url: str | None = None) -> requests.Response:
        """GET a path of the widget (redirects followed)."""
        return self.http.get((base_url or self.base_url) + path, timeout=self.timeout)

    def open_form(self, org: str, service: int = 0, pick: int = 0) -> tuple[str, str]:
        """Entry → service → earliest week → a free time; (form path, form token)."""
        entry = self.get(f"/en/o/{org}/?here=1")
        entry.raise_for_status()
        week = self.get(links(entry.text, "/s/fc")[service])
        week.raise_for_status()
        week = self.get(links(week.text, "/earliest")[0])
        week.raise_for_status()
        times = time_links(week.text, required=False)
        if not times:
            raise LookupError("no free time in the earliest week")
        form = self.get(times[min(pick, len(times) - 1)])
        form.raise_for_status()
        token = TOKEN.search(form.text)
        if not token:
            raise LookupError("the details form has no token")
        return times[0].split("?")[0], token[1]

    def submit(
        self, path: str, token: str, base_url: str | None = None, **details: str
    ) -> requests.Response:
        """POST the details form (redirects not followed)."""
        return self.http.post(
            (base_url or self.base_url) + path,
            data={**PLAIN_DETAILS, **details, "token": token},
            allow_redirects=False,
            timeout=self.timeout,
        )


def appointments_with(db: Path, custom_id: str) -> int:
    """How many appointments the sandbox's database holds with this customId."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)) as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM appointment WHERE custom_id = ?", (custom_id,)
        ).fetchone()
    return int(row[0])
