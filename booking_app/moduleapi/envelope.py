"""Reading the `{"messageList": [...], "content": ...}` envelope, and mapping a failed
response to the error hierarchy."""

from __future__ import annotations

import json
import logging
import re
import time
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from booking_app.moduleapi import errors

log = logging.getLogger("booking_app.moduleapi")
MAX_MESSAGES = 50
MAX_MESSAGE_TEXT = 500
MAX_PARAMETER = 100


def failures_of(body: Any) -> list[errors.Failure]:
    """The `(parameter, text)` pairs of the failure messages in an envelope.

    Messages typed `success` or `info` are not failures; a message without a type is.
    """
    if not isinstance(body, dict) or not isinstance(body.get("messageList"), list):
        return []
    out: list[errors.Failure] = []
    for item in body["messageList"][:MAX_MESSAGES]:
        if not isinstance(item, dict) or item.get("type", "failure") in ("success", "info"):
            continue
        parameter = item.get("parameter")
        text = item.get("text")
        out.append(
            (
                str(parameter)[:MAX_PARAMETER] if parameter else None,
                str(text)[:MAX_MESSAGE_TEXT] if text is not None else "",
            )
        )
    return out


def retry_after(response: requests.Response, now: float | None = None) -> float | None:
    """The server's Retry-After hint in seconds (delta-seconds or an HTTP date), if any."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = moment.timestamp() - (time.time() if now is None else now)
        return max(seconds, 0.0)
    return seconds if seconds >= 0 and seconds == seconds else None


def read(response: requests.Response, request_id: str) -> Any:
    """The `content` of a successful response; the matching error otherwise."""
    try:
        body = response.json()
    except (ValueError, RecursionError):  # not JSON, or nested too deep to parse
        body = None
    status = response.status_code
    if 200 <= status < 300:
        if not isinstance(body, dict) or "content" not in body:
            kind = "JSON without an envelope" if body is not None else "no JSON"
            raise errors.ResponseFormatError(
                f"the answer is not a Module API envelope ({kind})",
                status=status,
                request_id=request_id,
            )
        return body["content"]
    error = error_for(response, body, request_id)
    _log_failure(error)
    raise error


_EMAIL = re.compile(r"[^\s@]+@[^\s@]+")
_DIGITS = re.compile(r"\+?\d[\d ()./-]{5,}\d")


def _log_failure(error: errors.ModuleApiError) -> None:
    """Log a failed answer with its message list. The texts are the API's, but may echo
    a value a customer typed: anything like an email or a phone number is masked."""
    messages = [
        {"parameter": p, "text": _DIGITS.sub("[number]", _EMAIL.sub("[email]", t))[:200]}
        for p, t in error.failures
    ]
    level = logging.WARNING if (error.status or 0) >= 500 or error.status == 429 else logging.INFO
    log.log(
        level,
        "moduleapi failure %s %s rid=%s messages=%s",
        error.status,
        type(error).__name__,
        error.request_id,
        json.dumps(messages, ensure_ascii=False),
    )


def error_for(response: requests.Response, body: Any, request_id: str) -> errors.ModuleApiError:
    """The error that a failed response (status 3xx, 4xx or 5xx) stands for."""
    status = response.status_code
    failures = failures_of(body)
    summary = "; ".join(f"{p}: {t}" if p else t for p, t in failures) or response.reason or ""
    kw: dict[str, Any] = {"status": status, "failures": failures, "request_id": request_id}
    if status in (401, 403):
        return errors.AuthenticationError(f"not authorised: {summary}", **kw)
    if status == 404:
        return errors.NotFoundError(f"not found: {summary}", **kw)
    if status == 409:
        return errors.ConflictError(f"conflict: {summary}", **kw)
    if status == 429:
        return errors.RateLimitError(
            f"rate limited: {summary}", retry_after=retry_after(response), **kw
        )
    if 400 <= status < 500:
        return errors.ValidationError(f"refused: {summary}", **kw)
    if status >= 500:
        return errors.ServerError(f"server error: {summary}", **kw)
    return errors.ResponseFormatError(f"unexpected status: {summary}", **kw)
