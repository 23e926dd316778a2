"""Fixtures shared by all tests."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from booking_app.clock import NOW_VARIABLE, SINCE_VARIABLE, Clock
from tests.support.sandbox import SandboxProcess, running_sandbox


def pytest_configure(config: pytest.Config) -> None:
    """One timeline for the whole run: with `BOOKING_NOW` set, fix the real moment it
    stands for, so every process the tests start (sandboxes, widgets) shares it."""
    if os.environ.get(NOW_VARIABLE, "").strip() and not os.environ.get(SINCE_VARIABLE):
        os.environ[SINCE_VARIABLE] = repr(time.time())
    Clock.from_environ()  # a malformed BOOKING_NOW stops the run here, naming it


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark by folder, so no module can forget its marker: `integration` for
    tests/integration, `browser` for tests/browser."""
    for item in items:
        parts = item.path.parts
        for folder in ("integration", "browser"):
            if folder in parts[-3:-1]:
                item.add_marker(getattr(pytest.mark, folder))


def pytest_report_header(config: pytest.Config) -> str:
    """Say which instant the suite runs at."""
    clock = Clock.from_environ()
    moved = f" ({NOW_VARIABLE}={os.environ[NOW_VARIABLE]})" if clock.moved else ""
    return f"clock: {clock.now().isoformat(timespec='seconds')}{moved}"


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """One demo sandbox with the control API, shared by the whole test session.

    Tests that inject faults or pin the clock must undo it (see `clean_sandbox`).
    """
    with running_sandbox(tmp_path_factory.mktemp("sandbox"), "--control") as proc:
        yield proc


@pytest.fixture
def clean_sandbox(sandbox: SandboxProcess) -> Iterator[SandboxProcess]:
    """The shared sandbox, with faults and clock reset after the test."""
    yield sandbox
    sandbox.clear_faults()
    sandbox.set_clock(None)


@pytest.fixture
def start_sandbox(tmp_path: Path) -> Iterator[Callable[..., SandboxProcess]]:
    """A factory for private sandboxes with their own flags (e.g. `--token-ttl 2`)."""
    started = 0
    with ExitStack() as stack:

        def start(*flags: str) -> SandboxProcess:
            nonlocal started
            started += 1
            sub = tmp_path / f"sb{started}"
            sub.mkdir()
            return stack.enter_context(running_sandbox(sub, *flags))

        yield start
