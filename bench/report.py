"""The issue's targets checked against a run's figures, and the table `make bench` prints."""

from __future__ import annotations

import math
from typing import Any

MAX_PAGE_BYTES = 30 * 1024
MAX_PAGE_GZIP = 10 * 1024
COLD_SLACK_MS = 15
MAX_UPSTREAM_PER_JOURNEY = 3


def _target(what: str, figure: float, limit: float, ok: bool, note: str = "") -> dict[str, Any]:
    return {
        "target": what,
        "figure": round(figure, 2),
        "limit": round(limit, 2),
        "met": bool(ok),
        "note": note,
    }


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of bench/README.md with its figure, its limit, and whether it is met."""
    s = results["scenarios"]
    latency = float(results["run"]["args"]["latency_ms"])
    entry, entry_base = s["entry page, warm"], s["baseline (entry page, warm size)"]
    week, week_base = s["week page, warm"], s["baseline (week page, warm size)"]
    cold, upstream = s["week page, cold"], s["upstream listWeek alone"]
    ratio = entry["requests_per_s"] / entry_base["requests_per_s"]
    found = [
        _target("entry page warm: requests/s ÷ baseline's ≥ 0.7", ratio, 0.7, ratio >= 0.7),
        _target(
            "week page warm: p99 ≤ 2 × baseline p99 (ms)",
            week["p99_ms"],
            2 * week_base["p99_ms"],
            week["p99_ms"] <= 2 * week_base["p99_ms"],
        ),
        # "Upstream latency" is what the upstream takes to answer, measured in this run:
        # the injected latency plus the sandbox's own work (it computes ~400 slots,
        # 15-30 ms here), which alone already exceeds a 15 ms slack over the injected
        # figure. The widget's own part is what the target bounds.
        _target(
            "week page cold: p50 ≤ upstream latency + 15 ms",
            cold["p50_ms"],
            upstream["p50_ms"] + COLD_SLACK_MS,
            cold["p50_ms"] <= upstream["p50_ms"] + COLD_SLACK_MS,
            note=f"upstream listWeek alone p50 {upstream['p50_ms']:.1f} ms "
            f"(injected {latency:g} ms + the sandbox's own work); widget's own part "
            f"{cold['p50_ms'] - upstream['p50_ms']:.1f} ms",
        ),
    ]
    per_journey = results["upstream"]["per_journey"]
    found.append(
        _target(
            "journey, warm cache: upstream requests ≤ 3",
            per_journey,
            MAX_UPSTREAM_PER_JOURNEY,
            not math.isnan(per_journey) and per_journey <= MAX_UPSTREAM_PER_JOURNEY,
        )
    )
    heaviest = max(results["pages"], key=lambda p: p["raw_bytes"])
    heaviest_gz = max(results["pages"], key=lambda p: p["gzip_bytes"])
    found += [
        _target(
            f"any page ≤ 30 KB HTML+CSS+JS (heaviest: {heaviest['step']})",
            heaviest["raw_bytes"],
            MAX_PAGE_BYTES,
            heaviest["raw_bytes"] <= MAX_PAGE_BYTES,
        ),
        _target(
            f"any page ≤ 10 KB gzipped (heaviest: {heaviest_gz['step']})",
            heaviest_gz["gzip_bytes"],
            MAX_PAGE_GZIP,
            heaviest_gz["gzip_bytes"] <= MAX_PAGE_GZIP,
        ),
    ]
    third = sorted({u for p in results["pages"] for u in p["third_party"]})
    fonts = [p["step"] for p in results["pages"] if p["web_fonts"]]
    found.append(_target("no third-party requests", len(third), 0, not third, ", ".join(third)))
    found.append(_target("no web fonts", len(fonts), 0, not fonts, ", ".join(fonts)))
    return found


def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1f}"


def print_pages(pages: list[dict[str, Any]]) -> None:
    """Page weights as a table: bytes of HTML, CSS, JS, all three raw and gzipped."""
    head = f"{'HTML':>8}{'CSS':>7}{'JS':>7}{'together':>10}{'gzipped':>9}"
    print(f"{'page':<22}{head}  third-party / fonts")
    for p in pages:
        flags = ", ".join(p["third_party"]) or "none"
        flags += ", web fonts" if p["web_fonts"] else ""
        sizes = (
            f"{p['html_bytes']:>8,}{p['css_bytes']:>7,}{p['js_bytes']:>7,}"
            f"{p['raw_bytes']:>10,}{p['gzip_bytes']:>9,}"
        )
        print(f"{p['step']:<22}{sizes}  {flags}")


def print_report(results: dict[str, Any]) -> None:
    """The run as tables on stdout."""
    run = results["run"]
    print(
        f"\nbench {run['at']}  upstream latency {run['args']['latency_ms']} ms  "
        f"gunicorn {run['args']['workers']} workers x {run['args']['threads']} threads  "
        f"load average {run['load_average'][0]:.2f}"
    )
    head = f"{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'n':>7}{'fail':>6}"
    print(f"\n{'scenario':<38}{head}")
    for name, f in results["scenarios"].items():
        print(
            f"{name:<38}{f['requests_per_s']:>9.1f}{_ms(f['p50_ms']):>9}{_ms(f['p95_ms']):>9}"
            f"{_ms(f['p99_ms']):>9}{f['requests']:>7}{f['failures']:>6}"
        )
    up = results["upstream"]
    print(
        f"\nupstream requests per journey: {up['per_journey']:.2f} "
        f"({up['requests']} for {up['journeys']} journeys)"
    )
    for route, count in sorted(up["routes"].items()):
        print(f"  {count:>5}  {route}")
    print()
    print_pages(results["pages"])
    for app, peaks in results["memory_peak_kib"].items():
        mib = ", ".join(f"{k / 1024:.1f}" for k in peaks)
        print(f"peak memory per worker, {app}: {mib} MiB")
    print(f"\n{'target':<62}{'figure':>10}{'limit':>10}  met")
    for t in results["targets"]:
        met = "yes" if t["met"] else "NO"
        print(f"{t['target']:<62}{t['figure']:>10,.2f}{t['limit']:>10,.2f}  {met}")
        if t["note"]:
            print(f"    {t['note']}")
