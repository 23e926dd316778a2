"""`run_once`: a change is sent once while it is in flight and its outcome shown to its
duplicates; an outcome not worth keeping (a failed upload) lets a retry run."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_caching.backends.simplecache import SimpleCache

from booking_app.web.once import run_once


def app() -> Flask:
    flask_app = Flask(__name__)
    flask_app.extensions["booking_cache"] = SimpleCache()
    return flask_app


def test_an_outcome_is_shown_to_a_repeat_and_a_failure_is_not_kept() -> None:
    calls: list[str] = []

    def upload(ok: bool) -> dict[str, Any]:
        calls.append("upload")
        return {"ok": ok}

    with app().app_context():
        kept = {"keep": lambda outcome: bool(outcome.get("ok"))}
        assert run_once("attach:x", lambda: upload(False), **kept) == {"ok": False}
        assert run_once("attach:x", lambda: upload(True), **kept) == {"ok": True}, "retried"
        assert run_once("attach:x", lambda: upload(True), **kept) == {"ok": True}
    assert calls == ["upload", "upload"], "the success is kept: not sent a third time"
