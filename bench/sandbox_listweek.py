"""Benchmark: how many `listWeek` requests per second the sandbox answers.

Starts a sandbox (demo seed, fresh temporary database) unless `--base-url` points at a
running one, gets an access token for the main organization, then lets N client
threads, each with its own keep-alive `requests.Session`, ask for the haircut's
listWeek as fast as they can for a fixed time. Prints requests/s and latency
percentiles.

    .venv/bin/python bench/sandbox_listweek.py                # 8 threads x 10 s
    .venv/bin/python bench/sandbox_listweek.py --threads 16 --duration 30 --weeks 8
    .venv/bin/python bench/sandbox_listweek.py --base-url http://127.0.0.1:8090 \\
        --client-id 23… --org f6…
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests

from tests.support.clock import today
from tests.support.processes import stop_process

TEMPLATE = "haircut"


@dataclass
class Target:
    """Where the sandbox answers, and who we are there."""

    root: str
    client_id: str
    org: str
    process: subprocess.Popen[str] | None = None

    @property
    def base_url(self) -> str:
        return f"{self.root}/module/v3/en/"

    @property
    def oauth_url(self) -> str:
        return f"{self.root}/oauth/token"


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def start_sandbox(db: Path) -> Target:
    """A sandbox on a free port (`--port 0`), started the way a user would."""
    cmd = [sys.executable, "-m", "booking_app.cli", "sandbox", "--port", "0", "--db", str(db)]
    proc = subprocess.Popen(  # noqa: S603
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit(f"the sandbox exited with {proc.wait()}")
        if line.startswith("{"):
            info = json.loads(line)
            root = info["base_url"].removesuffix("/module/v3/")
            return Target(root, info["client_id"], info["organizations"]["main"], proc)
    proc.kill()
    raise SystemExit("the sandbox did not report ready")


def token(target: Target) -> str:
    """The two-step anonymous OAuth flow."""
    form = {"grant_type": "client_credentials", "client_id": target.client_id, "client_secret": ""}
    refresh = requests.post(target.oauth_url, data=form, timeout=10)
    refresh.raise_for_status()
    access = requests.post(
        target.oauth_url,
        data={
            "grant_type": "refresh_token",
            "client_id": target.client_id,
            "refresh_token": refresh.json()["refresh_token"],
            "organization_id": target.org,
        },
        timeout=10,
    )
    access.raise_for_status()
    return str(access.json()["access_token"])


def week_urls(target: Target, headers: dict[str, str], weeks: int) -> list[str]:
    """listWeek URLs of the haircut for `weeks` consecutive weeks from next week on."""
    listing = requests.get(
        f"{target.base_url}organization/{target.org}/bookingTemplate/list",
        headers=headers,
        timeout=10,
    )
    listing.raise_for_status()
    records = listing.json()["content"]["recordList"]
    template = next(t["id"] for t in records if t["customId"] == TEMPLATE)
    urls = []
    for n in range(1, weeks + 1):
        cal = (today() + timedelta(weeks=n)).isocalendar()
        urls.append(
            f"{target.base_url}organization/{target.org}/bookingTemplate/{template}"
            f"/bookingSlot/year/{cal.year}/week/{cal.week}/listWeek"
        )
    return urls


def client(
    urls: list[str],
    headers: dict[str, str],
    start: threading.Barrier,
    stop_at: list[float],
    warmup_until: list[float],
    results: Results,
    *,
    offset: int,
) -> None:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    with requests.Session() as session:
        session.headers.update(headers)
        start.wait()
        i = offset
        while True:
            began = time.perf_counter()
            if began >= stop_at[0]:
                break
            try:
                resp = session.get(urls[i % len(urls)], timeout=30)
                resp.content  # noqa: B018 - read the whole answer
                outcome = str(resp.status_code)
            except requests.RequestException as error:
                outcome = type(error).__name__
            ended = time.perf_counter()
            i += 1
            if began >= warmup_until[0]:
                latencies.append(ended - began)
                statuses[outcome] += 1
    with results.lock:
        results.latencies.extend(latencies)
        results.statuses.update(statuses)


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(p / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def run(target: Target, threads: int, duration: float, warmup: float, weeks: int) -> dict[str, Any]:
    headers = {
        "Authorization": f"Bearer {token(target)}",
        "Content-Type": "application/json; charset=utf-8",
    }
    urls = week_urls(target, headers, weeks)
    sample = requests.get(urls[0], headers=headers, timeout=10).json()["content"]["list"]
    results = Results()
    start = threading.Barrier(threads + 1)
    stop_at, warmup_until = [float("inf")], [float("inf")]
    workers = [
        threading.Thread(
            target=client,
            args=(urls, headers, start, stop_at, warmup_until, results),
            kwargs={"offset": n},
            daemon=True,
        )
        for n in range(threads)
    ]
    for worker in workers:
        worker.start()
    now = time.perf_counter()
    warmup_until[0] = now + warmup
    stop_at[0] = now + warmup + duration
    start.wait()
    for worker in workers:
        worker.join()
    values = sorted(results.latencies)
    ok = results.statuses.get("200", 0)
    return {
        "threads": threads,
        "duration_s": duration,
        "weeks": weeks,
        "slots_per_answer": len(sample),
        "requests": len(values),
        "ok": ok,
        "outcomes": dict(results.statuses),
        "requests_per_s": len(values) / duration,
        "p50_ms": percentile(values, 50) * 1000,
        "p95_ms": percentile(values, 95) * 1000,
        "p99_ms": percentile(values, 99) * 1000,
        "mean_ms": (statistics.fmean(values) * 1000) if values else float("nan"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=8, help="concurrent clients (8)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured (10)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds not measured (1)")
    parser.add_argument(
        "--weeks", type=int, default=1, help="distinct weeks the clients cycle through (1)"
    )
    parser.add_argument("--base-url", help="a running sandbox's root, e.g. http://127.0.0.1:8090")
    parser.add_argument("--client-id", help="with --base-url: the module's client id")
    parser.add_argument("--org", help="with --base-url: the organization id")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.threads < 1 or args.duration <= 0 or args.weeks < 1:
        parser.error("threads, duration and weeks must be positive")

    if args.base_url:
        if not (args.client_id and args.org):
            parser.error("--base-url needs --client-id and --org")
        target = Target(args.base_url.rstrip("/"), args.client_id, args.org)
        figures = run(target, args.threads, args.duration, args.warmup, args.weeks)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
            target = start_sandbox(Path(tmp) / "sandbox.db")
            try:
                figures = run(target, args.threads, args.duration, args.warmup, args.weeks)
            finally:
                assert target.process is not None
                stop_process(target.process, timeout=10)
                if target.process.stdout:
                    target.process.stdout.close()

    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(
            f"listWeek ({TEMPLATE}, {figures['slots_per_answer']} slots per answer, "
            f"{figures['weeks']} week(s)): {figures['threads']} threads x "
            f"{figures['duration_s']:g} s"
        )
        print(
            f"  {figures['requests_per_s']:.1f} requests/s  "
            f"({figures['requests']} requests, outcomes {figures['outcomes']})"
        )
        print(
            f"  latency p50 {figures['p50_ms']:.1f} ms  p95 {figures['p95_ms']:.1f} ms  "
            f"p99 {figures['p99_ms']:.1f} ms  mean {figures['mean_ms']:.1f} ms"
        )
    failed = figures["requests"] - figures["ok"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
