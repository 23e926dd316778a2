"""The malloc arena cap of the server's workers (booking_app/malloc.py)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from booking_app import gunicorn_conf
from booking_app.malloc import limit_malloc_arenas

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


def test_the_cap_is_set_in_a_process_of_its_own_where_the_c_library_is_glibc() -> None:
    code = "from booking_app.malloc import limit_malloc_arenas; print(limit_malloc_arenas())"
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    ran = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert ran.stdout.strip() == str(GLIBC), "set on glibc, left alone (False) elsewhere"


def test_an_operators_malloc_arena_max_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False


def test_every_worker_caps_its_arenas_before_its_app_loads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    monkeypatch.setattr("booking_app.malloc.limit_malloc_arenas", lambda: calls.append(1))
    gunicorn_conf.post_fork(None, None)  # booking-app serve's workers
    assert calls == [1]
    source = (Path(__file__).parents[2] / "wsgi.py").read_text(encoding="utf-8")
    assert source.index("limit_malloc_arenas()") < source.index("app = create_app()")
