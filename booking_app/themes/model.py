"""A theme and the rules its values must follow.

Every value is checked against a type, a bound or a list of names; anything else
is refused with a message naming the key. Only checked values reach `css.py`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from booking_app.themes.color import Color
from booking_app.web.numbers import whole_number

MODES = ("light", "dark", "auto")
FONTS: dict[str, str] = {
    "system": 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
    "sans": '"Helvetica Neue", Helvetica, Arial, sans-serif',
    "serif": 'Georgia, Cambria, "Times New Roman", serif',
    "rounded": 'ui-rounded, "SF Pro Rounded", Nunito, system-ui, sans-serif',
    "humanist": 'Seravek, "Gill Sans Nova", Ubuntu, Calibri, "DejaVu Sans", sans-serif',
    "mono": 'ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace',
}
# Button wording an operator may replace: theme key → the widget's own msgid.
BUTTONS: dict[str, str] = {
    "book": "Book appointment",
    "earliest": "Earliest free time",
    "calendar": "Add to calendar (.ics)",
    "another": "Book another appointment",
    "update": "Update",
}
COLOR_KEYS = ("primary", "background", "text", "accent")
EMBED_KEYS = (*COLOR_KEYS, "radius", "font", "mode")  # the safe subset from embed parameters
MAX_RADIUS = 24
MAX_BUTTON_TEXT = 40
_ORIGIN = re.compile(r"^(https?://(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?|'self')$")
_LANG = re.compile(r"^[a-z]{2}$")


class ThemeError(ValueError):
    """A theme value is refused; the message names the key and what it expects."""


@dataclass(frozen=True)
class Palette:
    """The four colours of one colour scheme."""

    primary: Color
    background: Color
    text: Color
    accent: Color


LIGHT = Palette(
    Color.parse("#1a5fb4"), Color.parse("#ffffff"), Color.parse("#1d1d1f"), Color.parse("#1a5fb4")
)
DARK = Palette(
    Color.parse("#78aeed"), Color.parse("#1c1c21"), Color.parse("#ededf0"), Color.parse("#ffa348")
)


@dataclass(frozen=True)
class Theme:
    """An organization's validated look."""

    name: str = "default"
    light: Palette = LIGHT
    dark: Palette = DARK
    radius: int = 8
    font: str = "system"
    mode: str = "light"
    logo: bool = False
    logo_url: str = ""
    buttons: Mapping[str, Mapping[str, str]] = field(default_factory=dict, hash=False)
    frame_ancestors: tuple[str, ...] = ()

    def button_text(self, lang: str, msgid: str) -> str | None:
        """The operator's wording for the button `msgid` in `lang`, if any."""
        for key, text in self.buttons.get(lang, {}).items():
            if BUTTONS[key] == msgid:
                return text
        return None


def _color(key: str, value: Any) -> Color:
    try:
        return Color.parse(value)
    except ValueError as error:
        raise ThemeError(f"{key}: {error}") from None


def _palette(prefix: str, raw: Mapping[str, Any], base: Palette) -> Palette:
    values = {k: _color(prefix + k, raw[k]) for k in COLOR_KEYS if k in raw}
    return replace(base, **values)


def _radius(value: Any) -> int:
    number = value
    if isinstance(value, str):
        number = whole_number(value, max_digits=3)
    if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= MAX_RADIUS:
        raise ThemeError(f"radius: {value!r} is not a whole number of pixels, 0 to {MAX_RADIUS}")
    return number


