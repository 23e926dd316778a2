"""Set the sandbox's switches (docs/sandbox.md, "Switches") over its control API.

`VARIANTS` names every non-default setting of every switch, so a test can run against
each of them:

    @pytest.mark.parametrize("switches", VARIANTS, ids=ids)
    def test_books_once(clean_sandbox, switches):
        with behaving(clean_sandbox, **switches):
            ...
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from tests.support.sandbox import SandboxProcess

TIMEOUT = 5.0

# One dict per non-default setting of each switch (the defaults are today's behaviour).
VARIANTS: list[dict[str, str | int]] = [
    {"repeated_custom_id": "accepted"},
    {"add_answer": "id"},
    {"add_answer": "sdk"},
    {"taken_slot": "400"},
    {"module_routes": "403"},
    {"module_routes": "404"},
    {"write_delay_before_ms": 1500},
    {"write_delay_after_ms": 1500},
    {"i18n": "maps"},
    {"identify": "list"},
    {"identify_cancelled": "hidden"},
]


def ids(switches: dict[str, str | int]) -> str:
    """A test id for one setting: `repeated_custom_id=accepted`."""
    return ",".join(f"{key}={value}" for key, value in switches.items()) or "defaults"


def get_behaviour(sandbox: SandboxProcess) -> dict[str, Any]:
    """The sandbox's current setting of every switch."""
    resp = requests.get(f"{sandbox.root}/_sandbox/behaviour", timeout=TIMEOUT)
    resp.raise_for_status()
    return dict(resp.json())


def set_behaviour(sandbox: SandboxProcess, **switches: str | int) -> dict[str, Any]:
    """Change these switches (the others stay); returns the whole new setting."""
    resp = requests.put(f"{sandbox.root}/_sandbox/behaviour", json=switches, timeout=TIMEOUT)
    assert resp.status_code == 200, (resp.status_code, resp.text[:300])
    return dict(resp.json())


def reset_behaviour(sandbox: SandboxProcess) -> None:
    """Back to the setting the sandbox was started with (its `--behave` flags)."""
    resp = requests.delete(f"{sandbox.root}/_sandbox/behaviour", timeout=TIMEOUT)
    assert resp.status_code == 204, (resp.status_code, resp.text[:300])


@contextmanager
def behaving(sandbox: SandboxProcess, **switches: str | int) -> Iterator[dict[str, Any]]:
    """These switches for the block (yields the whole setting), reset when it ends."""
    setting = set_behaviour(sandbox, **switches)
    try:
        yield setting
    finally:
        reset_behaviour(sandbox)
