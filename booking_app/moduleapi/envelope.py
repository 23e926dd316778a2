"""Reading the `{"messageList": [...], "content": ...}` envelope, and mapping a failed
response to the error hierarchy."""

from __future__ import annotations

from typing import Any

import requests

from booking_app.moduleapi import errors


def failures_of(body: Any) -> list[tuple[str | None, str]]:
    """The `(parameter, text)` pairs of the failure messages in an envelope."""
    if not isinstance(body, dict) or not isinstance(body.get("messageList"), list):
        return []
    out: list[tuple[str | None, str]] = []
    for item in body["messageList"][:50]:
        if isinstance(item, dict) and item.get("type", "failure") not in ("success", "info"):
            parameter = item.get("parameter")
            text = str(item.get("text") or "")[:500]
            out.append((str(parameter)[:100] if parameter else None, text))
    return out


def retry_after(response: requests.Response) -> float | None:
    """The server's Retry-After hint in seconds (numeric form only), if any."""
    value = response.headers.get("Retry-After", "")
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def read(response: requests.Response, request_id: str) -> Any:
    """The `content` of a successful response; the matching error otherwise."""
    try:
        body = response.json()
    except ValueError:
        body = None
    status = response.status_code
    if 200 <= status < 300:
        if not isinstance(body, dict) or "content" not in body:
            raise errors.ResponseFormatError(
                "the answer is not a Module API envelope", status=status, request_id=request_id
            )
        return body["content"]
    failures = failures_of(body)
    summary = "; ".join(f"{p}: {t}" if p else t for p, t in failures) or response.reason or ""
    kw: dict[str, Any] = {"status": status, "failures": failures, "request_id": request_id}
    if status == 401 or status == 403:
        raise errors.AuthenticationError(f"not authorised: {summary}", **kw)
    if status == 404:
        raise errors.NotFoundError(f"not found: {summary}", **kw)
    if status == 409:
        raise errors.ConflictError(f"conflict: {summary}", **kw)
    if status == 429:
        raise errors.RateLimitError(
            f"rate limited: {summary}", retry_after=retry_after(response), **kw
        )
    if 400 <= status < 500:
        raise errors.ValidationError(f"refused: {summary}", **kw)
    raise errors.ServerError(f"server error: {summary}", **kw)
