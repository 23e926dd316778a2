"""The soak: concurrent customers book through several widget processes sharing one
Redis while random faults hit the sandbox; then every promise is checked against the
sandbox's own database.

    .venv/bin/python scripts/soak.py                 # 5 minutes (300 s)
    .venv/bin/python scripts/soak.py --duration 20   # a short run

It starts a sandbox (with its control API), a redis-server and `--widgets` instances
of `booking-app serve`, all on free ports in a temporary folder, and stops them at the
end. Each customer, from its own client address, opens a service's earliest week,
picks a time, fills in the form and submits it; on a 503 it submits the same form
again (as the page invites), sometimes it double-submits to two instances at once.
Meanwhile faults are injected through `/_sandbox/faults`: 503s, dropped connections,
"commit, then hang" on bookings, slow and failing slot lists, token failures, short
total outages. Rate limits are switched off (BOOKING_RATE_LIMIT_ENABLED=0): this
measures correctness under faults, not abuse protection.

Verified against the sandbox's SQLite database (never against the widget's word):
- made:        attempts that have an appointment;
- duplicated:  extra appointments for one attempt (counted by the customer's unique
               name, so a second appointment under another customId counts too);
- lost:        attempts whose customer was shown a confirmation that has no live
               appointment behind it (or another one than shown);
- unconfirmed: attempts that were made but whose customer gave up before seeing
               the confirmation (told "not made yet" and never retried successfully);
- 500s:        responses with status 500, seen by the customers or in the widgets' logs.
Prints a summary and one JSON line (`{"event": "soak-result", …}`); exit status 1 when
anything was duplicated or lost or answered 500.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from booking_app.web.tokens import FORM_SALT, TokenSigner  # noqa: E402
from tests.support.pages import APPOINTMENT  # noqa: E402
from tests.support.redis_server import running_redis  # noqa: E402
from tests.support.sandbox import SandboxProcess, running_sandbox  # noqa: E402
from tests.support.widget_server import SECRET, Customer, running_widget  # noqa: E402

FAULTS: list[tuple[str, dict[str, Any]]] = [
    ("add-503", {"route": "appointment/add", "status": 503}),
    ("add-drop", {"route": "appointment/add", "drop": True}),
    ("add-commit-then-hang", {"route": "appointment/add", "commit_then_hang_s": 4.0}),
    ("identify-503", {"route": "identify", "status": 503}),
    ("identify-drop", {"route": "identify", "drop": True}),
    ("week-503", {"route": "listWeek", "status": 503}),
    ("slots-slow", {"route": "bookingSlot", "latency_ms": 1500}),
    ("earliest-drop", {"route": "earliest", "drop": True}),
    ("token-503", {"route": "oauth/token", "status": 503}),
    ("org-429", {"route": "organization/<org_id>/show", "status": 429, "retry_after": 1}),
]
OUTAGE_EVERY_S = 60.0
OUTAGE_FOR_S = 5.0


@dataclass
class Attempt:
    """One filled-in form: what the customer was told, and its keys for the database."""

    custom_id: str
    last_name: str
    submits: int = 0
    confirmed_id: str | None = None
    outcome: str = "pending"


@dataclass
class Tally:
    """Everything the customers saw, shared by their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    attempts: list[Attempt] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    client_errors: Counter[str] = field(default_factory=Counter)

    def status(self, code: int) -> None:
        with self.lock:
            self.statuses[code] += 1


