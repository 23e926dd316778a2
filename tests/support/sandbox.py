"""Start a real sandbox process on a free port and talk to its control API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from tests.support.processes import free_port, stop_process, wait_until_listening

DEMO_ENTITY_TYPES = "hairLength"  # the demo seed's custom entity types, comma-separated


class SandboxProcess:
    """A `booking-app sandbox` child process and the facts it printed at start-up."""

    def __init__(self, db: Path, *flags: str, env: dict[str, str] | None = None) -> None:
        self.db = db
        self.flags = flags
        self.env = env or {}  # on top of this process's (e.g. its own BOOKING_NOW)
        self.port = free_port()
        self.proc: subprocess.Popen[str] | None = None
        self.info: dict[str, Any] = {}

    def start(self, timeout: float = 20.0) -> SandboxProcess:
        """Start (or restart, on the same port and database) and wait until it serves."""
        cmd = [
            sys.executable,
            "-m",
            "booking_app.cli",
            "sandbox",
            "--port",
            str(self.port),
            "--db",
            str(self.db),
            *self.flags,
        ]
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"sandbox exited early with {self.proc.wait()}")
            if line.startswith("{"):
                self.info = json.loads(line)
                break
        else:
            raise RuntimeError("sandbox did not report ready")
        wait_until_listening(self.port, deadline, "sandbox")
        return self

    def stop(self) -> None:
        """Stop the process (the database file stays)."""
        stop_process(self.proc)
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()

    # Facts printed at start-up -------------------------------------------------
    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return str(self.info["base_url"])

    @property
    def oauth_url(self) -> str:
        return str(self.info["oauth_url"])

    @property
    def client_id(self) -> str:
        """What the module sends to `oauth/token` (not its id)."""
        return str(self.info["client_id"])

    @property
    def module_id(self) -> str:
        """The module's id (`23…`), for `module/{moduleId}/…` routes."""
        return str(self.info["module_id"])

    @property
    def main_org(self) -> str:
        return str(self.info["organizations"]["main"])

    @property
    def branches(self) -> list[str]:
        return list(self.info["organizations"]["branches"])

    def widget_environ(self) -> dict[str, str]:
        """The `BOOKING_*` variables that point a widget at this sandbox and its demo
        module: API and OAuth URLs, client id, module id, custom entity types."""
        return {
            "BOOKING_MODULE_API_URL": self.base_url,
            "BOOKING_OAUTH_URL": self.oauth_url,
            "BOOKING_CLIENT_ID": self.client_id,
            "BOOKING_MODULE_ID": self.module_id,
            "BOOKING_CUSTOM_ENTITY_TYPES": DEMO_ENTITY_TYPES,
        }

    # Control API (--control) ---------------------------------------------------
    def counters(self) -> dict[str, Any]:
        """Per-route request counts since the last reset."""
        return dict(requests.get(f"{self.root}/_sandbox/counters", timeout=5).json())

    def reset_counters(self) -> None:
        requests.delete(f"{self.root}/_sandbox/counters", timeout=5).raise_for_status()

    def add_fault(self, **fault: Any) -> None:
        """Inject a fault, see docs/sandbox.md (route, latency_ms, status, drop, …)."""
        requests.post(f"{self.root}/_sandbox/faults", json=fault, timeout=5).raise_for_status()

    def clear_faults(self) -> None:
        requests.delete(f"{self.root}/_sandbox/faults", timeout=5).raise_for_status()

    def set_clock(self, now: str | None) -> None:
        """Pin the sandbox's clock to an ISO datetime, or let it run with None."""
        requests.put(f"{self.root}/_sandbox/clock", json={"now": now}, timeout=5).raise_for_status()


@contextmanager
def running_sandbox(
    tmp_dir: Path, *flags: str, env: dict[str, str] | None = None
) -> Iterator[SandboxProcess]:
    """A started sandbox with the demo seed (and `env` on top of this process's
    environment), stopped when the block ends."""
    sandbox = SandboxProcess(tmp_dir / "sandbox.db", "--seed", "demo", *flags, env=env).start()
    try:
        yield sandbox
    finally:
        sandbox.stop()
