"""Switches: the sandbox plays each plausible answer of the real API where it is unknown.

module-api.md lists what a widget must not rely on (is `customId` unique? what does
`identify` return? which status refuses a taken slot? …). Each such unknown is a
switch here, with today's behaviour as its default. A sandbox starts with
`--behave key=value` (repeatable) and, with `--control`, the control API changes the
setting at run time (`PUT /_sandbox/behaviour`), so one widget test can run against
every setting.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app

MAX_DELAY_MS = 120_000

# switch -> its settings, the default first
CHOICES: dict[str, tuple[str, ...]] = {
    "repeated_custom_id": ("refused", "accepted"),
    "add_answer": ("full", "id", "sdk"),
    "taken_slot": ("409", "400"),
    "module_routes": ("served", "403", "404"),
    "i18n": ("lists", "maps"),
    "identify": ("one", "list"),
    "identify_cancelled": ("found", "hidden"),
}
DELAYS = ("write_delay_before_ms", "write_delay_after_ms")


@dataclass(frozen=True)
class Behaviour:
    """One setting of every switch (immutable: changes make a new one)."""

    repeated_custom_id: str = "refused"
    add_answer: str = "full"
    taken_slot: str = "409"
    module_routes: str = "served"
    write_delay_before_ms: int = 0
    write_delay_after_ms: int = 0
    i18n: str = "lists"
    identify: str = "one"
    identify_cancelled: str = "found"

    def __post_init__(self) -> None:
        for name, choices in CHOICES.items():
            if getattr(self, name) not in choices:
                raise ValueError(_bad_value(name, getattr(self, name)))
        for name in DELAYS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(_bad_value(name, value))
            if not 0 <= value <= MAX_DELAY_MS:
                raise ValueError(_bad_value(name, value))

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        """Every switch's name, in declaration order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_pairs(cls, pairs: Iterable[str]) -> Behaviour:
        """The defaults changed by `["key=value", …]` (the `--behave` flags)."""
        changes: dict[str, Any] = {}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if not sep:
                raise ValueError(f"{pair!r} is not KEY=VALUE (keys: {', '.join(cls.keys())})")
            changes[key.strip()] = value.strip()
        return cls().with_changes(changes)

    def with_changes(self, changes: Mapping[str, Any]) -> Behaviour:
        """A new Behaviour with `changes` applied; ValueError naming a bad key or value."""
        if not isinstance(changes, Mapping):
            raise ValueError("the switches are a JSON object of key: value")
        known = self.keys()
        for key in changes:
            if key not in known:
                raise ValueError(f"unknown switch {key!r} (switches: {', '.join(known)})")
        return dataclasses.replace(self, **{k: _coerce(k, v) for k, v in changes.items()})

    def as_dict(self) -> dict[str, str | int]:
        """Every switch and its setting, as the control API shows them."""
        return dataclasses.asdict(self)

    @property
    def taken_slot_status(self) -> int:
        """The status that refuses a slot no longer free."""
        return int(self.taken_slot)

    @property
    def module_routes_status(self) -> int | None:
        """The status every `module/{moduleId}/…` route answers, or None when served."""
        return None if self.module_routes == "served" else int(self.module_routes)


def _bad_value(key: str, value: Any) -> str:
    if key in CHOICES:
        return f"bad value {value!r} for switch {key!r} (one of: {', '.join(CHOICES[key])})"
    return f"bad value {value!r} for switch {key!r} (milliseconds 0..{MAX_DELAY_MS})"


def _coerce(key: str, value: Any) -> Any:
    """Text from a flag or JSON value to the switch's type (validation follows)."""
    if isinstance(value, bool):
        raise ValueError(_bad_value(key, value))
    if key in DELAYS:
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                raise ValueError(_bad_value(key, value)) from None
        return value
    if isinstance(value, int):  # {"taken_slot": 400}
        return str(value)
    return value


def behaviour() -> Behaviour:
    """The running sandbox's current setting (in a request or app context)."""
    value: Behaviour = current_app.extensions["sandbox_behaviour"]
    return value


# Reshaping answers ----------------------------------------------------------------


def i18n_map(value: Any) -> Any:
    """`[{"key": "en", "value": "…"}, …]` as `{"en": "…"}`; `[]` and other shapes stay."""
    if not isinstance(value, list) or not value:
        return value
    if not all(isinstance(i, dict) and "key" in i and "value" in i for i in value):
        return value
    return {str(i["key"]): i["value"] for i in value}


def i18n_as_maps(content: Any) -> Any:
    """A copy of `content` with every `…I18nList` field as a language-keyed map."""
    if isinstance(content, list):
        return [i18n_as_maps(v) for v in content]
    if not isinstance(content, dict):
        return content
    return {
        k: i18n_map(v) if k.endswith("I18nList") else i18n_as_maps(v) for k, v in content.items()
    }


SDK_STRING_NUMBERS = ("duration", "priceGross", "taxRate")
ADDRESS_FIELDS = ("name", "extra", "street", "zip", "city", "country")


def sdk_appointment(appointment: dict[str, Any]) -> dict[str, Any]:
    """An APPOINTMENT in the shape of the SDK's sample answer of `appointment/add`."""
    out = dict(appointment)
    out["customer"] = []
    out["nameI18nList"] = []
    out["descriptionI18nList"] = i18n_map(appointment.get("descriptionI18nList"))
    out["bookingResourceList"] = []
    out["fileList"] = []
    out["address"] = _flat_address(appointment.get("address"))
    for key in SDK_STRING_NUMBERS:
        value = out.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[key] = str(value)
    return out


def _flat_address(address: Any) -> Any:
    if not isinstance(address, dict) or not address:
        return []
    geo = address.get("geoCoordinates") or {}
    flat = {k: address.get(k) for k in ADDRESS_FIELDS}
    flat["latitude"] = address.get("latitude", geo.get("latitude"))
    flat["longitude"] = address.get("longitude", geo.get("longitude"))
    return flat
