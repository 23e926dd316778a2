"""wrk (Debian's package) against one URL: requests/s, latency percentiles, errors, and
the CPU the generator itself and the server took meanwhile.

wrk is a C load generator: one thread with 8 connections keeps a 2-core machine's
gunicorn busy where locust (Python) tops out at under half the baseline's real rate.
A small Lua `done()` prints wrk's own figures as JSON (exact nearest-rank percentiles
from its histogram, on `GRID`), so nothing depends on its text output. A run is
*valid* only when every answer was 2xx/3xx and no socket failed: a rate limiter's 429
or an error page would otherwise pass for a fast page.

gunicorn keeps a keep-alive connection on the worker that accepted it, so wrk's few
connections may all land on one worker and leave the other idle: a figure of the
split, not of the app. `run_balanced` measures each worker's CPU and runs again when
one did much more than its share.

    run("http://127.0.0.1:8000/page/5000", Load(threads=1, connections=8), seconds=3)
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

WRK = "wrk"
INSTALL = "wrk not found: install Debian's wrk (sudo apt-get install wrk)"
MARK = "wrk-json "
UNEVEN = 1.4  # a worker's CPU share times the workers: above it, a run is uneven
AGREE = 0.10  # the two settings' baseline req/s may differ by this share
BUSY = 0.9  # wrk's CPU per thread from which it may be what limits the figure
# The percentiles wrk reports for each run: every 1 % up to 90, then finer towards the
# tail, so that rounds can be pooled (`pooled_percentile`) without wrk's histogram.
GRID: tuple[float, ...] = (
    *(float(p) for p in range(1, 90)),
    *(90 + 0.25 * i for i in range(36)),
    *(round(99 + 0.1 * i, 1) for i in range(10)),
    99.95,
    99.99,
)
# Lua run by wrk once the run is over (after `grid` and `mark` are set): its figures as
# one JSON line. wrk's percentiles are nearest-rank over every request, in µs.
DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  local values = {}
  for i, p in ipairs(grid) do
    values[i] = string.format("%d", latency:percentile(p))
  end
  io.write(string.format(
    '\\n%s{"duration_us":%d,"requests":%d,"bytes":%d,"max_us":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},'
      .. '"latency_us":[%s]}\\n',
    mark, summary.duration, summary.requests, summary.bytes, latency.max,
    e.connect, e.read, e.write, e.timeout, e.status, table.concat(values, ",")))
end
"""
GRID_TEXT = ",".join(f"{p:g}" for p in GRID)
SCRIPT = f"local grid = {{{GRID_TEXT}}}\nlocal mark = {json.dumps(MARK)}\n{DONE}"


class WrkError(RuntimeError):
    """wrk is missing, failed, or printed no figures."""


def require_wrk() -> str:
    """The path of wrk; WrkError with what to install when there is none."""
    found = shutil.which(WRK)
    if found is None:
        raise WrkError(INSTALL)
    return found


@dataclass(frozen=True)
class Load:
    """How hard wrk asks: threads, and open keep-alive connections over all threads."""

    threads: int = 1
    connections: int = 8

    def more_threads(self) -> Load:
        """Twice the threads over the same connections: the server sees the same
        concurrency, the generator gets twice the CPU it may use."""
        return Load(self.threads * 2, max(self.connections, self.threads * 2))

    @property
    def label(self) -> str:
        """`-t1 -c8`."""
        return f"-t{self.threads} -c{self.connections}"


@dataclass(frozen=True)
class Errors:
    """What wrk counted as failed: socket errors, timeouts, and answers that were not
    2xx/3xx (`status`, wrk's "Non-2xx or 3xx responses")."""

    connect: int = 0
    read: int = 0
    write: int = 0
    timeout: int = 0
    status: int = 0

    @property
    def total(self) -> int:
        """Every kind together."""
        return self.connect + self.read + self.write + self.timeout + self.status

    def __add__(self, other: Errors) -> Errors:
        return Errors(
            self.connect + other.connect,
            self.read + other.read,
            self.write + other.write,
            self.timeout + other.timeout,
            self.status + other.status,
        )


