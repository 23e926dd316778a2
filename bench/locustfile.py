"""Locust users for `bench/run.py` (run headless as a child process by bench/loadgen.py).

The scenario comes from the JSON file named by `BENCH_SPEC` (see `loadgen.Spec`):

- `OnceUser` asks for each of `paths` exactly once (cold caches), then the run ends;
- `JourneyUser` makes each booking of `journeys` once: entry, week, form, book,
  confirmation. Each journey books a different slot, so none is refused as taken.

Every request's end time, name, duration (ms) and outcome go to the file `samples`
names, written when locust quits; bench/loadgen.py computes the figures from it.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import deque
from html import unescape
from typing import Any

import gevent
from locust import constant, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment
from locust.exception import StopUser

SPEC: dict[str, Any] = json.loads(open(os.environ["BENCH_SPEC"]).read())  # noqa: SIM115
SAMPLES: list[tuple[float, str, float, bool]] = []
TIMES: dict[str, float] = {}
TOKEN = re.compile(r'name="token" value="([^"]+)"')
QUEUE: deque[Any] = deque(SPEC.get("journeys") or SPEC.get("paths") or [])
PENDING = [len(QUEUE)]  # items not yet finished; the run ends when it reaches 0


def _record(name: str, response_time: float, exception: Any, **_: Any) -> None:
    SAMPLES.append((time.time(), name, float(response_time), exception is None))


def _started(**_: Any) -> None:
    TIMES["start"] = time.time()


def _write(**_: Any) -> None:
    TIMES.setdefault("stop", time.time())
    with open(SPEC["samples"], "w") as out:
        json.dump({**TIMES, "samples": SAMPLES}, out)


events.request.add_listener(_record)  # type: ignore[no-untyped-call]
events.test_start.add_listener(_started)  # type: ignore[no-untyped-call]
events.quitting.add_listener(_write)  # type: ignore[no-untyped-call]


def _finished(environment: Environment) -> None:
    """One queued item is done; after the last one, stop the run."""
    PENDING[0] -= 1
    if PENDING[0] == 0 and environment.runner is not None:
        TIMES["stop"] = time.time()
        gevent.spawn_later(0.05, environment.runner.quit)


class OnceUser(FastHttpUser):
    """Each page of the shared queue once (cold caches): nobody asks for it again."""

    wait_time = constant(0)

    @task
    def page(self) -> None:
        """The next page nobody has asked for yet."""
        if not QUEUE:
            raise StopUser()
        path = QUEUE.popleft()
        self.client.get(path, name=SPEC["name"])
        _finished(self.environment)


class JourneyUser(FastHttpUser):
    """Customers, one after another, each booking the slot assigned to it."""

    wait_time = constant(0)

    @task
    def journey(self) -> None:
        """Entry → week → form → book → confirmation, for the next slot."""
        if not QUEUE:
            raise StopUser()
        plan = QUEUE.popleft()
        try:
            self._book(plan)
        finally:
            _finished(self.environment)

    def _step(self, name: str, path: str, **kwargs: Any) -> Any:
        with self.client.request(
            kwargs.pop("method", "GET"),
            path,
            name=f"journey: {name}",
            catch_response=True,
            allow_redirects=False,
            **kwargs,
        ) as response:
            expected = 303 if name == "book" else 200
            if response.status_code != expected:
                response.failure(f"{name}: HTTP {response.status_code}")
                return None
            return response

    def _book(self, plan: dict[str, str]) -> None:
        began = time.perf_counter()
        if not self._step("entry", plan["entry"]):
            return
        week = self._step("week", plan["week"])
        if not week:
            return
        if plan["value"] not in (week.text or ""):
            events.request.fire(  # type: ignore[no-untyped-call]
                request_type="CHECK",
                name="journey: slot shown",
                response_time=0,
                response_length=0,
                exception=AssertionError("the assigned slot is not on the week page"),
                context={},
            )
        form = self._step("form", plan["form"])
        token = TOKEN.search(form.text or "") if form else None
        if not token:
            return
        booked = self._step(
            "book",
            plan["action"],
            method="POST",
            data={**SPEC["details"], "token": unescape(token[1])},
        )
        if not booked:
            return
        if self._step("confirmation", booked.headers["Location"]):
            events.request.fire(  # type: ignore[no-untyped-call]
                request_type="JOURNEY",
                name="journey (all steps)",
                response_time=(time.perf_counter() - began) * 1000,
                response_length=0,
                exception=None,
                context={},
            )
