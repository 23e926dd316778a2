"""The benchmark harness itself (bench/): its parts, and one tiny run end to end.

No timing is asserted: these machines are shared and noisy. They only check that the
harness measures what it says it measures.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench import report
from bench.baseline.app import app as baseline_app
from bench.page_weight import weigh
from bench.plan import apart, iso_week, list_week_path
from bench.servers import children, vm_hwm_kib
from booking_app.web.slot_choice import encode_start

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("size", [2_000, 30_000])
def test_baseline_page_has_about_the_asked_size(size: int) -> None:
    page = baseline_app.test_client().get(f"/page/{size}")
    assert page.status_code == 200
    assert size - 100 <= len(page.data) <= size


def test_peak_memory_is_read_from_proc() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(5)"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "up\n"  # Python is running: its memory is in use
        assert child.pid in children(os.getpid())
        peak = vm_hwm_kib(child.pid)
        assert peak is not None
        assert peak > 1000
    finally:
        child.kill()
        child.wait()
        if child.stdout:
            child.stdout.close()
    assert vm_hwm_kib(child.pid) is None


def test_journey_times_do_not_overlap() -> None:
    base = datetime(2027, 3, 1, 9, tzinfo=UTC)
    values = [encode_start(base + timedelta(minutes=15 * n)) for n in range(12)]
    kept = apart(values, 3600)
    assert kept == [values[0], values[4], values[8]]


def test_list_week_path_of_a_week_url() -> None:
    org, tpl = "f6" + "a" * 30, "fc" + "b" * 30
    path = list_week_path(f"/en/o/{org}/s/{tpl}/?week=2027-W05")
    assert path == f"organization/{org}/bookingTemplate/{tpl}/bookingSlot/year/2027/week/5/listWeek"
    assert iso_week(__import__("datetime").date(2027, 1, 1)) == "2026-W53"


def test_page_weight_sees_third_party_requests_and_web_fonts() -> None:
    css = b"@font-face { src: url(https://fonts.example/a.woff2) }"

    def fetch(method: str, path: str, data: dict[str, str] | None) -> object:
        from bench.page_weight import Answer

        return Answer(200, "", css)

    html = (
        b'<link rel="stylesheet" href="/static/a.css">'
        b'<script src="https://cdn.example/x.js"></script><img src="data:image/png;base64,x">'
    )
    weight = weigh(fetch, "page", "/p", html)  # type: ignore[arg-type]
    assert weight.html_bytes == len(html)
    assert weight.raw_bytes == len(html) + len(css)
    assert weight.third_party == ("https://cdn.example/x.js", "https://fonts.example/a.woff2")
    assert weight.web_fonts


def test_tiny_run_writes_every_figure(tmp_path: Path) -> None:
    # Not imported here: locust's gevent would patch this test process.
    # `make test` installs the bench extra: without locust the install is broken.
    assert importlib.util.find_spec("locust") is not None, "locust missing: make test installs it"
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "run.py"),
            *("--duration", "1", "--warmup", "0", "--rounds", "1", "--users", "2"),
            *("--cold", "2", "--journeys", "2", "--journey-users", "2"),
            *("--workers", "1", "--threads", "2", "--latency-ms", "5"),
            *("--out", str(tmp_path)),
        ],
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    results = json.loads((tmp_path / "latest.json").read_text())
    scenarios = results["scenarios"]
    for name in (
        "entry page, warm",
        "baseline (entry page, warm size)",
        "week page, warm",
        "baseline (week page, warm size)",
        "week page, cold",
        "upstream listWeek alone",
        "journey (all steps)",
    ):
        assert scenarios[name]["requests"] > 0, name
        assert scenarios[name]["failures"] == 0, name
    assert scenarios["week page, cold"]["requests"] == 2
    assert results["upstream"]["journeys"] == 2
    assert results["upstream"]["per_journey"] >= 1  # at least the booking itself
    assert results["errors"] == []
    assert {p["step"] for p in results["pages"]} >= {"services", "week (full)", "confirmation"}
    assert all(peak > 0 for peak in results["memory_peak_kib"]["widget"])
    assert len(results["targets"]) == len(report.targets(results))
    assert "target" in run.stdout
