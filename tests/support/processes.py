"""What every child-process wrapper of the tests and benchmarks needs: a free port, a wait
until something listens on it, and a stop that always ends the process."""

from __future__ import annotations

import socket
import subprocess
import time
from typing import Any

HOST = "127.0.0.1"


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def listening(port: int, timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:`port`."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until_listening(port: int, deadline: float, what: str = "process") -> None:
    """Wait until 127.0.0.1:`port` accepts connections; RuntimeError("<what> port never
    opened") once `deadline` (a `time.monotonic()` value) has passed."""
    while time.monotonic() < deadline:
        if listening(port):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} port never opened")


def stop_process(proc: subprocess.Popen[Any] | None, timeout: float = 10.0) -> None:
    """Stop `proc` if it still runs: SIGTERM, wait up to `timeout` seconds, then SIGKILL
    and wait for it. Does nothing for None or a process that has already ended."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
