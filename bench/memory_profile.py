"""Profile the widget's memory: RSS and tracemalloc at each stage of a worker's life.

Starts a demo sandbox (its own process: not measured), then in this process imports
the widget, builds it with `create_app` and asks for the pages of one booking in
English and then in German (entry, times, week, details form, time zone choice),
and at last all of them again from 8 threads (gunicorn's gthread). After each stage
it prints the resident set (VmRSS, VmHWM, its anonymous part) and what tracemalloc
saw allocated since the stage before, grouped by file and, for the largest, by
traceback. `--imports` ranks the modules by what their own import allocated (the
module's body, without the modules it imports), `--importtime` by `-X importtime`.

    .venv/bin/python bench/memory_profile.py                 # stages, top 15 files
    .venv/bin/python bench/memory_profile.py --depth 0       # RSS only (no tracemalloc)
    .venv/bin/python bench/memory_profile.py --imports 30 --importtime 20

tracemalloc costs memory of its own (about 2-3 times what it traces, more with a
deeper `--depth`): the RSS figures of a `--depth 0` run are the ones to quote.
"""

from __future__ import annotations

import argparse
import gc
import re
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from html import unescape
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MIB = 1024 * 1024
_STATUS = re.compile(r"^(VmRSS|VmHWM|RssAnon|RssFile):\s+(\d+) kB", re.M)
SERVICE = re.compile(r'href="([^"]*/s/fc[^"]*)"')  # as bench/plan.py finds the services
ZONE_LINK = re.compile(r'href="([^"]*/zone\?[^"]*)"')
IGNORED_FILES = (tracemalloc.__file__, __file__)


def status_kib() -> dict[str, int]:
    """VmRSS, VmHWM, RssAnon and RssFile of this process, in KiB."""
    text = Path("/proc/self/status").read_text()
    return {key: int(value) for key, value in _STATUS.findall(text)}


def traced_bytes() -> int:
    """What tracemalloc traces now (0 when it is off)."""
    return tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else 0


# (size, count) per group of traces: a file, or a traceback of (file, line) frames.
Groups = dict[Any, list[int]]


@dataclass
class Stage:
    """The process's memory after one stage: /proc's figures, and what tracemalloc
    saw allocated in the stage and still alive at its end (`traced` bytes), grouped by
    the file that allocated it and by traceback."""

    name: str
    status: dict[str, int]
    traced: int
    seconds: float
    by_file: Groups = field(default_factory=dict)
    by_traceback: Groups = field(default_factory=dict)


def is_machinery(filename: str) -> bool:
    """Frames of the import system and of this script (its import meter), left out of
    the tracebacks shown."""
    return filename.startswith("<frozen") or filename in IGNORED_FILES


def group_traces(snapshot: tracemalloc.Snapshot) -> tuple[Groups, Groups]:
    """The traces by their most recent frame's file, and by their traceback without
    the import system's frames (most recent first). Reads the raw traces: the public
    API's grouping is too slow for the ~200,000 traces of an import."""
    by_file: Groups = {}
    by_traceback: Groups = {}
    keys: dict[int, Any] = {}  # snapshots share one tuple per distinct traceback
    gc.disable()  # the loop makes many objects, none of them garbage
    try:
        for _domain, size, frames, *_ in snapshot.traces._traces:  # type: ignore[attr-defined]
            if frames[0][0] in IGNORED_FILES:  # this script's own data (the groups, …)
                continue
            key = keys.get(id(frames))
            if key is None:
                key = keys[id(frames)] = (
                    tuple(f for f in frames if not is_machinery(f[0])) or frames[:1]
                )
            for group, groups in ((frames[0][0], by_file), (key, by_traceback)):
                found = groups.get(group)
                if found is None:
                    groups[group] = [size, 1]
                else:
                    found[0] += size
                    found[1] += 1
    finally:
        gc.enable()
    return by_file, by_traceback


