"""Run locust headless (bench/locustfile.py) as a child process and turn the requests
it recorded into figures: requests/s and latency percentiles per request name."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.servers import ROOT

LOCUSTFILE = Path(__file__).with_name("locustfile.py")


@dataclass
class Spec:
    """One load: who asks (`user`: OnceUser or JourneyUser), what, how hard."""

    name: str
    user: str
    host: str
    users: int
    duration: float  # an upper bound: the users stop when their queue is done
    paths: list[str] = field(default_factory=list)
    journeys: list[dict[str, str]] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)


@dataclass
class Figures:
    """What one load measured."""

    requests: int
    failures: int
    seconds: float
    requests_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float

    def as_dict(self) -> dict[str, Any]:
        """Rounded, for the JSON file."""
        return {k: round(v, 2) if isinstance(v, float) else v for k, v in vars(self).items()}


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list (NaN when empty)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(p / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


Sample = tuple[float, float, bool]  # (end time, ms, ok)


@dataclass
class Measured:
    """The requests of one name over `seconds`; pools across rounds with `+`."""

    samples: list[Sample]
    seconds: float

    def __add__(self, other: Measured) -> Measured:
        return Measured(self.samples + other.samples, self.seconds + other.seconds)

    def figures(self) -> Figures:
        """requests/s and percentiles."""
        return figures(self.samples, self.seconds)


def figures(samples: list[Sample], seconds: float) -> Figures:
    """Figures of (end time, ms, ok) samples taken over `seconds`."""
    values = sorted(ms for _t, ms, _ok in samples)
    failures = sum(1 for *_x, ok in samples if not ok)
    return Figures(
        requests=len(values),
        failures=failures,
        seconds=seconds,
        requests_per_s=len(values) / seconds if seconds > 0 else float("nan"),
        p50_ms=percentile(values, 50),
        p95_ms=percentile(values, 95),
        p99_ms=percentile(values, 99),
    )


def run(spec: Spec, log: Path) -> dict[str, Measured]:
    """Run the load and return the requests per name."""
    with tempfile.TemporaryDirectory(prefix="bench-locust-") as tmp:
        spec_file, samples_file = Path(tmp) / "spec.json", Path(tmp) / "samples.json"
        spec_file.write_text(json.dumps({**vars(spec), "samples": str(samples_file)}))
        run_time = spec.duration
        cmd = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--only-summary",
            "--users",
            str(spec.users),
            "--spawn-rate",
            str(spec.users),  # all at once
            "--run-time",
            f"{max(1, round(run_time))}s",
            "--stop-timeout",
            "10",
            "--exit-code-on-error",
            "0",
            "--host",
            spec.host,
            spec.user,
        ]
        with log.open("ab") as out:
            out.write(f"\n### {spec.name}: {' '.join(cmd)}\n".encode())
            out.flush()
            subprocess.run(  # noqa: S603
                cmd,
                cwd=ROOT,
                env=_env(spec_file),
                stdout=out,
                stderr=subprocess.STDOUT,
                check=True,
                timeout=run_time + 120,
            )
        recorded = json.loads(samples_file.read_text())
    start = float(recorded.get("start", 0))
    stop = float(recorded["stop"])
    by_name: dict[str, list[Sample]] = {}
    for at, name, ms, ok in recorded["samples"]:
        if at >= start:
            by_name.setdefault(name, []).append((at, ms, ok))
    return {name: Measured(samples, stop - start) for name, samples in by_name.items()}


def _env(spec_file: Path) -> dict[str, str]:
    import os

    return {**os.environ, "BENCH_SPEC": str(spec_file), "PYTHONPATH": str(ROOT)}