@dataclass(frozen=True)
class Run:
    """One wrk run: its own figures, and the CPU seconds spent meanwhile."""

    url: str
    load: Load
    seconds: float  # wrk's measured duration
    requests: int
    bytes: int
    errors: Errors
    latency_us: tuple[int, ...]  # on GRID
    max_us: int
    wall_s: float = float("nan")  # wrk's process, start to exit
    wrk_cpu_s: float = float("nan")  # its user + system time
    worker_cpu_s: tuple[float, ...] = ()  # each watched process's user + system time
    attempts: int = 1  # runs made for this one (`run_balanced`)

    @property
    def requests_per_s(self) -> float:
        """Completed requests per second."""
        return self.requests / self.seconds if self.seconds > 0 else float("nan")

    @property
    def server_cpu_s(self) -> float:
        """The watched processes' CPU seconds together."""
        return sum(self.worker_cpu_s)

    @property
    def worker_share(self) -> float:
        """The busiest worker's share of the server's CPU (1 / workers when even)."""
        total = self.server_cpu_s
        return max(self.worker_cpu_s) / total if total > 0 else 1.0

    @property
    def balanced(self) -> bool:
        """No worker did more than UNEVEN times its fair share of the work."""
        return len(self.worker_cpu_s) < 2 or self.worker_share * len(self.worker_cpu_s) <= UNEVEN

    @property
    def wrk_busy(self) -> float:
        """wrk's CPU seconds per second and thread: 1.0 = each thread a core busy."""
        return self.wrk_cpu_s / self.wall_s / self.load.threads if self.wall_s > 0 else 0.0

    def percentile_ms(self, p: float) -> float:
        """wrk's nearest-rank percentile `p` (one of GRID), in ms."""
        return self.latency_us[GRID.index(p)] / 1000


def version() -> str:
    """wrk's version (`debian/4.1.0-3+b2`), or "" when it does not say."""
    answer = subprocess.run(  # noqa: S603 (wrk --version exits 1 after printing it)
        [require_wrk(), "--version"], capture_output=True, text=True, check=False, timeout=10
    )
    words = answer.stdout.split()
    return words[1] if len(words) > 1 and words[0] == "wrk" else ""


def parse(stdout: str, url: str, load: Load) -> Run:
    """The figures of wrk's output (its text, then the line our `done()` wrote)."""
    lines = [line for line in stdout.splitlines() if line.startswith(MARK)]
    if not lines:
        raise WrkError(f"wrk printed no figures for {url}:\n{stdout[-1000:]}")
    done: dict[str, Any] = json.loads(lines[-1][len(MARK) :])
    latency = tuple(int(v) for v in done["latency_us"])
    if len(latency) != len(GRID):
        raise WrkError(f"wrk printed {len(latency)} percentiles, expected {len(GRID)}")
    return Run(
        url=url,
        load=load,
        seconds=done["duration_us"] / 1e6,
        requests=int(done["requests"]),
        bytes=int(done["bytes"]),
        errors=Errors(**{k: int(v) for k, v in done["errors"].items()}),
        latency_us=latency,
        max_us=int(done["max_us"]),
    )


def run(
    url: str,
    load: Load,
    seconds: float,
    *,
    watch: Sequence[int] = (),
    log: Path | None = None,
) -> Run:
    """Run wrk against `url` for `seconds` (whole seconds, at least 1); `watch`: pids
    (the server's workers) whose CPU time is measured over the same span."""
    wrk = require_wrk()
    duration = max(1, round(seconds))
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        script, out = Path(tmp) / "done.lua", Path(tmp) / "out.txt"
        script.write_text(SCRIPT)
        cmd = [wrk, f"-t{load.threads}", f"-c{load.connections}", f"-d{duration}s"]
        cmd += ["--latency", "-s", str(script), url]
        server_before = [cpu_seconds([pid]) for pid in watch]
        began = time.monotonic()
        with out.open("wb") as sink:
            proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT)  # noqa: S603
            status, wrk_cpu = _wait_with_usage(proc, timeout=duration + 30)
        wall = time.monotonic() - began
        workers = tuple(cpu_seconds([p]) - b for p, b in zip(watch, server_before, strict=True))
        stdout = out.read_text(errors="replace")
    if log is not None:
        with log.open("a") as sink:
            sink.write(f"\n### {' '.join(cmd[:-3])} {url}\n{stdout}")
    if status != 0:
        raise WrkError(f"wrk exited {status} for {url}:\n{stdout[-1000:]}")
    parsed = parse(stdout, url, load)
    return replace(parsed, wall_s=wall, wrk_cpu_s=wrk_cpu, worker_cpu_s=workers)


def run_balanced(
    url: str,
    load: Load,
    seconds: float,
    *,
    watch: Sequence[int],
    log: Path | None = None,
    tries: int = 3,
) -> Run:
    """`run`, again (at most `tries` runs in all) while its connections fell unevenly on
    the workers `watch` names; the last run, with the number of runs it took."""
    for attempt in range(1, tries + 1):
        result = run(url, load, seconds, watch=watch, log=log)
        if result.balanced:
            break
        if log is not None and attempt < tries:
            with log.open("a") as sink:
                shares = ", ".join(f"{s:.2f}" for s in result.worker_cpu_s)
                sink.write(f"### uneven (worker CPU s: {shares}): again\n")
    return replace(result, attempts=attempt)


