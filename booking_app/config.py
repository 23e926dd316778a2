"""Settings from `BOOKING_*` environment variables, validated at start-up.

A widget that starts with a typo in its configuration fails later, in front of a
customer. So every variable is parsed here, once, and a missing or malformed one
stops the process with a message that names the variable and what it expects.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import urlsplit

from booking_app.clock import NOW_VARIABLE, SINCE_VARIABLE, Clock, ClockError

DEFAULT_API_URL = "https://api.bookingtime.com/module/v3/"
DEFAULT_OAUTH_URL = "https://auth.bookingtime.com/oauth/token"
_ORG_ID = re.compile(r"^f6[0-9A-Za-z]{30}$")
_MODULE_ID = re.compile(r"^23[0-9A-Za-z]{30}$")
_ENTITY_TYPE = re.compile(r"^[A-Za-z0-9_-]{1,60}$")
_METRICS_TOKEN = re.compile(r"^[A-Za-z0-9._~+/=-]{16,200}$")  # a bearer token (RFC 6750)
_SOURCE = re.compile(
    r"^('self'|'none'|\*|(https?://)?(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?|https?:)$"
)


class ConfigError(ValueError):
    """A required setting is missing or a setting is malformed."""


@dataclass(frozen=True)
class Settings:
    """The widget's validated configuration (see the README's table)."""

    module_api_url: str = DEFAULT_API_URL
    oauth_url: str = DEFAULT_OAUTH_URL
    client_id: str = ""
    client_secret: str = ""
    module_id: str = ""  # no default: the SDK keeps it apart from the client id
    # Custom entity types offered as a choice (operator-named; the API lists no types).
    custom_entity_types: tuple[str, ...] = ()
    secret_key: str = ""
    # Production (see the README's "Running at scale").
    proxy_fix: int = 0
    behind_https: bool = False
    rate_limit_enabled: bool = True
    rate_limit_writes: str = "10 per minute"
    rate_limit_browsing: str = "120 per minute"
    rate_limit_pages: str = "300 per minute"
    # /metrics for Prometheus, only with this bearer token (none: no /metrics at all).
    metrics_token: str = ""
    default_organization: str = ""
    frame_ancestors: tuple[str, ...] = ("'self'",)
    cache_url: str = ""
    connect_timeout: float = 3.05
    read_timeout: float = 10.0
    demo: bool = False
    theme_dir: str = ""
    template_overrides: str = ""
    preview: bool = False
    # The one clock (booking_app/clock.py): start at this instant, for demos and tests.
    now: str = ""
    now_since: str = ""

    @property
    def preview_enabled(self) -> bool:
        """The operator preview page: on when asked for, and always in demo mode."""
        return self.preview or self.demo


_ENV_NAMES = {f.name: "BOOKING_" + f.name.upper() for f in fields(Settings)}


def load_settings(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Read settings from `environ` (default: the process environment), then apply
    `overrides` (keyword names of `Settings`), and validate the result."""
    env = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    for name, var in _ENV_NAMES.items():
        if var in env:
            raw[name] = env[var]
    raw.update(overrides or {})
    unknown = set(raw) - set(_ENV_NAMES)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    settings = Settings(**{k: _convert(k, v) for k, v in raw.items()})
    return _validate(settings)


def _convert(name: str, value: Any) -> Any:
    var = _ENV_NAMES[name]
    if name in _PRODUCTION_CONVERTERS:
        return _PRODUCTION_CONVERTERS[name](var, value)
    if name in {"connect_timeout", "read_timeout"}:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{var} must be a number of seconds, not {value!r}") from None
        if not 0 < number <= 120:
            raise ConfigError(f"{var} must be between 0 and 120 seconds, not {value!r}")
        return number
    if name in {"demo", "preview"}:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text not in {"1", "0", "true", "false", "yes", "no", ""}:
            raise ConfigError(f"{var} must be 1 or 0, not {value!r}")
        return text in {"1", "true", "yes"}
    if name == "custom_entity_types":
        return _entity_types(var, value)
    if name == "frame_ancestors":
        items = value.split() if isinstance(value, str) else list(value)
        return tuple(items)
    if not isinstance(value, str):
        raise ConfigError(f"{var} must be text")
    return value.strip()


