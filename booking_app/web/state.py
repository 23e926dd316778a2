"""The state that travels in signed tokens, as typed objects.

The widget keeps no session: a booking in progress lives in the details form's token,
a booking made in the confirmation link's, a booked appointment in the manage link's.
Each is a frozen dataclass with `to_payload` / `from_payload`. The payloads keep short
keys (tokens sit in URLs and in every form), but only these two functions know them;
`from_payload` refuses any payload that is not exactly what `to_payload` writes, so a
genuine token of another shape (or an older version) is refused, not half-read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from flask import current_app

from booking_app.web.tokens import (
    CONFIRMATION_SALT,
    FORM_SALT,
    MANAGE_SALT,
    PENDING_SALT,
    InvalidToken,
    TokenSigner,
)


def _text(data: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise InvalidToken(f"{key} is not text")
    return value


def _texts(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidToken(f"{key} is not a list of texts")
    return tuple(value)


def _instant(data: Mapping[str, Any], key: str) -> datetime:
    try:
        moment = datetime.fromisoformat(_text(data, key))
    except ValueError:
        raise InvalidToken(f"{key} is not a time") from None
    if moment.tzinfo is None:
        raise InvalidToken(f"{key} has no zone")
    return moment


def _count(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key, 1)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100:
        raise InvalidToken(f"{key} is not a seat count")
    return value


def _utm(data: Mapping[str, Any], key: str) -> dict[str, str]:
    value = data.get(key, {})
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidToken(f"{key} is not campaign data")
    return dict(value)


@dataclass(frozen=True)
class FormState:
    """A booking in progress: the details form's token."""

    org_id: str
    template_id: str
    slot_id: str
    start: datetime  # the chosen start (aware)
    custom_id: str  # the idempotency key, sent upstream as the appointment's customId
    zone: str  # the customer's time zone
    staff: str = ""  # the staff chosen in the week view ("" = anyone)
    seats_cap: int = 1  # how many seats the form may offer (courses)
    campaign: Mapping[str, str] | None = None  # the host page's utm_*, for additionalData

    def to_payload(self) -> dict[str, Any]:
        """The compact, JSON-ready payload."""
        payload: dict[str, Any] = {
            "o": self.org_id,
            "t": self.template_id,
            "s": self.slot_id,
            "a": self.start.isoformat(),
            "k": self.custom_id,
            "z": self.zone,
            "st": self.staff,
        }
        if self.seats_cap > 1:
            payload["n"] = self.seats_cap
        if self.campaign:
            payload["u"] = dict(self.campaign)
        return payload

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> FormState:
        """The state `to_payload` wrote; InvalidToken for anything else."""
        return cls(
            org_id=_text(data, "o"),
            template_id=_text(data, "t"),
            slot_id=_text(data, "s"),
            start=_instant(data, "a"),
            custom_id=_text(data, "k"),
            zone=_text(data, "z", ""),
            staff=_text(data, "st", ""),
            seats_cap=_count(data, "n"),
            campaign=_utm(data, "u") or None,
        )


@dataclass(frozen=True)
class PendingState:
    """A booking whose outcome is being confirmed: the confirming page's token."""

    form: FormState
    since: int  # Unix time of the submit: the confirming page checks for a bounded time
    seats: int = 1

    def to_payload(self) -> dict[str, Any]:
        """The compact, JSON-ready payload."""
        return {"f": self.form.to_payload(), "w": self.since, "n": self.seats}

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> PendingState:
        """The state `to_payload` wrote; InvalidToken for anything else."""
        form = data.get("f")
        since = data.get("w")
        if not isinstance(form, dict):
            raise InvalidToken("f is not a form")
        if not isinstance(since, int) or isinstance(since, bool):
            raise InvalidToken("w is not a Unix time")
        return cls(form=FormState.from_payload(form), since=since, seats=_count(data, "n"))


