"""Signed, expiring, stateless tokens (itsdangerous).

The widget keeps no session: the state of a booking in progress travels in the
URL and in form tokens signed with `BOOKING_SECRET_KEY`. Each kind of token has its
own salt, so a token of one kind is worthless as another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from booking_app import clock

# Every kind of token has its own salt, all here (web/state.py signs them as typed state).
FORM_SALT = "booking-form-v1"
CONFIRMATION_SALT = "booking-confirmation-v1"
PENDING_SALT = "booking-pending-v1"
MANAGE_SALT = "booking-manage-v1"


class InvalidToken(ValueError):
    """The token is malformed, tampered with, of another kind, or expired."""


@dataclass(frozen=True)
class TokenSigner:
    """Signs and checks one kind of token."""

    secret_key: str
    salt: str

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret_key, salt=self.salt)

    def sign(self, payload: dict[str, Any]) -> str:
        """A URL-safe token carrying `payload` (JSON-serialisable)."""
        return str(self._serializer().dumps(payload))

    def load(self, token: str, *, max_age: int | None = None) -> dict[str, Any]:
        """The payload of a genuine token no older than `max_age` seconds.

        A payload may carry `exp` (a Unix time) to expire at a fixed moment instead.
        """
        if not isinstance(token, str) or not token or len(token) > 4096:
            raise InvalidToken("malformed")
        try:
            payload = self._serializer().loads(token, max_age=max_age)
        except (BadSignature, UnicodeError, ValueError, TypeError) as error:
            raise InvalidToken(type(error).__name__) from None
        if not isinstance(payload, dict):
            raise InvalidToken("malformed")
        expires = payload.get("exp")
        if expires is None:
            return payload
        # `exp` is a business moment (e.g. after the appointment), so the one clock.
        if not isinstance(expires, int | float) or expires < clock.now().timestamp():
            raise InvalidToken("expired")
        return payload