class SoakCustomer(threading.Thread):
    """Books again and again until the deadline, through random widget instances."""

    def __init__(
        self,
        number: int,
        widgets: list[str],
        org: str,
        deadline: float,
        tally: Tally,
        rng: random.Random,
    ) -> None:
        super().__init__(name=f"customer-{number}", daemon=True)
        self.widgets = widgets
        self.org = org
        self.deadline = deadline
        self.tally = tally
        self.rng = rng
        self.customer = Customer(widgets[0], f"10.{number // 250}.{number % 250}.7", timeout=20)
        self.signer = TokenSigner(SECRET, FORM_SALT)

    def run(self) -> None:
        while time.monotonic() < self.deadline:
            try:
                self.customer.base_url = self.rng.choice(self.widgets)
                path, token = self.customer.open_form(
                    self.org, service=self.rng.randrange(4), pick=self.rng.randrange(12)
                )
            except (requests.RequestException, LookupError, IndexError) as error:
                self._error(type(error).__name__)
                time.sleep(0.3)
                continue
            attempt = Attempt(
                custom_id=str(self.signer.load(token)["k"]),
                last_name=f"Soak{uuid.uuid4().hex[:12]}",
            )
            with self.tally.lock:
                self.tally.attempts.append(attempt)
            self._book(attempt, path, token)

    def _error(self, kind: str) -> None:
        with self.tally.lock:
            self.tally.client_errors[kind] += 1

    def _submit(self, path: str, token: str, attempt: Attempt) -> requests.Response | None:
        base = self.rng.choice(self.widgets)
        try:
            if self.rng.random() < 0.1:  # a double click that reaches two instances
                other = self.rng.choice([w for w in self.widgets if w != base] or [base])
                results: list[requests.Response | None] = [None]
                twin = threading.Thread(
                    target=lambda: results.__setitem__(
                        0, self.customer.submit(path, token, other, last_name=attempt.last_name)
                    )
                )
                twin.start()
                answer = self.customer.submit(path, token, base, last_name=attempt.last_name)
                twin.join()
                if results[0] is not None:
                    self.tally.status(results[0].status_code)
                return answer
            return self.customer.submit(path, token, base, last_name=attempt.last_name)
        except requests.RequestException as error:
            self._error(type(error).__name__)
            return None

    def _book(self, attempt: Attempt, path: str, token: str) -> None:
        # After the deadline a customer still finishes the booking in hand.
        for round_ in range(10):
            attempt.submits += 1
            answer = self._submit(path, token, attempt)
            if answer is None:  # no answer at all: like a customer, try the same form again
                time.sleep(0.5 + 0.5 * round_)
                continue
            self.tally.status(answer.status_code)
            if answer.status_code == 303:
                try:
                    page = self.customer.get(answer.headers["Location"], base_url="")
                except requests.RequestException as error:
                    self._error(type(error).__name__)
                    continue
                self.tally.status(page.status_code)
                shown = APPOINTMENT.search(page.text)
                if page.status_code == 200 and shown:
                    attempt.confirmed_id = shown[1]
                    attempt.outcome = "confirmed"
                    return
                continue
            if answer.status_code in (503, 429):
                time.sleep(0.5 + 0.5 * round_)
                continue
            attempt.outcome = "slot taken" if answer.status_code == 409 else str(answer.status_code)
            return
        attempt.outcome = "gave up"


def inject_faults(
    sandbox: SandboxProcess, stop: threading.Event, tally: Tally, rng: random.Random
) -> None:
    """Random faults every 0.3 to 2 s, and a short total outage every minute."""
    next_outage = time.monotonic() + OUTAGE_EVERY_S / 2
    while not stop.wait(rng.uniform(0.3, 2.0)):
        try:
            if time.monotonic() >= next_outage:
                sandbox.add_fault(route="organization/", status=503, times=0)
                tally.faults["outage-5s"] += 1
                stop.wait(OUTAGE_FOR_S)
                sandbox.clear_faults()
                next_outage = time.monotonic() + OUTAGE_EVERY_S
                continue
            name, fault = rng.choice(FAULTS)
            sandbox.add_fault(**fault, times=rng.randint(1, 3))
            tally.faults[name] += 1
        except requests.RequestException:
            tally.faults["injection-failed"] += 1


def _last_name(data: str) -> str:
    try:
        customer = json.loads(data).get("customer") or {}
    except ValueError:
        return ""
    return str(customer.get("lastName", ""))


