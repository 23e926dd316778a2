"""The client's error hierarchy: every failure of the Module API is one of these.

Each carries the HTTP status (if any), the API's failure messages as
`(parameter, text)` pairs, and the request id that the log line also shows.
"""

from __future__ import annotations


class ModuleApiError(Exception):
    """Base class: the Module API could not give what was asked."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        failures: list[tuple[str | None, str]] | None = None,
        request_id: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.failures = failures or []
        self.request_id = request_id

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} (status {self.status}, request {self.request_id})" if self.status else base


class ApiConnectionError(ModuleApiError):
    """The API could not be reached or closed the connection (retryable for GETs)."""


class ApiTimeoutError(ApiConnectionError):
    """The API did not answer within the configured timeouts."""


class CircuitOpenError(ApiConnectionError):
    """Calls are failing fast because the API failed repeatedly a moment ago."""


class AuthenticationError(ModuleApiError):
    """The API refused the credentials or the token (after one renewal)."""


class NotFoundError(ModuleApiError):
    """The entity does not exist (404)."""


class ValidationError(ModuleApiError):
    """The API refused the input (400); `failures` names each offending parameter."""


class ConflictError(ModuleApiError):
    """The slot is no longer free, or the customId exists already (409)."""


class RateLimitError(ModuleApiError):
    """Too many requests (429); `retry_after` is the server's hint in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServerError(ModuleApiError):
    """The API failed (5xx)."""


class ResponseFormatError(ModuleApiError):
    """The API answered with something the client cannot understand."""