def largest(groups: Groups, top: int) -> list[tuple[Any, int, int]]:
    """The `top` largest groups: (key, bytes, blocks)."""
    return sorted(((k, size, n) for k, (size, n) in groups.items()), key=lambda g: -g[1])[:top]


@dataclass
class ModuleCost:
    """What one module's import allocated: its own body (`own_*`) and with the modules
    it imported (`all_*`); traced bytes and RSS KiB."""

    name: str
    after: str  # the last stage taken before the import
    all_traced: int = 0
    all_rss: int = 0
    own_traced: int = 0
    own_rss: int = 0


@dataclass
class ImportMeter:
    """Wraps the `exec_module` of every module imported while installed (a finder
    first on `sys.meta_path` that asks the others and keeps their spec), to measure
    each module's import."""

    stages: list[Stage]
    costs: dict[str, ModuleCost] = field(default_factory=dict)
    _stack: list[ModuleCost] = field(default_factory=list)

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        """The spec the other finders give, its loader's `exec_module` measured."""
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec: ModuleSpec | None = finder.find_spec(name, path, target)
            if spec is not None:
                self._wrap(spec)
                return spec
        return None

    def _wrap(self, spec: ModuleSpec) -> None:
        loader = spec.loader
        if loader is None or isinstance(loader, type) or not hasattr(loader, "__dict__"):
            return  # builtin and frozen modules: class-level loaders, small
        original: Callable[[ModuleType], None] = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            cost = ModuleCost(spec.name, self.stages[-1].name if self.stages else "")
            self._stack.append(cost)
            traced, rss = traced_bytes(), status_kib()["VmRSS"]
            try:
                original(module)
            finally:
                cost.all_traced = traced_bytes() - traced
                cost.all_rss = status_kib()["VmRSS"] - rss
                self._stack.pop()
                cost.own_traced += cost.all_traced  # less its children's (taken off below)
                cost.own_rss += cost.all_rss
                if self._stack:  # the module importing this one
                    self._stack[-1].own_traced -= cost.all_traced
                    self._stack[-1].own_rss -= cost.all_rss
                self.costs[spec.name] = cost

        loader.exec_module = exec_module  # type: ignore[method-assign]

    @contextmanager
    def installed(self) -> Iterator[ImportMeter]:
        """Measure the imports made in the block."""
        sys.meta_path.insert(0, self)
        try:
            yield self
        finally:
            sys.meta_path.remove(self)

    def print_ranking(self, top: int) -> None:
        """The `top` modules by their own traced allocations, and by package."""
        print(f"\n== imports: the {top} modules whose own import allocated most ==")
        print(f"{'module':<48} {'own MiB':>8} {'incl MiB':>9} {'own RSS':>8}  imported after")
        ranked = sorted(self.costs.values(), key=lambda c: c.own_traced, reverse=True)
        for cost in ranked[:top]:
            print(
                f"{cost.name:<48} {cost.own_traced / MIB:8.2f} {cost.all_traced / MIB:9.2f}"
                f" {cost.own_rss / 1024:8.1f}  {cost.after}"
            )
        packages: dict[str, list[int]] = {}
        for cost in self.costs.values():
            totals = packages.setdefault(cost.name.split(".")[0], [0, 0, 0])
            totals[0] += cost.own_traced
            totals[1] += cost.own_rss
            totals[2] += 1
        print(f"\n== imports by top-level package (own allocations, {len(self.costs)} modules) ==")
        print(f"{'package':<32} {'MiB':>7} {'RSS MiB':>8} {'modules':>8}")
        for name, (traced, rss, count) in sorted(
            packages.items(), key=lambda item: item[1][0], reverse=True
        )[:top]:
            print(f"{name:<32} {traced / MIB:7.2f} {rss / 1024:8.1f} {count:8d}")


