"""The benchmark harness itself (bench/): its parts, and one tiny run end to end.

No timing is asserted: these machines are shared and noisy. They only check that the
harness measures what it says it measures.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench import report, wrk
from bench.baseline.app import app as baseline_app
from bench.page_weight import weigh
from bench.plan import apart, iso_week, list_week_path
from bench.servers import GunicornSettings, children, serving, vm_hwm_kib
from booking_app.web.slot_choice import encode_start

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("size", [2_000, 30_000])
def test_baseline_page_has_about_the_asked_size(size: int) -> None:
    page = baseline_app.test_client().get(f"/page/{size}")
    assert page.status_code == 200
    assert size - 100 <= len(page.data) <= size


def test_the_libraries_floor_serves_the_baseline_page_using_each_library() -> None:
    from bench.baseline import libraries

    page = libraries.app.test_client().get("/page/2000")
    assert page.status_code == 200
    assert page.data == baseline_app.test_client().get("/page/2000").data
    assert libraries.CACHE.get("k") is not None, "each library used once"
    assert {"limiter", "babel"} <= set(libraries.app.extensions)


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


# What wrk 4.1 prints with bench/wrk.py's `done()`: its text, then our JSON line. The
# percentiles rise by 10 µs per GRID step from 1 ms.
CANNED_LATENCY = [1000 + 10 * i for i in range(len(wrk.GRID))]
CANNED = f"""Running 1s test @ http://127.0.0.1:9/page/2000
  1 threads and 8 connections
  Latency Distribution
     50%    1.49ms
  2000 requests in 1.00s, 4.2MB read
  Non-2xx or 3xx responses: 3
Requests/sec:   2000.00

