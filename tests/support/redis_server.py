"""Start a real `redis-server` on a free port in a temporary folder, for the shared-cache
tests: no persistence (`--save '' --appendonly no`), stopped when the block ends.

The binary is a test dependency (`make system-deps`, `apt-get install redis-server`):
when it is missing the tests FAIL with a message saying so, they do not skip.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.processes import free_port, stop_process

BINARY = "redis-server"


def redis_binary() -> str:
    """The path of `redis-server`; fails the test with a clear message when it is absent."""
    found = shutil.which(BINARY)
    if found is None:
        pytest.fail(
            "redis-server is not installed; the shared-cache tests run a real one. "
            "Install it with `apt-get install redis-server` (or `make system-deps`).",
            pytrace=False,
        )
    return found


class RedisServer:
    """A `redis-server` child process on 127.0.0.1 and a free port."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """`redis://127.0.0.1:<port>/0`."""
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 10.0) -> RedisServer:
        """Start (or restart, on the same port) and wait until it answers PING."""
        cmd = [
            redis_binary(),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.workdir),
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "yes",
            "--loglevel",
            "warning",
        ]
        log = (self.workdir / "redis.log").open("ab")
        try:
            self.proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir
            )
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited early with {self.proc.returncode}")
            if self._pong():
                return self
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("redis-server did not answer PING in time")

    def _pong(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the process (idempotent)."""
        if self.proc is not None and self.proc.poll() is None:
            self.resume()  # a stopped process cannot handle SIGTERM
        stop_process(self.proc)

    def hang(self) -> None:
        """Freeze the server (SIGSTOP): connections open, nothing answered."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """Let a frozen server run again (SIGCONT)."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGCONT)


@contextmanager
def running_redis(workdir: Path) -> Iterator[RedisServer]:
    """A started `redis-server`, stopped when the block ends."""
    server = RedisServer(workdir).start()
    try:
        yield server
    finally:
        server.stop()
