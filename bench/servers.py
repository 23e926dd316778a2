"""The processes a benchmark runs: the sandbox, and gunicorn serving the widget or the
baseline, with the same gunicorn settings for both."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import requests

from tests.support.processes import free_port, listening, stop_process
from tests.support.sandbox import SandboxProcess

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class GunicornSettings:
    """The flags both apps run under. They mirror the production defaults (threaded
    `gthread` workers, keep-alive 5 s) except the worker count, which is set for a
    machine that also runs the sandbox and the load generator."""

    workers: int = 2
    threads: int = 8
    keepalive: int = 5
    timeout: int = 45

    def flags(self) -> list[str]:
        """gunicorn's command-line flags for these settings."""
        flags = [
            "--worker-class",
            "gthread",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--keep-alive",
            str(self.keepalive),
            "--timeout",
            str(self.timeout),
            "--max-requests",
            "0",  # no recycling during a run: it would reset the peak memory figures
            "--log-level",
            "warning",
        ]
        if _has_control_socket():
            flags.append("--no-control-socket")  # one default path per user: runs would clash
        return flags


def _has_control_socket() -> bool:
    from gunicorn.config import KNOWN_SETTINGS

    return any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS)


def set_latency(sandbox: SandboxProcess, latency_ms: int) -> None:
    """Add `latency_ms` to every Module API answer of the sandbox (control API)."""
    requests.put(
        f"{sandbox.root}/_sandbox/latency", json={"latency_ms": latency_ms}, timeout=5
    ).raise_for_status()


class Gunicorn:
    """A gunicorn master serving `app` on a free port of 127.0.0.1."""

    def __init__(
        self, app: str, settings: GunicornSettings, env: Mapping[str, str], log: Path
    ) -> None:
        self.app = app
        self.settings = settings
        self.env = dict(env)
        self.log = log
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> Gunicorn:
        """Start the master and wait until every worker answers."""
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{self.port}",
            *self.settings.flags(),
            self.app,
        ]
        self._log_file = self.log.open("wb")
        self.proc = subprocess.Popen(  # noqa: S603
            cmd,
            cwd=ROOT,
            env={**os.environ, **self.env, "PYTHONPATH": str(ROOT)},
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn {self.app} exited; see {self.log}")
            if listening(self.port) and len(self.worker_pids()) == self.settings.workers:
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn {self.app} did not start; see {self.log}")

    def worker_pids(self) -> list[int]:
        """The pids of the master's worker processes."""
        if self.proc is None:
            return []
        return children(self.proc.pid)

    def peak_memory_kib(self) -> dict[int, int]:
        """Each worker's peak resident memory (VmHWM), in KiB."""
        return {pid: peak for pid in self.worker_pids() if (peak := vm_hwm_kib(pid)) is not None}

    def stop(self) -> None:
        """SIGTERM the master (it stops its workers) and wait."""
        stop_process(self.proc, timeout=20)
        if self._log_file:
            self._log_file.close()


def children(pid: int) -> list[int]:
    """Direct child processes of `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces and parentheses: parse after the last ")".
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


_HWM = re.compile(r"^VmHWM:\s+(\d+) kB", re.M)


def vm_hwm_kib(pid: int) -> int | None:
    """Peak resident set size of `pid` in KiB, or None when it is gone."""
    try:
        match = _HWM.search(Path(f"/proc/{pid}/status").read_text())
    except OSError:
        return None
    return int(match[1]) if match else None


@contextmanager
def serving(
    app: str, settings: GunicornSettings, env: Mapping[str, str], log: Path
) -> Iterator[Gunicorn]:
    """A started gunicorn, stopped when the block ends."""
    server = Gunicorn(app, settings, env, log).start()
    try:
        yield server
    finally:
        server.stop()


def widget_env(sandbox: SandboxProcess) -> dict[str, str]:
    """The widget's settings against `sandbox`: production mode (not demo), and the
    rate limiter off, since a load generator on one address would trip it."""
    return {
        "BOOKING_MODULE_API_URL": sandbox.base_url,
        "BOOKING_OAUTH_URL": sandbox.oauth_url,
        "BOOKING_CLIENT_ID": sandbox.client_id,
        "BOOKING_SECRET_KEY": "bench-secret-key-not-for-production",
        "BOOKING_DEFAULT_ORGANIZATION": sandbox.main_org,
        "BOOKING_RATE_LIMIT_ENABLED": "0",
    }
