"""The issue's targets checked against a run's figures, and the table `make bench` prints."""

from __future__ import annotations

import math
from typing import Any

from bench import wrk

MAX_PAGE_BYTES = 30 * 1024
MAX_PAGE_GZIP = 10 * 1024
COLD_SLACK_MS = 15
MAX_UPSTREAM_PER_JOURNEY = 3
MIN_RATE_RATIO = 0.85  # a warm page's req/s ÷ the baseline page's of its size (wrk)
MAX_P99_RATIO = 1.5  # its p99 ÷ the baseline page's p99
MAX_WORKER_MIB = 50  # peak resident memory (VmHWM) of each widget worker


def _target(what: str, figure: float, limit: float, ok: bool, note: str = "") -> dict[str, Any]:
    return {
        "target": what,
        "figure": round(figure, 2),
        "limit": round(limit, 2),
        "met": bool(ok),
        "note": note,
    }


def ratios(row: dict[str, Any]) -> tuple[float, float]:
    """A single page's req/s and p99, each ÷ the baseline page's (wrk, same run)."""
    ours, base = row["widget"], row["baseline"]
    return (
        ours["requests_per_s"] / base["requests_per_s"],
        ours["p99_ms"] / base["p99_ms"] if base["p99_ms"] > 0 else float("inf"),
    )


def single_page_targets(single: dict[str, Any]) -> list[dict[str, Any]]:
    """Each warm page against the baseline page of its size, and the generator's
    headroom: whether wrk, not the server, may have set the figures."""
    room = single["headroom"]
    capped = " (generator-capped?)" if room["capped"] else ""
    found = []
    for row in single["rows"]:
        rate, p99 = ratios(row)
        valid = row["widget"]["valid"] and row["baseline"]["valid"]
        even = row["widget"]["balanced"] and row["baseline"]["balanced"]
        note = "" if valid else "INVALID: errors or answers not 2xx/3xx (see the wrk table)"
        note += capped if valid else ""
        note += "" if even else " (uneven workers: see the wrk table)"
        found += [
            _target(
                f"{row['page']}: req/s ÷ baseline's ≥ {MIN_RATE_RATIO}",
                rate,
                MIN_RATE_RATIO,
                valid and rate >= MIN_RATE_RATIO,
                note.strip(),
            ),
            _target(
                f"{row['page']}: p99 ÷ baseline's ≤ {MAX_P99_RATIO}",
                p99,
                MAX_P99_RATIO,
                valid and p99 <= MAX_P99_RATIO,
                note.strip(),
            ),
        ]
    main, check = room["main"], room["check"]
    found.append(
        _target(
            f"load generator not the limit: |baseline {check['load']} ÷ {main['load']} − 1| "
            f"≤ {wrk.AGREE}",
            abs(room["ratio"] - 1),
            wrk.AGREE,
            not room["capped"],
            f"baseline {main['requests_per_s']:,.0f} req/s at {main['load']}, "
            f"{check['requests_per_s']:,.0f} at {check['load']}; busiest wrk thread "
            f"{room['busiest_wrk_thread']:.2f} of a core (flagged from {wrk.BUSY})",
        )
    )
    return found


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of bench/README.md with its figure, its limit, and whether it is met."""
    s = results["scenarios"]
    latency = float(results["run"]["args"]["latency_ms"])
    cold, upstream = s["week page, cold"], s["upstream listWeek alone"]
    found = single_page_targets(results["single_pages"])
    peaks = results["memory_peak_kib"]
    peak_mib = max(peaks["widget"], default=0) / 1024
    floor_mib = max(peaks.get("libraries alone", []), default=0) / 1024
    found += [
        _target(
            f"peak memory per widget worker ≤ {MAX_WORKER_MIB} MiB (VmHWM)",
            peak_mib,
            MAX_WORKER_MIB,
            0 < peak_mib <= MAX_WORKER_MIB,
            note=f"the baseline page with the widget's fixed libraries alone: {floor_mib:.1f} MiB"
            if floor_mib
            else "",
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


def _server(row: dict[str, Any]) -> str:
    """The servers' side of one page: CPU per request, worker balance, reruns."""
    told = []
    for app in ("widget", "baseline"):
        f = row[app]
        cpu_us = 1e6 * f["server_cores"] / f["requests_per_s"] if f["requests_per_s"] else math.nan
        uneven = "" if f["balanced"] else " UNEVEN"
        told.append(f"{app} {cpu_us:.0f} µs, {f['worker_share']:.2f}, {f['reruns']}{uneven}")
    return "; ".join(told)


def print_single_pages(single: dict[str, Any]) -> None:
    """The wrk table: each warm page, the baseline page of its size, their ratios."""
    print(
        f"\nsingle pages: wrk {single['load']}, {single['rounds']} rounds x {single['seconds']} s "
        "per app, alternating with the baseline page of the same size"
    )
    head = (
        f"{'req/s':>8}{'p50':>7}{'p99':>7}{'base r/s':>9}{'b p99':>7}"
        f"{'x r/s':>7}{'x p99':>7}{'wrk cpu':>8}  >={MIN_RATE_RATIO} <={MAX_P99_RATIO}"
    )
    print(f"{'page (ms)':<31}{head}")
    for row in single["rows"]:
        ours, base = row["widget"], row["baseline"]
        rate, p99 = ratios(row)
        cpu = max(ours["wrk_busy"], base["wrk_busy"])
        valid = ours["valid"] and base["valid"]
        passed = [
            "yes" if valid and ok else ("INVALID" if not valid else "NO")
            for ok in (rate >= MIN_RATE_RATIO, p99 <= MAX_P99_RATIO)
        ]
        print(
            f"{row['page']:<31}{ours['requests_per_s']:>8.0f}{_ms(ours['p50_ms']):>7}"
            f"{_ms(ours['p99_ms']):>7}{base['requests_per_s']:>9.0f}{_ms(base['p99_ms']):>7}"
            f"{rate:>7.2f}{p99:>7.2f}{cpu:>8.2f}  {passed[0]:<6}{passed[1]}"
        )
    print("server CPU per request, busiest worker's share of it, runs made again (uneven):")
    for row in single["rows"]:
        print(f"  {row['page']:<31}{row['bytes']:>7,} bytes  " + _server(row))
    room = single["headroom"]
    main, check = room["main"], room["check"]
    verdict = "generator-capped?" if room["capped"] else "not capped"
    print(
        f"generator headroom: baseline (entry size) {main['requests_per_s']:,.0f} req/s at "
        f"{main['load']}, {check['requests_per_s']:,.0f} at {check['load']} "
        f"(x {room['ratio']:.2f}, agree within {wrk.AGREE:.0%}: "
        f"{'yes' if room['agree'] else 'NO'}); busiest wrk thread "
        f"{room['busiest_wrk_thread']:.2f} of a core (limit {wrk.BUSY}): {verdict}"
    )


def print_report(results: dict[str, Any]) -> None:
    """The run as tables on stdout."""
    run = results["run"]
    print(
        f"\nbench {run['at']}  upstream latency {run['args']['latency_ms']} ms  "
        f"gunicorn {run['args']['workers']} workers x {run['args']['threads']} threads  "
        f"load average {run['load_average_at_start'][0]:.2f} at the start, "
        f"{run['load_average'][0]:.2f} at the end"
    )
    print_single_pages(results["single_pages"])
    head = f"{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'n':>7}{'fail':>6}"
    print(f"\n{'scenario (locust)':<38}{head}")
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
