"""Fixtures shared by all tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.support.sandbox import SandboxProcess, running_sandbox


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
    with ExitStack() as stack:

        def start(*flags: str) -> SandboxProcess:
            sub = tmp_path / f"sb{len(stack._exit_callbacks)}"
            sub.mkdir()
            return stack.enter_context(running_sandbox(sub, *flags))

        yield start