@dataclass(frozen=True)
class ConfirmationState:
    """A booking just made, as its answer said: the confirmation link's token."""

    org_id: str
    template_id: str
    appointment_id: str
    start: datetime
    end: datetime
    resource_ids: tuple[str, ...]
    zone: str  # the customer's time zone
    group: tuple[str, ...] = ()  # the further seats' appointments (courses)
    attached: bool | None = None  # whether the customer's file arrived (None: no file)
    mailed_to: str = ""  # the address the confirmation e-mail goes to, masked (z…@example.com)

    def to_payload(self) -> dict[str, Any]:
        """The compact, JSON-ready payload."""
        return {
            "m": self.mailed_to,
            "f": self.attached,
            "g": list(self.group),
            "o": self.org_id,
            "t": self.template_id,
            "id": self.appointment_id,
            "s": self.start.astimezone(UTC).isoformat(),
            "e": self.end.astimezone(UTC).isoformat(),
            "r": list(self.resource_ids),
            "z": self.zone,
        }

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> ConfirmationState:
        """The state `to_payload` wrote; InvalidToken for anything else."""
        attached = data.get("f")
        if attached is not None and not isinstance(attached, bool):
            raise InvalidToken("f is not a flag")
        return cls(
            org_id=_text(data, "o"),
            template_id=_text(data, "t"),
            appointment_id=_text(data, "id"),
            start=_instant(data, "s"),
            end=_instant(data, "e"),
            resource_ids=_texts(data, "r"),
            zone=_text(data, "z", ""),
            group=_texts(data, "g"),
            attached=attached,
            mailed_to=_text(data, "m", ""),
        )


@dataclass(frozen=True)
class ManageRef:
    """A booked appointment: what a manage link names."""

    org_id: str
    appointment_id: str
    template_id: str
    zone: str  # the customer's time zone
    group: tuple[str, ...] = ()  # the further seats of a booking of several course seats
    expires: int = 0  # Unix time; the pages also stop once the appointment has ended

    def to_payload(self) -> dict[str, Any]:
        """The compact, JSON-ready payload (`exp` is checked by `TokenSigner.load`)."""
        return {
            "g": list(self.group),
            "o": self.org_id,
            "id": self.appointment_id,
            "t": self.template_id,
            "z": self.zone,
            "exp": self.expires,
        }

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> ManageRef:
        """The reference `to_payload` wrote; InvalidToken for anything else."""
        expires = data.get("exp", 0)
        if not isinstance(expires, int) or isinstance(expires, bool):
            raise InvalidToken("exp is not a Unix time")
        return cls(
            org_id=_text(data, "o"),
            appointment_id=_text(data, "id"),
            template_id=_text(data, "t"),
            zone=_text(data, "z", ""),
            group=_texts(data, "g"),
            expires=expires,
        )


S = TypeVar("S", FormState, PendingState, ConfirmationState, ManageRef)


@dataclass(frozen=True)
class StateTokens(Generic[S]):
    """Signs one kind of state into tokens and reads it back (its own salt)."""

    salt: str
    kind: type[S]

    def _signer(self) -> TokenSigner:
        return TokenSigner(current_app.config["SECRET_KEY"], self.salt)

    def sign(self, state: S) -> str:
        """A URL-safe token carrying `state`."""
        return self._signer().sign(state.to_payload())

    def load(self, token: str, *, max_age: int | None = None) -> S:
        """The state of a genuine token no older than `max_age` seconds; InvalidToken
        for a malformed, tampered, expired or foreign one, or one of another shape."""
        return self.kind.from_payload(self._signer().load(token, max_age=max_age))


FORM_TOKENS = StateTokens(FORM_SALT, FormState)
PENDING_TOKENS = StateTokens(PENDING_SALT, PendingState)
CONFIRMATION_TOKENS = StateTokens(CONFIRMATION_SALT, ConfirmationState)
MANAGE_TOKENS = StateTokens(MANAGE_SALT, ManageRef)