{wrk.MARK}{{"duration_us":1000000,"requests":2000,"bytes":4200000,"max_us":2400,\
"errors":{{"connect":0,"read":1,"write":0,"timeout":0,"status":3}},\
"latency_us":[{",".join(map(str, CANNED_LATENCY))}]}}
"""


def canned(requests: int = 2000, status: int = 0, shift_us: int = 0) -> wrk.Run:
    text = CANNED.replace('"requests":2000', f'"requests":{requests}')
    text = text.replace('"read":1', '"read":0').replace('"status":3', f'"status":{status}')
    run = wrk.parse(text, "http://127.0.0.1:9/page/2000", wrk.Load())
    latency = tuple(v + shift_us for v in run.latency_us)
    return replace(
        run,
        latency_us=latency,
        max_us=run.max_us + shift_us,
        wall_s=1.0,
        wrk_cpu_s=0.25,
        worker_cpu_s=(0.75, 0.75),
    )


def test_wrk_output_is_parsed() -> None:
    run = wrk.parse(CANNED, "http://127.0.0.1:9/page/2000", wrk.Load(1, 8))
    assert run.requests == 2000
    assert run.requests_per_s == 2000
    assert run.bytes == 4_200_000
    assert run.errors == wrk.Errors(read=1, status=3)
    assert run.errors.total == 4
    assert run.percentile_ms(50) == pytest.approx(1.49)  # the 50th of GRID: 1000 + 49 * 10 µs
    assert run.percentile_ms(99) == CANNED_LATENCY[wrk.GRID.index(99)] / 1000
    assert run.max_us == 2400
    with pytest.raises(wrk.WrkError, match="no figures"):
        wrk.parse("Running 1s test\nunable to connect", "http://x/", wrk.Load())


def test_wrk_figures_pool_rounds_and_refuse_non_2xx() -> None:
    one = wrk.figures([canned()])
    assert (one.p50_ms, one.p99_ms) == (canned().percentile_ms(50), canned().percentile_ms(99))
    assert one.valid
    assert one.wrk_busy == 0.25
    assert one.server_cores == 1.5
    slow = canned(shift_us=10_000)  # every request 10 ms slower
    both = wrk.figures([canned(), slow])
    assert both.requests_per_s == 2000
    assert both.p50_ms == 2.4  # the 2000th of 4000: the fast run's slowest
    assert both.max_ms == 12.4
    assert both.p99_ms == slow.percentile_ms(98)  # the slowest 1 % are the slow run's 2 %
    refused = wrk.figures([canned(), canned(status=5)])
    assert not refused.valid
    assert refused.non_2xx_3xx == 5
    assert not wrk.figures([canned(requests=0)]).valid


@pytest.mark.parametrize(
    ("check_requests", "busy", "capped"),
    [(2100, 0.25, False), (2400, 0.25, True), (1700, 0.25, True), (2000, 0.95, True)],
)
def test_headroom_flags_a_capped_generator(check_requests: int, busy: float, capped: bool) -> None:
    check = replace(canned(requests=check_requests), load=wrk.Load(2, 8))
    room = wrk.Headroom(wrk.figures([canned()]), wrk.figures([check]), busiest=busy)
    assert room.capped == capped
    assert room.as_dict()["capped"] == capped


def test_an_uneven_run_is_made_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # All 8 connections on one of two workers, then an even split.
    made = iter([(1.0, 0.0), (0.9, 0.1), (0.5, 0.55), (1.0, 0.0)])

    def fake_run(*args: object, **kwargs: object) -> wrk.Run:
        return replace(canned(), worker_cpu_s=next(made))

    monkeypatch.setattr(wrk, "run", fake_run)
    got = wrk.run_balanced("http://127.0.0.1:9/", wrk.Load(), 1, watch=[1, 2])
    assert got.worker_cpu_s == (0.5, 0.55)
    assert got.attempts == 3
    assert got.balanced
    figures = wrk.figures([got])
    assert (figures.reruns, figures.balanced) == (2, True)
    last = wrk.run_balanced("http://127.0.0.1:9/", wrk.Load(), 1, watch=[1, 2], tries=1)
    assert not last.balanced  # kept after the last try, and shown as uneven
    assert not wrk.figures([last]).balanced


def test_wrk_measures_the_baseline_and_rejects_errors(tmp_path: Path) -> None:
    # Debian's wrk: scripts/system-deps.sh installs it for `make test`.
    assert shutil.which("wrk"), "wrk missing: install Debian's wrk (scripts/system-deps.sh)"
    settings = GunicornSettings(workers=1, threads=2)
    with serving("bench.baseline.app:app", settings, {}, tmp_path / "baseline.log") as server:
        load = wrk.Load(threads=1, connections=2)
        ok = wrk.run(f"{server.url}/page/2000", load, 1, watch=server.worker_pids())
        missing = wrk.run(f"{server.url}/page/2000000", load, 1)  # 404: over MAX_BYTES
    figures = wrk.figures([ok])
    assert figures.valid, figures
    assert figures.requests > 100
    assert 0 < figures.p50_ms <= figures.p90_ms <= figures.p99_ms <= figures.max_ms
    assert 2000 < figures.bytes_per_answer < 2500  # the page and its headers
    assert 0 < figures.wrk_cores < 1.5
    assert figures.server_cores > 0
    refused = wrk.figures([missing])
    assert not refused.valid
    assert refused.non_2xx_3xx == refused.requests > 0


def test_bench_stops_at_once_without_wrk(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from bench import run

    monkeypatch.setattr(wrk, "WRK", "wrk-not-installed-here")
    assert run.main(["--out", str(tmp_path)]) == 2
    assert "install Debian's wrk" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # nothing started, nothing written


def test_tiny_run_writes_every_figure(tmp_path: Path) -> None:
    # Not imported here: locust's gevent would patch this test process.
    # `make test` installs the bench extra: without locust the install is broken.
    assert importlib.util.find_spec("locust") is not None, "locust missing: make test installs it"
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "run.py"),
            *("--duration", "1", "--warmup", "0", "--rounds", "1", "--wrk-connections", "2"),
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
    single = results["single_pages"]
    assert [row["page"] for row in single["rows"]] == [
        "entry page, warm",
        "week page, warm",
        "times page (month + day), warm",
    ]
    for row in single["rows"]:
        for app in ("widget", "baseline"):
            assert row[app]["valid"], (row["page"], app)
            assert row[app]["requests"] > 0, (row["page"], app)
    assert single["headroom"]["check"]["load"] == "-t2 -c2"
    for name in (
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
    assert all(peak > 0 for peak in results["memory_peak_kib"]["libraries alone"])
    assert "the baseline page with the widget's fixed libraries alone" in run.stdout
    assert len(results["targets"]) == len(report.targets(results))
    assert "target" in run.stdout
    assert "generator headroom" in run.stdout
