"""The exactly-once figures for every sandbox switch setting (issue 15's closing note).

Usage: .venv/bin/python scripts/fidelity_figures.py

Starts a sandbox with its control API, a Redis and `booking-app serve` (two workers
sharing that Redis; and two workers without it), then for the defaults and each
setting of tests/support/sandbox_behaviour.VARIANTS prints:

- 20 concurrent submits of one form: appointments made, `appointment/add` calls
  upstream, and how many of the 20 ended on the confirmation (with Redis; and the
  add calls without Redis);
- 20 concurrent submits of a 2-seat course booking: the seats held afterwards;
- a write still in flight past the read timeout: whether the customer reached the
  confirmation and how many add calls were sent;
- the entry page's status and whether it lists services.

The assertions of the same scenarios are tests/integration/test_fidelity.py.
"""

from __future__ import annotations

import sys
import tempfile
import time
from html import unescape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from booking_app.web.tokens import FORM_SALT, TokenSigner
from tests.integration.test_fidelity import (
    CHECK_URL,
    READ_TIMEOUT,
    SETTINGS,
    adds,
    appointments,
    open_seats_form,
    seat_appointments,
    twenty_at_once,
)
from tests.support.pages import service_names
from tests.support.redis_server import running_redis
from tests.support.sandbox import SandboxProcess, running_sandbox
from tests.support.sandbox_behaviour import behaving, ids
from tests.support.widget_server import SECRET, Customer, WidgetServer, running_widget

_addresses = iter(f"192.0.2.{n}" for n in range(1, 250))


def key_of(token: str) -> str:
    return str(TokenSigner(SECRET, FORM_SALT).load(token)["k"])


def one_form(server: WidgetServer, sandbox: SandboxProcess) -> tuple[str, str, int]:
    """20 submits of one form: (appointments, add calls, confirmations)."""
    customer = Customer(server.url, next(_addresses))
    path, token = customer.open_form(sandbox.main_org, service=1)
    sandbox.reset_counters()
    statuses = twenty_at_once(customer, path, token)
    made = len([r for r in appointments(sandbox.db, key_of(token)) if not r["canceled"]])
    return str(made), str(adds(sandbox)), statuses.count(200)


def two_seats(server: WidgetServer, sandbox: SandboxProcess) -> str:
    """20 submits of a 2-seat booking: the seats held afterwards."""
    customer = Customer(server.url, next(_addresses))
    path, token = open_seats_form(customer, sandbox)
    twenty_at_once(customer, path, token, seats="2")
    live = [r for r in seat_appointments(sandbox.db, key_of(token)) if not r["canceled"]]
    return str(len(live))


def in_flight(server: WidgetServer, sandbox: SandboxProcess) -> tuple[str, str]:
    """A write that answers after the read timeout: (the end the customer reached,
    add calls)."""
    customer = Customer(server.url, next(_addresses))
    path, token = customer.open_form(sandbox.main_org, service=0)
    sandbox.reset_counters()
    sandbox.add_fault(route="appointment/add", latency_ms=(READ_TIMEOUT + 1) * 1000)
    answer = customer.submit(path, token)
    first = answer.status_code
    deadline = time.monotonic() + 30
    while answer.status_code == 202 and time.monotonic() < deadline:
        found = CHECK_URL.search(answer.text)
        assert found
        time.sleep(1)
        answer = customer.http.get(
            server.url + unescape(found[1]), allow_redirects=False, timeout=15
        )
    sandbox.clear_faults()
    end = "confirmation" if answer.status_code == 303 else str(answer.status_code)
    return f"{first} → {end}", str(adds(sandbox))


def entry(server: WidgetServer, sandbox: SandboxProcess) -> str:
    customer = Customer(server.url, next(_addresses))
    page = customer.get(f"/en/o/{sandbox.main_org}/?here=1")
    return f"{page.status_code}, {len(service_names(page.text))} services"


def main() -> None:
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        with (
            running_sandbox(work, "--control") as sandbox,
            running_redis(work) as redis,
            running_widget(
                work,
                sandbox,
                BOOKING_CACHE_URL=redis.url,
                BOOKING_WORKERS="2",
                BOOKING_PROXY_FIX="1",
                BOOKING_READ_TIMEOUT=str(READ_TIMEOUT),
            ) as shared,
            running_widget(
                work,
                sandbox,
                BOOKING_WORKERS="2",
                BOOKING_PROXY_FIX="1",
                BOOKING_RATE_LIMIT_ENABLED="0",
            ) as alone,
        ):
            for switches in SETTINGS:
                with behaving(sandbox, **switches):
                    made, sent, confirmed = one_form(shared, sandbox)
                    _made, sent_alone, _confirmed = one_form(alone, sandbox)
                    reached, flight_adds = in_flight(shared, sandbox)
                    seats = two_seats(shared, sandbox)
                    rows.append(
                        [
                            ids(switches),
                            made,
                            sent,
                            f"{confirmed}/20",
                            sent_alone,
                            seats,
                            reached,
                            flight_adds,
                            entry(shared, sandbox),
                        ]
                    )
                    print(" | ".join(rows[-1]), file=sys.stderr, flush=True)
    head = [
        "setting",
        "appointments (20 submits)",
        "adds, Redis",
        "confirmations",
        "adds, no Redis (2 workers)",
        "seats (2-seat ×20)",
        "in-flight write",
        "adds",
        "entry page",
    ]
    print("| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
