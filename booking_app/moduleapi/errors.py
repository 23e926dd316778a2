"""The client's error hierarchy: every failure of the Module API is one of these.

Each carries the HTTP status (if any), the API's failure messages as
`(parameter, text)` pairs, and the request id that the log line also shows.

    ModuleApiError
    ├── ApiConnectionError        cannot reach the API (retryable for GETs)
    │   ├── ApiTimeoutError       no answer within the (connect, read) timeouts
    │   └── CircuitOpenError      failing fast after repeated upstream failures
    ├── AuthenticationError       401/403, or the token endpoint refused the module
    ├── NotFoundError             404, or no token can be had for the organization
    ├── ValidationError           400 and other 4xx: `failures` names the parameters
    ├── ConflictError             409: slot taken, customId exists, canceled already
    ├── RateLimitError            429: `retry_after` in seconds
    ├── ServerError               5xx
    ├── ResponseFormatError       an answer the client cannot understand
    └── FeatureOffError           not configured here (no module id): never called
"""

from __future__ import annotations

Failure = tuple[str | None, str]


class ModuleApiError(Exception):
    """Base class: the Module API could not give what was asked."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        failures: list[Failure] | None = None,
        request_id: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.failures: list[Failure] = list(failures or [])
        self.request_id = request_id

    @property
    def parameters(self) -> set[str]:
        """The request parameters the API named in its failure messages."""
        return {parameter for parameter, _ in self.failures if parameter}

    def __str__(self) -> str:
        details = []
        if self.status is not None:
            details.append(f"status {self.status}")
        if self.request_id:
            details.append(f"request {self.request_id}")
        return f"{self.message} ({', '.join(details)})" if details else self.message


class ApiConnectionError(ModuleApiError):
    """The API could not be reached or closed the connection (retryable for GETs).

    `sent` is False only when the request certainly never left (no connection could
    be made, or the breaker refused it): only then did a write certainly not happen."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        failures: list[Failure] | None = None,
        request_id: str = "",
        sent: bool = True,
    ) -> None:
        super().__init__(message, status=status, failures=failures, request_id=request_id)
        self.sent = sent


class ApiTimeoutError(ApiConnectionError):
    """The API did not answer within the configured timeouts."""


class CircuitOpenError(ApiConnectionError):
    """Calls are failing fast because the API failed repeatedly a moment ago."""


class AuthenticationError(ModuleApiError):
    """The API refused the credentials or the token (after one renewal)."""


class NotFoundError(ModuleApiError):
    """The entity does not exist (404), or the module serves no such organization."""


class ValidationError(ModuleApiError):
    """The API refused the input (400); `failures` names each offending parameter."""


class ConflictError(ModuleApiError):
    """The slot is no longer free, or the customId exists already (409)."""


class RateLimitError(ModuleApiError):
    """Too many requests (429); `retry_after` is the server's hint in seconds."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = 429,
        failures: list[Failure] | None = None,
        request_id: str = "",
    ) -> None:
        super().__init__(message, status=status, failures=failures, request_id=request_id)
        self.retry_after = retry_after


class ServerError(ModuleApiError):
    """The API failed (5xx)."""


class ResponseFormatError(ModuleApiError):
    """The API answered with something the client cannot understand."""


class FeatureOffError(ModuleApiError):
    """The route needs configuration this widget lacks (e.g. `BOOKING_MODULE_ID`), so it
    was not called."""