def _wait_with_usage(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int, float]:
    """Wait for `proc` and return its exit code and CPU seconds (user + system, all its
    threads: `wait4`'s exact figure at exit); killed after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage.ru_utime + usage.ru_stime
        if time.monotonic() > deadline:
            os.kill(proc.pid, signal.SIGKILL)
            deadline = float("inf")
        time.sleep(0.02)


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU seconds of `pids` so far (all their threads; 0 for a pid gone)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        # After the command name (which may hold spaces): utime and stime are the
        # 14th and 15th fields of the line, the 12th and 13th after ")".
        fields = stat.rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / tick


def pooled_percentile(runs: Sequence[Run], p: float) -> float:
    """Percentile `p` (ms) of the requests of all `runs` together: the least latency at
    which at least `p` % of them had finished, each run's share counted from its
    percentiles on GRID. For one run it is wrk's own figure."""
    total = sum(r.requests for r in runs)
    if total == 0:
        return float("nan")
    for value in sorted({v for r in runs for v in (*r.latency_us, r.max_us)}):
        below = sum(r.requests * _share_within(r, value) for r in runs)
        if below >= p / 100 * total - 1e-9:
            return value / 1000
    return max(r.max_us for r in runs) / 1000


def _share_within(run: Run, value_us: int) -> float:
    """The largest GRID share of `run`'s requests known to finish within `value_us`
    (all of them from its slowest on)."""
    if value_us >= run.max_us:
        return 1.0
    share = 0.0
    for p, v in zip(GRID, run.latency_us, strict=True):
        if v > value_us:
            break
        share = p / 100
    return share


@dataclass(frozen=True)
class Figures:
    """Runs of one URL at one load, pooled (rounds alternate with another app's)."""

    load: str
    rounds: int
    requests: int
    seconds: float
    requests_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    bytes_per_answer: float
    errors: int
    non_2xx_3xx: int
    wrk_cores: float  # wrk's CPU seconds per second: 1.0 = one core busy
    wrk_busy: float  # the same per wrk thread: ≥ 0.9 means wrk itself may be the limit
    server_cores: float  # the server's workers, CPU seconds per second
    worker_share: float  # the busiest worker's share of the server's CPU, worst run
    balanced: bool  # every run within UNEVEN of an even split over the workers
    reruns: int  # runs made again because they were uneven

    @property
    def valid(self) -> bool:
        """Requests were made and every one was answered 2xx/3xx."""
        return self.requests > 0 and self.errors == 0

    def as_dict(self) -> dict[str, Any]:
        """Rounded, for the JSON file."""
        rounded = {k: round(v, 3) if isinstance(v, float) else v for k, v in vars(self).items()}
        return {**rounded, "valid": self.valid}


def figures(runs: Sequence[Run]) -> Figures:
    """The pooled figures of `runs` (same URL and load)."""
    if not runs:
        raise ValueError("no runs")
    requests = sum(r.requests for r in runs)
    seconds = sum(r.seconds for r in runs)
    wall = sum(r.wall_s for r in runs)
    errors = sum((r.errors for r in runs), Errors())
    cores = sum(r.wrk_cpu_s for r in runs) / wall if wall > 0 else float("nan")
    return Figures(
        load=runs[0].load.label,
        rounds=len(runs),
        requests=requests,
        seconds=seconds,
        requests_per_s=requests / seconds if seconds > 0 else float("nan"),
        p50_ms=pooled_percentile(runs, 50),
        p90_ms=pooled_percentile(runs, 90),
        p99_ms=pooled_percentile(runs, 99),
        max_ms=max(r.max_us for r in runs) / 1000,
        bytes_per_answer=sum(r.bytes for r in runs) / requests if requests else float("nan"),
        errors=errors.total,
        non_2xx_3xx=errors.status,
        wrk_cores=cores,
        wrk_busy=cores / runs[0].load.threads,
        server_cores=sum(r.server_cpu_s for r in runs) / wall if wall > 0 else float("nan"),
        worker_share=max(r.worker_share for r in runs),
        balanced=all(r.balanced for r in runs),
        reruns=sum(r.attempts - 1 for r in runs),
    )


@dataclass(frozen=True)
class Headroom:
    """Whether the load generator, not the server, may set the figures: the baseline
    measured at two generator settings (`main`, and `check` with twice its threads over
    the same connections) must agree within AGREE, and no wrk thread may be (nearly) a
    core busy."""

    main: Figures
    check: Figures
    busiest: float  # the highest wrk_busy of any run at the main setting

    @property
    def ratio(self) -> float:
        """The check setting's req/s ÷ the main setting's."""
        return self.check.requests_per_s / self.main.requests_per_s

    @property
    def agree(self) -> bool:
        """Within AGREE of each other."""
        return abs(self.ratio - 1) <= AGREE

    @property
    def capped(self) -> bool:
        """Whether "generator-capped?": the settings disagree, or wrk was (nearly) a core busy."""
        return not self.agree or self.busiest >= BUSY

    def as_dict(self) -> dict[str, Any]:
        """For the JSON file."""
        return {
            "main": self.main.as_dict(),
            "check": self.check.as_dict(),
            "ratio": round(self.ratio, 3),
            "agree": self.agree,
            "busiest_wrk_thread": round(self.busiest, 3),
            "capped": self.capped,
        }