def print_importtime(top: int) -> None:
    """`python -X importtime -c "import booking_app"` in a fresh interpreter: the `top`
    modules by their own import time."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import booking_app"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in run.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[0].strip().isdigit():
            rows.append((int(parts[0]), int(parts[1]), parts[2].strip()))
    print(f"\n== -X importtime: the {top} slowest modules (self µs, cumulative µs) ==")
    for own, total, name in sorted(rows, reverse=True)[:top]:
        print(f"{name:<52} {own:8d} {total:9d}")
    print(f"{len(rows)} modules, {sum(r[0] for r in rows) / 1000:.0f} ms in all")


class Profiler:
    """The stages taken so far, each printed as it is taken.

    With tracemalloc on (`depth` frames), each stage restarts it: a stage's figures are
    what was allocated in it and is still alive at its end (frees of what an earlier
    stage allocated are not seen), and the grouping, done with tracing off, is fast.
    """

    def __init__(self, depth: int, top: int, tracebacks: int) -> None:
        self.depth = depth
        self.top = top
        self.tracebacks = tracebacks
        self.stages: list[Stage] = []
        self._began = time.perf_counter()
        if depth:
            tracemalloc.start(depth)

    def stage(self, name: str) -> Stage:
        """Take and print a stage."""
        taken = Stage(name, status_kib(), traced_bytes(), time.perf_counter() - self._began)
        if tracemalloc.is_tracing():
            snapshot = tracemalloc.take_snapshot()
            tracemalloc.stop()
            taken.by_file, taken.by_traceback = group_traces(snapshot)
            del snapshot
        before = self.stages[-1] if self.stages else None
        self.stages.append(taken)
        self._print(taken, before)
        taken.by_file = taken.by_traceback = {}  # printed: no longer needed (and big)
        if self.depth:
            tracemalloc.start(self.depth)
        self._began = time.perf_counter()  # the stages' own work is not a stage's time
        return taken

    def _print(self, stage: Stage, before: Stage | None) -> None:
        s = stage.status
        more = s["VmRSS"] - before.status["VmRSS"] if before else 0
        print(
            f"\n== {stage.name}: RSS {s['VmRSS'] / 1024:.1f} MiB ({more / 1024:+.1f}),"
            f" HWM {s['VmHWM'] / 1024:.1f}, anon {s['RssAnon'] / 1024:.1f};"
            f" kept {stage.traced / MIB:.2f} MiB (traced); {stage.seconds:.2f} s =="
        )
        for filename, size, count in largest(stage.by_file, self.top):
            print(f"  {size / 1024:9.1f} KiB {count:7d} blocks  {short(filename)}")
        for frames, size, count in largest(stage.by_traceback, self.tracebacks):
            print(f"  -- {size / 1024:.1f} KiB in {count} blocks, most recent call first:")
            for filename, line in frames:
                print(f"       {short(filename)}:{line}")

    def print_table(self) -> None:
        """Every stage in one table."""
        print(f"\n{'stage':<36} {'RSS':>7} {'+RSS':>6} {'HWM':>7} {'anon':>7} {'kept':>7}")
        previous = None
        for stage in self.stages:
            s = stage.status
            more = s["VmRSS"] - previous["VmRSS"] if previous else 0
            print(
                f"{stage.name:<36} {s['VmRSS'] / 1024:7.1f} {more / 1024:+6.1f}"
                f" {s['VmHWM'] / 1024:7.1f} {s['RssAnon'] / 1024:7.1f}"
                f" {stage.traced / MIB:7.1f}"
            )
            previous = s
        print("(MiB; kept: allocated in the stage and alive at its end, as tracemalloc saw it)")


def short(filename: str) -> str:
    """A file name without the virtualenv's or the interpreter's prefix."""
    for prefix in (str(ROOT) + "/", "/site-packages/", "/lib/python3."):
        if prefix in filename:
            return filename.split(prefix, 1)[1]
    return filename


@dataclass(frozen=True)
class Pages:
    """The URLs of one booking in one language."""

    entry: str
    times: str
    week: str
    details: str
    zone: str


def walk(get: Callable[[str], str], org: str, lang: str, stage: Callable[[str], Any]) -> Pages:
    """Walk one booking's pages like a customer (the links as bench/plan.py and
    bench/page_weight.py find them), each asked for once (`get` answers a path's HTML),
    with a stage after each."""
    from bench.page_weight import time_values
    from bench.plan import iso_week, with_week
    from tests.support.clock import today

    entry = f"/{lang}/o/{org}/?here=1"
    service = unescape(SERVICE.findall(get(entry))[0])
    stage(f"{lang}: entry page")
    times = service.split("?")[0]
    times_html = get(times)
    stage(f"{lang}: times page")
    week = with_week(service, iso_week(today() + timedelta(days=7)))
    action, values = time_values(get(week))
    stage(f"{lang}: week page")
    details = action.format(values[0])
    get(details)
    stage(f"{lang}: details form")
    zone_link = ZONE_LINK.search(times_html)
    zone = unescape(zone_link[1]) if zone_link else f"/{lang}/o/{org}/zone?next={quote(times)}"
    get(zone)
    stage(f"{lang}: time zone page")
    return Pages(entry, times, week, details, zone)


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--depth", type=int, default=8, help="tracemalloc frames (8; 0: off)")
    p.add_argument("--top", type=int, default=15, help="files shown per stage (15)")
    p.add_argument("--tracebacks", type=int, default=3, help="tracebacks per stage (3)")
    p.add_argument("--imports", type=int, default=0, help="rank this many imported modules")
    p.add_argument("--importtime", type=int, default=0, help="rank by -X importtime")
    p.add_argument("--warm", type=int, default=20, help="rounds of every page, 8 threads")
    p.add_argument("--threads", type=int, default=8, help="threads of the warm stage (8)")
    p.add_argument("--languages", nargs="+", default=["en", "de"], help="(en de)")
    args = p.parse_args(argv)
    if min(args.depth, args.top, args.tracebacks, args.imports, args.warm) < 0:
        p.error("counts must not be negative")
    return args


def main(argv: list[str] | None = None) -> None:
    """Take every stage, print it, and the table of all."""
    args = parse(argv)
    profiler = Profiler(args.depth, args.top, args.tracebacks)
    profiler.stage("start")
    with ImportMeter(profiler.stages).installed() as meter:
        run_stages(profiler, args)
    profiler.print_table()
    if args.imports:
        meter.print_ranking(args.imports)
    if args.importtime:
        print_importtime(args.importtime)


def run_stages(profiler: Profiler, args: argparse.Namespace) -> None:
    """Import, build and serve the widget, a stage after each step."""
    import booking_app  # noqa: F401  (this stage measures the import)

    profiler.stage("import booking_app")
    from bench.inprocess import widget_app
    from tests.support.sandbox import running_sandbox

    profiler.stage("import the sandbox's helper")
    with tempfile.TemporaryDirectory() as tmp, running_sandbox(Path(tmp)) as sandbox:
        app = widget_app(sandbox)
        profiler.stage("create_app")
        client = app.test_client()

        def get(path: str) -> str:
            answer = client.get(path)
            assert answer.status_code == 200, f"{path}: HTTP {answer.status_code}"
            return str(answer.get_data(as_text=True))

        import bench.page_weight
        import bench.plan  # noqa: F401

        profiler.stage("import the walk's helpers")
        pages = [walk(get, sandbox.main_org, lang, profiler.stage) for lang in args.languages]
        warm(app, [path for p in pages for path in vars(p).values()], args)
        profiler.stage(f"warm: {args.warm} rounds x {args.threads} threads")


def warm(app: Any, paths: list[str], args: argparse.Namespace) -> None:
    """Every page `args.warm` times over, from `args.threads` threads at once."""
    local = threading.local()

    def one(path: str) -> None:
        if not hasattr(local, "client"):
            local.client = app.test_client()
        assert local.client.get(path).status_code == 200, path

    began = time.perf_counter()
    with ThreadPoolExecutor(args.threads) as pool:
        list(pool.map(one, paths * args.warm))
    print(f"\n(warm: {len(paths) * args.warm} requests in {time.perf_counter() - began:.1f} s)")


if __name__ == "__main__":
    main()