def verify(db: Path, attempts: list[Attempt]) -> dict[str, Any]:
    """Compare what customers were told with the sandbox's appointments."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)) as conn:
        rows = conn.execute("SELECT id, custom_id, canceled, data FROM appointment").fetchall()
    by_name: dict[str, list[tuple[str, str, int]]] = {}
    for appointment_id, custom_id, canceled, data in rows:
        name = _last_name(data)
        if name.startswith("Soak"):
            by_name.setdefault(name, []).append((appointment_id, custom_id or "", canceled))
    made = duplicated = lost = unconfirmed = 0
    for attempt in attempts:
        found = by_name.get(attempt.last_name, [])
        live = [row for row in found if not row[2]]
        if found:
            made += 1
        duplicated += max(0, len(found) - 1)
        if attempt.confirmed_id is not None:
            if not any(row[0] == attempt.confirmed_id for row in live):
                lost += 1
        elif found:
            unconfirmed += 1
    known = {a.last_name for a in attempts}
    strays = sum(len(v) for k, v in by_name.items() if k not in known)
    return {
        "attempted": len(attempts),
        "confirmed": sum(1 for a in attempts if a.confirmed_id),
        "made": made,
        "duplicated": duplicated + strays,
        "lost": lost,
        "unconfirmed": unconfirmed,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the soak; 0 when nothing was duplicated or lost and nothing answered 500."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=300.0, help="seconds (default 300)")
    parser.add_argument("--customers", type=int, default=8, help="concurrent customers")
    parser.add_argument("--widgets", type=int, default=2, help="widget instances")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument("--no-faults", action="store_true", help="a baseline without faults")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1_000_000)
    command = "scripts/soak.py " + " ".join(argv if argv is not None else sys.argv[1:])
    tally = Tally()
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="booking-soak-")))
        sandbox = stack.enter_context(running_sandbox(work, "--control"))
        redis_server = stack.enter_context(running_redis(work))
        env = {
            "BOOKING_CACHE_URL": redis_server.url,
            "BOOKING_PROXY_FIX": "1",
            "BOOKING_RATE_LIMIT_ENABLED": "0",
            "BOOKING_WORKERS": str(args.workers),
            "BOOKING_READ_TIMEOUT": "3",
        }
        widgets = [
            stack.enter_context(running_widget(work, sandbox, **env)) for _ in range(args.widgets)
        ]
        print(
            f"soak: {args.customers} customers, {len(widgets)} instances x {args.workers} "
            f"workers, one Redis, {args.duration:.0f} s, seed {seed}",
            flush=True,
        )
        started = time.monotonic()
        deadline = started + args.duration
        stop = threading.Event()
        rng = random.Random(seed)
        injector = threading.Thread(
            target=inject_faults, args=(sandbox, stop, tally, random.Random(rng.random()))
        )
        if not args.no_faults:
            injector.start()
        customers = [
            SoakCustomer(
                n,
                [w.url for w in widgets],
                sandbox.main_org,
                deadline,
                tally,
                random.Random(rng.random()),
            )
            for n in range(args.customers)
        ]
        for customer in customers:
            customer.start()
        while time.monotonic() < deadline:
            time.sleep(min(10.0, max(0.1, deadline - time.monotonic())))
            done = sum(1 for a in list(tally.attempts) if a.confirmed_id)
            print(f"  {time.monotonic() - started:5.0f} s: {done} confirmed", flush=True)
        stop.set()
        if injector.is_alive():
            injector.join()
        sandbox.clear_faults()
        for customer in customers:
            customer.join(timeout=120)
        elapsed = time.monotonic() - started
        time.sleep(1)  # let answers to hung requests settle before reading the database
        result = verify(sandbox.db, tally.attempts)
        logged_500 = sum(
            1 for w in widgets for line in w.request_lines() if line.get("status") == 500
        )
        requests_logged = sum(len(w.request_lines()) for w in widgets)
    result.update(
        event="soak-result",
        command=command,
        seconds=round(elapsed, 1),
        customers=args.customers,
        instances=args.widgets,
        workers_per_instance=args.workers,
        seed=seed,
        responses_500_seen=tally.statuses.get(500, 0),
        responses_500_logged=logged_500,
        widget_requests=requests_logged,
        statuses=dict(sorted(tally.statuses.items())),
        outcomes=dict(Counter(a.outcome for a in tally.attempts)),
        faults_injected=dict(sorted(tally.faults.items())),
        client_errors=dict(tally.client_errors),
    )
    print(
        f"attempted {result['attempted']}, made {result['made']}, "
        f"confirmed {result['confirmed']}, duplicated {result['duplicated']}, "
        f"lost {result['lost']}, unconfirmed {result['unconfirmed']}, "
        f"500s {result['responses_500_seen']} seen / {logged_500} logged"
    )
    print(json.dumps(result), flush=True)
    bad = result["duplicated"] or result["lost"] or result["responses_500_seen"] or logged_500
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
