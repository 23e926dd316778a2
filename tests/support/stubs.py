"""Stand-ins for the failure modes a real server cannot produce on demand: a session
that plays back scripted answers, a cache that records timeouts or fails, a clock.
(The Module API client's unit tests: tests/moduleapi, tests/unit.)"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import requests

API = "http://api.invalid/module/v3/"  # where a client over a stub session "calls"
ORG = "f6" + "a" * 30
TEMPLATE = "fc" + "b" * 30


def response(
    status: int = 200,
    body: Any = None,
    *,
    content: Any = None,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> requests.Response:
    """A `requests.Response` with a JSON body (an envelope around `content` unless
    `body` or `raw` is given)."""
    resp = requests.Response()
    resp.status_code = status
    resp.reason = {200: "OK", 201: "Created", 404: "Not Found", 503: "Service Unavailable"}.get(
        status, "Status"
    )
    if raw is None:
        payload = body if body is not None else {"messageList": [], "content": content}
        raw = json.dumps(payload).encode()
        resp.headers["Content-Type"] = "application/json"
    resp._content = raw
    resp._content_consumed = True  # type: ignore[attr-defined]
    resp.headers.update(headers or {})
    resp.encoding = "utf-8"
    return resp


def failure(status: int, parameter: str | None = None, text: str = "Nope.") -> requests.Response:
    """An error envelope with one failure message."""
    message = {"class": "MESSAGE", "type": "failure", "parameter": parameter, "text": text}
    return response(status, {"messageList": [message], "content": None})


class StubSession(requests.Session):
    """Plays back scripted answers (responses or exceptions) and records the calls."""

    def __init__(self, answers: Iterable[requests.Response | Exception] = ()) -> None:
        super().__init__()
        self.answers = list(answers)
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def request(self, method: str, url: str, *args: Any, **kw: Any) -> requests.Response:  # type: ignore[override]
        """Record the call and play back the next scripted answer (raise it if an error)."""
        self.calls.append((method, url, kw))
        if not self.answers:
            raise AssertionError(f"unexpected call {method} {url}")
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


class OAuthAndApi(StubSession):
    """Answers the token endpoint itself; API calls get the scripted answers."""

    def __init__(self, answers: Iterable[requests.Response | Exception] = ()) -> None:
        super().__init__(answers)
        self.token_calls: list[dict[str, str]] = []
        self.issued = 0

    def request(self, method: str, url: str, *args: Any, **kw: Any) -> requests.Response:  # type: ignore[override]
        """Grant tokens at `…/oauth/token` (numbered access tokens); play back the rest."""
        if url.endswith("/oauth/token"):
            form = sent_form(kw)
            self.token_calls.append(form)
            if form["grant_type"] == "client_credentials":
                return response(body={"refresh_token": "refresh-1", "expires_in": 86400})
            self.issued += 1
            return response(body={"access_token": f"access-{self.issued}", "expires_in": 3600})
        return super().request(method, url, *args, **kw)


def sent_form(kw: dict[str, Any]) -> dict[str, str]:
    """The fields of a token request: sent as multipart (`files`), as the SDK does."""
    assert "data" not in kw or kw["data"] is None, "token requests are multipart"
    return {name: part[1] for name, part in (kw.get("files") or {}).items()}


class RecordingCache:
    """A dict with the backend interface that remembers each key's timeout."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.timeouts: dict[str, int | None] = {}

    def get(self, key: str) -> Any:
        """The value under `key`, or None."""
        return self.data.get(key)

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        """Store `value` and remember its `timeout`."""
        self.data[key] = value
        self.timeouts[key] = timeout
        return True

    def add(self, key: str, value: Any, timeout: int | None = None) -> bool:
        """Store `value` only if `key` is free; whether it was stored."""
        if key in self.data:
            return False
        return self.set(key, value, timeout)

    def delete(self, key: str) -> bool:
        """Drop `key`; whether it was there."""
        self.timeouts.pop(key, None)
        return self.data.pop(key, None) is not None

    def expire(self, prefix: str) -> None:
        """Drop every key starting with `prefix` (as if its timeout had run out)."""
        for key in [k for k in self.data if k.startswith(prefix)]:
            self.delete(key)


class BrokenCache:
    """A cache backend whose every call fails (Redis gone)."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kw: Any) -> Any:
            raise ConnectionError("cache down")

        return fail


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock `seconds` ahead."""
        self.now += seconds
