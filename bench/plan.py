"""What the benchmark asks for: URLs found by walking the widget like a customer.

Only the widget's own pages are used to find them (no ids are hard-coded, dates are
from today), so the plan follows whatever the demo seed and the templates offer.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import requests

from bench.page_weight import time_values
from booking_app.web.slot_choice import decode_start
from tests.support.clock import BUSINESS_ZONE
from tests.support.clock import today as business_today

SERVICE = re.compile(r'href="([^"]*/s/fc[^"]*)"')


@dataclass
class Plan:
    """The URLs of every scenario."""

    entry: str
    week: str
    week_bytes: int
    entry_bytes: int
    times: str  # the service without a query: the month grid and the earliest day's times
    times_bytes: int
    cold_weeks: list[str] = field(default_factory=list)
    probe_weeks: list[str] = field(default_factory=list)  # the same kind, asked upstream
    journeys: list[dict[str, str]] = field(default_factory=list)


def fetch_page(session: requests.Session, url: str) -> requests.Response:
    """`url` itself, which must answer 200 (not a redirect: wrk would count that as
    a page)."""
    page = session.get(url, timeout=30, allow_redirects=False)
    if page.status_code != 200:
        raise RuntimeError(f"{url} answered HTTP {page.status_code}, not 200")
    return page


def with_week(url: str, week: str) -> str:
    """`url` with `week=` added to its query (links may carry a query already)."""
    return f"{url}{'&' if '?' in url else '?'}week={week}"


def iso_week(day: date) -> str:
    """`2026-W49`."""
    cal = day.isocalendar()
    return f"{cal.year}-W{cal.week:02d}"


def weeks_from(first: date, last: date) -> list[str]:
    """ISO weeks from the week of `first` to the week of `last`."""
    found, day = [], first
    while day <= last:
        found.append(iso_week(day))
        day += timedelta(days=7)
    return found


def apart(values: list[str], gap_s: int) -> list[str]:
    """Times (the week view's values, `encode_start`) at least `gap_s` seconds apart:
    two bookings of overlapping times could take one person twice, and one would be
    refused."""
    kept: list[str] = []
    last = None
    for value in values:
        decoded = decode_start(value)
        if decoded is None:
            continue
        start = int(decoded.timestamp())
        if last is None or start >= last + gap_s:
            kept.append(value)
            last = start
    return kept


def make_plan(
    widget: str,
    org: str,
    *,
    journeys: int,
    cold: int,
    lang: str = "en",
    seed: int = 8,
    gap_s: int = 3600,
) -> Plan:
    """Find the entry page, a full week of the first service, its date-first page (the
    month grid with the earliest day's times), `cold` never-asked weeks
    (and as many for the upstream probe), and `journeys` free times that do not
    overlap (`gap_s` apart: longer than the service)."""
    session = requests.Session()
    entry = f"/{lang}/o/{org}/?here=1"
    page = fetch_page(session, widget + entry)
    services = list(dict.fromkeys(unescape(s) for s in SERVICE.findall(page.text)))
    if not services:
        raise RuntimeError(f"{entry} (HTTP {page.status_code}) lists no services")
    today = business_today()
    # Next week: whole days only, whatever the time of day the benchmark runs.
    week = with_week(services[0], iso_week(today + timedelta(days=7)))
    week_page = fetch_page(session, widget + week)
    times = urlsplit(services[0]).path
    times_page = fetch_page(session, widget + times)
    plan = Plan(
        entry=entry,
        week=week,
        week_bytes=len(week_page.content),
        entry_bytes=len(page.content),
        times=times,
        times_bytes=len(times_page.content),
    )
    # Journeys book the first service from the week after next on: the warm week page
    # keeps its free times, and each journey has a time nobody else books.
    offset = 2
    while len(plan.journeys) < journeys:
        url = with_week(services[0], iso_week(today + timedelta(days=7 * offset)))
        html = session.get(widget + url, timeout=30).text
        action, values = time_values(html)
        for value in apart(values, gap_s):
            start = decode_start(value)
            assert start is not None, value
            # A customer sees the date-first page of the time's day (the month's list).
            day = start.astimezone(BUSINESS_ZONE).date().isoformat()
            plan.journeys.append(
                {
                    "entry": entry,
                    "week": f"{services[0]}{'&' if '?' in services[0] else '?'}day={day}",
                    "value": value,
                    "form": action.format(value),
                    "action": action.split("?")[0],
                }
            )
        offset += 1
        if offset > 60:
            raise RuntimeError(f"fewer than {journeys} free times in 60 weeks")
    del plan.journeys[journeys:]
    # Cold: weeks of every service that nobody asked for yet (from week 8 on).
    last = date(today.year + 1, 12, 31)
    candidates = [
        with_week(service, w)
        for service in services
        for w in weeks_from(today + timedelta(days=7 * 8), last)
    ]
    random.Random(seed).shuffle(candidates)
    plan.cold_weeks = candidates[0 : 2 * cold : 2]
    plan.probe_weeks = candidates[1 : 2 * cold : 2]
    return plan


def list_week_path(week_url: str) -> str:
    """The Module API's listWeek path (after `{lang}/`) for a widget week URL."""
    parts = urlsplit(week_url)
    match = re.search(r"/o/([^/]+)/s/([^/]+)/", parts.path)
    assert match, week_url
    query = parse_qs(parts.query)
    assert "week" in query, week_url
    year, week = query["week"][0].split("-W")
    return (
        f"organization/{match[1]}/bookingTemplate/{match[2]}"
        f"/bookingSlot/year/{int(year)}/week/{int(week)}/listWeek"
    )
