"""An 8-second run of the soak (scripts/soak.py): concurrent customers, two instances, one
Redis, random faults; checked against the sandbox's database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_short_soak_loses_and_duplicates_nothing() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "scripts/soak.py",
            "--duration",
            "8",
            "--customers",
            "3",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith('{"')]
    assert lines, run.stdout[-2000:] + run.stderr[-2000:]
    result = json.loads(lines[-1])
    assert result["attempted"] > 0
    assert result["made"] > 0
    assert result["duplicated"] == 0, result
    assert result["lost"] == 0, result
    assert result["responses_500_seen"] == result["responses_500_logged"] == 0, result
    assert run.returncode == 0, run.stdout[-2000:]