def _validate(s: Settings) -> Settings:
    """The settings, checked (ConfigError naming the variable) and normalised."""
    _check_urls(s)
    _check_credentials(s)
    _check_ids_and_origins(s)
    try:  # a malformed clock stops start-up, naming the variable
        clock_for(s)
    except ClockError as error:
        raise ConfigError(str(error)) from None
    for name in ("theme_dir", "template_overrides"):
        folder = getattr(s, name)
        if folder and not os.path.isdir(folder):
            raise ConfigError(f"{_ENV_NAMES[name]} must be an existing folder, not {folder!r}")
    if not s.module_api_url.endswith("/"):
        s = replace(s, module_api_url=s.module_api_url + "/")
    return s


def _check_urls(s: Settings) -> None:
    for name in ("module_api_url", "oauth_url"):
        url = getattr(s, name)
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ConfigError(f"{_ENV_NAMES[name]} must be an http(s) URL, not {url!r}")
    if s.cache_url and urlsplit(s.cache_url).scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError(f"BOOKING_CACHE_URL must be a redis:// URL, not {s.cache_url!r}")


def _check_credentials(s: Settings) -> None:
    if s.demo:
        return
    for name in ("client_id", "secret_key"):
        if not getattr(s, name):
            raise ConfigError(f"{_ENV_NAMES[name]} is required (set it in the environment)")
    if len(s.secret_key) < 16:
        raise ConfigError("BOOKING_SECRET_KEY must be at least 16 characters long")


def _check_ids_and_origins(s: Settings) -> None:
    if s.module_id and not _MODULE_ID.match(s.module_id):
        raise ConfigError("BOOKING_MODULE_ID must be a module id (23 + 30 letters or digits)")
    if s.default_organization and not _ORG_ID.match(s.default_organization):
        raise ConfigError(
            "BOOKING_DEFAULT_ORGANIZATION must be an organization id (f6 + 30 letters or digits)"
        )
    if s.metrics_token and not _METRICS_TOKEN.match(s.metrics_token):
        raise ConfigError(
            "BOOKING_METRICS_TOKEN must be 16 to 200 letters, digits or ._~+/=- characters"
        )
    for source in s.frame_ancestors:
        if not _SOURCE.match(source):
            raise ConfigError(
                f"BOOKING_FRAME_ANCESTORS: {source!r} is not an origin like https://example.com"
            )


def clock_for(settings: Settings) -> Clock:
    """The clock `BOOKING_NOW` / `BOOKING_NOW_SINCE` describe (the real one by default).
    Raises ClockError on a malformed value."""
    return Clock.from_environ({NOW_VARIABLE: settings.now, SINCE_VARIABLE: settings.now_since})


def _flag(var: str, value: Any) -> bool:
    """A 1/0 (true/false, yes/no) switch."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in {"1", "0", "true", "false", "yes", "no", ""}:
        raise ConfigError(f"{var} must be 1 or 0, not {value!r}")
    return text in {"1", "true", "yes"}


def _proxy_count(var: str, value: Any) -> int:
    """How many proxies in front of the widget set X-Forwarded-* (0: none, trust nothing)."""
    try:
        number = int(str(value).strip() or "0")
    except ValueError:
        raise ConfigError(f"{var} must be a number of proxies (0-5), not {value!r}") from None
    if not 0 <= number <= 5:
        raise ConfigError(f"{var} must be a number of proxies (0-5), not {value!r}")
    return number


def _entity_types(var: str, value: Any) -> tuple[str, ...]:
    """Comma-separated custom entity types (`car, rentalCar`): each one path segment."""
    items = value.split(",") if isinstance(value, str) else list(value)
    types = tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))
    for entity_type in types:
        if not _ENTITY_TYPE.match(entity_type):
            raise ConfigError(
                f"{var}: {entity_type!r} is not a type name (letters, digits, _ or -, at most 60)"
            )
    return types


def _rate(var: str, value: Any) -> str:
    """A Flask-Limiter rate such as `10 per minute` or `5/second; 100/hour`."""
    from limits import parse_many

    text = str(value).strip()
    try:
        parse_many(text)
    except ValueError:
        raise ConfigError(f"{var} must be a rate like '10 per minute', not {value!r}") from None
    return text


_PRODUCTION_CONVERTERS = {
    "proxy_fix": _proxy_count,
    "behind_https": _flag,
    "rate_limit_enabled": _flag,
    "rate_limit_writes": _rate,
    "rate_limit_browsing": _rate,
    "rate_limit_pages": _rate,
}