def _choice(key: str, value: Any, allowed: tuple[str, ...] | list[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ThemeError(f"{key}: {value!r} is not one of {', '.join(allowed)}")
    return value


def _buttons(raw: Any) -> dict[str, dict[str, str]]:
    if not isinstance(raw, Mapping):
        raise ThemeError("buttons: expected a table per language, like [buttons.de]")
    result: dict[str, dict[str, str]] = {}
    for lang, texts in raw.items():
        if not isinstance(lang, str) or not _LANG.match(lang) or not isinstance(texts, Mapping):
            raise ThemeError(f"buttons: {lang!r} is not a language table like [buttons.de]")
        result[lang] = {}
        for key, text in texts.items():
            _choice(f"buttons.{lang}", key, list(BUTTONS))
            if (
                not isinstance(text, str)
                or not 0 < len(text.strip()) <= MAX_BUTTON_TEXT
                or any(ord(c) < 32 for c in text)
            ):
                raise ThemeError(
                    f"buttons.{lang}.{key}: expected one line of 1 to {MAX_BUTTON_TEXT} characters"
                )
            result[lang][key] = text.strip()
    return result


def _logo_url(value: Any) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if not parts or parts.scheme != "https" or not parts.netloc or len(value) > 500:
        raise ThemeError(f"logo_url: {value!r} is not an https:// URL")
    return str(value)


def _ancestors(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ThemeError("frame_ancestors: expected a list of origins like https://example.com")
    for origin in value:
        if not _ORIGIN.match(origin):
            raise ThemeError(
                f"frame_ancestors: {origin!r} is not an origin like https://example.com"
            )
    return tuple(value)


KNOWN_KEYS = {
    *COLOR_KEYS,
    "radius",
    "font",
    "mode",
    "logo",
    "logo_url",
    "dark",
    "buttons",
    "frame_ancestors",
}


def parse_theme(raw: Mapping[str, Any], name: str = "theme") -> Theme:
    """A Theme from a theme file's data; ThemeError names the first bad key."""
    unknown = sorted(str(k) for k in raw if k not in KNOWN_KEYS)
    if unknown:
        known = ", ".join(sorted(KNOWN_KEYS))
        raise ThemeError(f"unknown key(s) {', '.join(unknown)}; known: {known}")
    dark_raw = raw.get("dark", {})
    if not isinstance(dark_raw, Mapping) or set(dark_raw) - set(COLOR_KEYS):
        raise ThemeError(f"dark: expected a table of {', '.join(COLOR_KEYS)}")
    logo = raw.get("logo", False)
    if not isinstance(logo, bool):
        raise ThemeError(f"logo: {logo!r} is not true or false")
    return Theme(
        name=name,
        light=_palette("", raw, LIGHT),
        dark=_palette("dark.", dark_raw, DARK),
        radius=_radius(raw.get("radius", 8)),
        font=_choice("font", raw.get("font", "system"), list(FONTS)),
        mode=_choice("mode", raw.get("mode", "light"), MODES),
        logo=logo,
        logo_url=_logo_url(raw["logo_url"]) if "logo_url" in raw else "",
        buttons=_buttons(raw.get("buttons", {})),
        frame_ancestors=_ancestors(raw.get("frame_ancestors", [])),
    )


def parse_embed_options(text: str) -> dict[str, str]:
    """The embed parameter `th` (`primary:0b5cad,radius:4,mode:dark`) as checked options.

    Only the safe subset (colours, radius, font, mode) is accepted; ThemeError otherwise.
    """
    if len(text) > 200:
        raise ThemeError("th: too long")
    options: dict[str, str] = {}
    for item in filter(None, text.split(",")):
        key, sep, value = item.partition(":")
        if not sep or key not in EMBED_KEYS:
            raise ThemeError(f"th: {key!r} cannot be set from the embed code ({item!r})")
        options[key] = value
    with_overrides(Theme(), options)  # raises on a bad value
    return {k: options[k] for k in EMBED_KEYS if k in options}


def with_overrides(theme: Theme, options: Mapping[str, str]) -> Theme:
    """`theme` with embed options applied; colours set both colour schemes."""
    colors = {k: _color(k, options[k]) for k in COLOR_KEYS if k in options}
    return replace(
        theme,
        light=replace(theme.light, **colors),
        dark=replace(theme.dark, **colors),
        radius=_radius(options["radius"]) if "radius" in options else theme.radius,
        font=_choice("font", options["font"], list(FONTS)) if "font" in options else theme.font,
        mode=_choice("mode", options["mode"], MODES) if "mode" in options else theme.mode,
    )


def canonical_options(options: Mapping[str, str]) -> str:
    """Checked embed options written back as one `th` parameter, in a fixed order."""
    parts = []
    for key in EMBED_KEYS:
        if key in options:
            value = options[key]
            if key in COLOR_KEYS:
                value = Color.parse(value).hex[1:]
            parts.append(f"{key}:{value}")
    return ",".join(parts)
