"""`make bench`: the widget under load against a baseline, in one run on this machine.

Starts the sandbox (with `--latency-ms` added to every Module API answer), the widget
and the baseline (bench/baseline) under the same gunicorn flags, then wrk (bench/wrk.py)
for the single warm pages against the baseline pages of their sizes, and locust
(bench/locustfile.py) for cold pages and journeys; prints tables and writes them as JSON
under bench/results/. See bench/README.md for how to read it.

    .venv/bin/python bench/run.py                       # the default run, ~2 minutes
    .venv/bin/python bench/run.py --duration 30 --rounds 3 --journeys 200   # longer
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests

from bench import loadgen, report, wrk
from bench.loadgen import Measured, Spec
from bench.page_weight import DETAILS, Answer, Fetch, walk, weigh
from bench.plan import Plan, list_week_path, make_plan
from bench.sandbox_listweek import Target, token
from bench.servers import Gunicorn, GunicornSettings, serving, set_latency, widget_env
from tests.support.sandbox import SandboxProcess, running_sandbox

RESULTS = Path(__file__).resolve().parent / "results"
# The warm pages measured with wrk, each against the baseline page of its size.
ENTRY, WEEK, TIMES = "entry page, warm", "week page, warm", "times page (month + day), warm"
LIBRARIES = "libraries alone"  # the memory floor: bench/baseline/libraries.py


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line (defaults: the short run of `make bench`)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--latency-ms", type=int, default=50, help="upstream latency added (50)")
    p.add_argument("--duration", type=int, default=5, help="seconds per wrk run (5)")
    p.add_argument("--warmup", type=int, default=1, help="seconds of wrk per URL first (1)")
    p.add_argument("--rounds", type=int, default=2, help="baseline/widget alternations (2)")
    p.add_argument("--wrk-threads", type=int, default=1, help="wrk threads, warm pages (1)")
    p.add_argument("--wrk-connections", type=int, default=8, help="wrk connections (8)")
    p.add_argument("--cold", type=int, default=60, help="never-asked week pages (60)")
    p.add_argument("--cold-users", type=int, default=2, help="concurrent clients, cold (2)")
    p.add_argument("--journeys", type=int, default=24, help="bookings made (24)")
    p.add_argument("--journey-users", type=int, default=8, help="concurrent customers (8)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers, both apps (2)")
    p.add_argument("--threads", type=int, default=8, help="threads per worker, both apps (8)")
    p.add_argument("--out", type=Path, default=RESULTS, help="where the JSON goes")
    args = p.parse_args(argv)
    counts = (args.duration, args.rounds, args.wrk_threads, args.cold, args.journeys)
    if min(counts) <= 0 or args.warmup < 0:
        p.error("durations and counts must be positive")
    if args.wrk_connections < 2 * args.wrk_threads:
        p.error("--wrk-connections must be at least twice --wrk-threads (the headroom check)")
    return args


def requests_fetch(base: str) -> Fetch:
    """A page_weight Fetch over HTTP (no redirects followed)."""
    session = requests.Session()

    def fetch(method: str, path: str, data: dict[str, str] | None) -> Answer:
        answer = session.request(method, base + path, data=data, allow_redirects=False, timeout=30)
        return Answer(answer.status_code, answer.headers.get("Location", ""), answer.content)

    return fetch


def warm(base: str, paths: list[str], times: int = 30) -> None:
    """Ask for `paths` from several connections, so every worker has them cached."""

    def one(n: int) -> None:
        with requests.Session() as session:
            for path in paths:
                session.get(base + path, timeout=30).raise_for_status()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(times)))


def probe_upstream(sandbox: SandboxProcess, weeks: list[str], users: int) -> Measured:
    """listWeek asked of the sandbox directly (same latency, same concurrency) for
    weeks like the cold ones: what the upstream alone takes."""
    target = Target(sandbox.root, sandbox.client_id, sandbox.main_org)
    headers = {"Authorization": f"Bearer {token(target)}"}
    began = time.time()

    def one(week_url: str) -> tuple[float, float, bool]:
        start = time.perf_counter()
        answer = requests.get(
            f"{target.base_url}{list_week_path(week_url)}", headers=headers, timeout=30
        )
        return time.time(), (time.perf_counter() - start) * 1000, answer.status_code == 200

    with ThreadPoolExecutor(users) as pool:
        samples = list(pool.map(one, weeks))
    return Measured(samples, time.time() - began)


class Bench:
    """One run: the processes, the plan, and every figure gathered."""

    def __init__(self, args: argparse.Namespace, logs: Path) -> None:
        self.args = args
        self.logs = logs
        self.settings = GunicornSettings(workers=args.workers, threads=args.threads)
        self.figures: dict[str, Any] = {}
        self.errors: list[str] = []
        # Before anything starts: at the end, the bench's own threads count too.
        self.load_at_start = os.getloadavg()

    def load(self, name: str, user: str, host: str, **spec: Any) -> dict[str, Measured]:
        """One locust run (see loadgen.Spec)."""
        return loadgen.run(Spec(name=name, user=user, host=host, **spec), self.logs / "locust.log")

    def warm_then_measure(self, server: Gunicorn, path: str, load: wrk.Load) -> wrk.Run:
        """`path` under wrk for `--warmup` seconds, not measured, then measured. Before
        each run, not once: between two runs of a page the other pages' runs take half a
        minute, longer than the widget keeps it (its page cache, its 15 s slot caches),
        and a warm page's figure must not include building it again."""
        if self.args.warmup:
            self.wrk(server, path, load, self.args.warmup)
        return self.wrk(server, path, load, self.args.duration)

    def wrk(self, server: Gunicorn, path: str, load: wrk.Load, seconds: int) -> wrk.Run:
        """One wrk run against `server`, whose workers' CPU time is measured too (and
        which is run again if one worker had most connections: see bench/wrk.py)."""
        return wrk.run_balanced(
            server.url + path, load, seconds, watch=server.worker_pids(), log=self.logs / "wrk.log"
        )

    def single_pages(self, widget: Gunicorn, baseline: Gunicorn, plan: Plan) -> dict[str, Any]:
        """Each warm page and the baseline page of its size under wrk, alternately over
        the rounds; in each round also the entry page's baseline at twice wrk's threads
        (the generator's headroom)."""
        a = self.args
        main = wrk.Load(a.wrk_threads, a.wrk_connections)
        check = main.more_threads()
        pages = {
            ENTRY: (plan.entry, plan.entry_bytes),
            WEEK: (plan.week, plan.week_bytes),
            TIMES: (plan.times, plan.times_bytes),
        }
        ours: dict[str, list[wrk.Run]] = defaultdict(list)
        base: dict[str, list[wrk.Run]] = defaultdict(list)
        checks: list[wrk.Run] = []
        for _ in range(a.rounds):
            for name, (path, size) in pages.items():
                base[name].append(self.warm_then_measure(baseline, f"/page/{size}", main))
                if name == ENTRY:  # right after the run it is compared with: same machine state
                    checks.append(self.wrk(baseline, f"/page/{size}", check, a.duration))
                ours[name].append(self.warm_then_measure(widget, path, main))
        rows = []
        for name, (path, size) in pages.items():
            figures = {"widget": wrk.figures(ours[name]), "baseline": wrk.figures(base[name])}
            for app, f in figures.items():
                if not f.valid:
                    self.errors.append(
                        f"wrk, {name} ({app}): {f.errors} errors, {f.non_2xx_3xx} answers "
                        f"not 2xx/3xx, in {f.requests} requests"
                    )
            rows.append(
                {"page": name, "path": path, "bytes": size}
                | {app: f.as_dict() for app, f in figures.items()}
            )
        every = [r for runs in (*ours.values(), *base.values()) for r in runs]
        headroom = wrk.Headroom(
            main=wrk.figures(base[ENTRY]),
            check=wrk.figures(checks),
            busiest=max(r.wrk_busy for r in every),
        )
        return {
            "load": main.label,
            "rounds": a.rounds,
            "seconds": a.duration,
            "rows": rows,
            "headroom": headroom.as_dict(),
        }

    def run(self, tmp: Path) -> dict[str, Any]:
        """Everything, in order; returns the results document."""
        a = self.args
        with running_sandbox(tmp, "--control") as sandbox:
            set_latency(sandbox, a.latency_ms)
            with (
                serving(
                    "wsgi:app", self.settings, widget_env(sandbox), self.logs / "widget.log"
                ) as widget,
                serving(
                    "bench.baseline.app:app", self.settings, {}, self.logs / "baseline.log"
                ) as baseline,
            ):
                plan = make_plan(widget.url, sandbox.main_org, journeys=a.journeys, cold=a.cold)
                warm(widget.url, [plan.entry, plan.week, plan.times])
                single = self.single_pages(widget, baseline, plan)
                self.cold(sandbox, widget.url, plan)
                upstream = self.journeys(sandbox, widget.url, plan)
                pages = self.pages(widget.url, sandbox.main_org, plan)
                memory = {
                    "widget": widget.peak_memory_kib(),
                    "baseline": baseline.peak_memory_kib(),
                    LIBRARIES: self.libraries_alone(plan),
                }
        return {
            "run": self.about(),
            "single_pages": single,
            "scenarios": self.figures,
            "upstream": upstream,
            "pages": pages,
            "memory_peak_kib": {k: list(v.values()) for k, v in memory.items()},
            "errors": self.errors,
        }

    def libraries_alone(self, plan: Plan) -> dict[int, int]:
        """The peak memory per worker of the baseline page with the widget's fixed
        libraries (bench/baseline/libraries.py), under the same load as a warm page."""
        log = self.logs / "libraries.log"
        with serving("bench.baseline.libraries:app", self.settings, {}, log) as server:
            main = wrk.Load(self.args.wrk_threads, self.args.wrk_connections)
            self.wrk(server, f"/page/{plan.entry_bytes}", main, self.args.duration)
            return server.peak_memory_kib()

    def cold(self, sandbox: SandboxProcess, widget: str, plan: Plan) -> None:
        """Week pages nobody asked for yet, and the same kind of weeks upstream alone."""
        a = self.args
        name = "week page, cold"
        got = self.load(
            name, "OnceUser", widget, users=a.cold_users, duration=600, paths=plan.cold_weeks
        )
        self.figures[name] = got[name].figures().as_dict()
        probe = probe_upstream(sandbox, plan.probe_weeks, a.cold_users)
        self.figures["upstream listWeek alone"] = probe.figures().as_dict()

    def journeys(self, sandbox: SandboxProcess, widget: str, plan: Plan) -> dict[str, Any]:
        """Concurrent customers booking distinct slots; upstream requests per journey."""
        a = self.args
        sandbox.reset_counters()
        got = self.load(
            "journey",
            "JourneyUser",
            widget,
            users=a.journey_users,
            duration=600,
            journeys=plan.journeys,
            details=DETAILS,
        )
        counters = sandbox.counters()
        for name, measured in sorted(got.items()):
            self.figures[name] = measured.figures().as_dict()
        booked = got.get("journey: book", Measured([], 0)).samples
        done = sum(1 for *_x, ok in booked if ok)
        return {
            "journeys": done,
            "requests": counters["total"],
            "per_journey": counters["total"] / done if done else float("nan"),
            "routes": counters["routes"],
        }

    def pages(self, widget: str, org: str, plan: Plan) -> list[dict[str, Any]]:
        """Every step of one booking, and the full week of the warm scenario."""
        fetch = requests_fetch(widget)
        weights = [weigh(fetch, "week (full)", plan.week, fetch("GET", plan.week, None).body)]
        try:
            walk(fetch, org, into=weights)
        except (AssertionError, IndexError, requests.RequestException) as error:
            self.errors.append(f"page weight: {error}")
        return [w.as_dict() for w in weights]

    def about(self) -> dict[str, Any]:
        """When, where, with what."""
        from importlib.metadata import version

        return {
            # When the benchmark really ran (the machine's time, not the business clock).
            "at": datetime.now(UTC).isoformat(timespec="seconds"),  # noqa: TID251
            "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(self.args).items()},
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
            "load_average_at_start": self.load_at_start,
            "gunicorn_flags": self.settings.flags(),
            "versions": {p: version(p) for p in ("flask", "gunicorn", "locust", "jinja2")}
            | {"wrk": wrk.version()},
        }


def main(argv: list[str] | None = None) -> int:
    """Run, print the table, write the JSON; exit 1 when a request failed."""
    args = parse(argv)
    try:
        wrk.require_wrk()
    except wrk.WrkError as missing:
        print(f"bench: {missing}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    logs = args.out / "logs"
    logs.mkdir(exist_ok=True)
    for log in ("locust.log", "wrk.log"):
        (logs / log).unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        results = Bench(args, logs).run(Path(tmp))
    results["targets"] = report.targets(results)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")  # noqa: TID251 (a file name)
    for name in (f"bench-{stamp}.json", "latest.json"):
        (args.out / name).write_text(json.dumps(results, indent=2) + "\n")
    report.print_report(results)
    print(f"\nJSON: {args.out / f'bench-{stamp}.json'}  (logs: {logs})")
    failed = sum(s["failures"] for s in results["scenarios"].values())
    for error in results["errors"]:
        print(f"error: {error}", file=sys.stderr)
    return 1 if failed or results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
