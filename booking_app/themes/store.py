"""Theme files in BOOKING_THEME_DIR: `<organizationId>.toml|.json`, and `default.*`.

All files are read and checked when the widget starts, so a bad value stops it with
a message naming the file and the key, before any customer sees a broken page.
Edits are picked up while it runs (see ThemeFolder); a bad edit is refused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from booking_app.themes.css import checksum, compile_css, contrast_warnings
from booking_app.themes.model import (
    Theme,
    ThemeError,
    canonical_options,
    parse_theme,
    with_overrides,
)

log = logging.getLogger(__name__)
_NAME = re.compile(r"^(default|f6[0-9A-Za-z]{30})\.(toml|json)$")


@dataclass(frozen=True)
class CompiledTheme:
    """A theme with its stylesheet and that stylesheet's checksum."""

    theme: Theme
    css: str
    digest: str


def _read(path: Path) -> dict[str, Any]:
    try:
        if path.suffix == ".toml":
            return tomllib.loads(path.read_text("utf-8"))
        data = json.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ThemeError(f"{path.name}: not valid {path.suffix[1:].upper()}: {error}") from None
    if not isinstance(data, dict):
        raise ThemeError(f"{path.name}: expected an object of theme keys")
    return data


def load_theme_file(path: Path) -> Theme:
    """One checked theme file; ThemeError names the file and the key."""
    try:
        return parse_theme(_read(path), name=path.name)
    except ThemeError as error:
        message = str(error)
        if not message.startswith(path.name):
            message = f"{path.name}: {message}"
        raise ThemeError(message) from None


class ThemeStore:
    """The themes of every organization, checked at start-up."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.themes: dict[str, Theme] = {}
        self.warnings: list[str] = []
        if folder:
            for path in sorted(Path(folder).iterdir()):
                if path.is_file() and path.suffix in {".toml", ".json"}:
                    if not _NAME.match(path.name):
                        raise ThemeError(
                            f"{path.name}: name a theme file <organizationId>.toml or default.toml"
                        )
                    key = path.stem
                    if key in self.themes:
                        raise ThemeError(f"{path.name}: a second theme for {key}")
                    self.themes[key] = load_theme_file(path)
        for theme in self.themes.values():
            for warning in contrast_warnings(theme):
                log.warning("theme contrast: %s", warning)
                self.warnings.append(warning)
        self._compiled: dict[tuple[str, str], CompiledTheme] = {}

    def has_theme(self, org_id: str | None) -> bool:
        """Whether a file themes this organization (its own, or default.*)."""
        return (org_id or "") in self.themes or "default" in self.themes

    def theme_for(self, org_id: str | None) -> Theme:
        """The organization's theme, else default.*, else the built-in look."""
        return self.themes.get(org_id or "") or self.themes.get("default") or Theme()

    def compiled(self, org_id: str, options: Mapping[str, str]) -> CompiledTheme:
        """The organization's theme with checked embed `options`, compiled (memoised)."""
        key = (org_id, canonical_options(options))
        found = self._compiled.get(key)
        if found is None:
            if len(self._compiled) >= 512:  # embed options are open-ended: keep it bounded
                self._compiled.clear()
            theme = with_overrides(self.theme_for(org_id), options)
            css = compile_css(theme)
            found = self._compiled[key] = CompiledTheme(theme, css, checksum(css))
        return found


def _signature(folder: str) -> tuple[tuple[str, str], ...]:
    """What changes when a theme file is added, removed or edited: names and content
    hashes (theme files are small; timestamps can be too coarse to see a quick edit)."""
    with os.scandir(folder) as entries:
        return tuple(
            sorted(
                (e.name, hashlib.sha256(Path(e.path).read_bytes()).hexdigest())
                for e in entries
                if e.is_file() and e.name.endswith((".toml", ".json"))
            )
        )


class ThemeFolder:
    """BOOKING_THEME_DIR, read at start-up and re-read when its files change.

    At start-up a bad file stops the widget (ThemeError). Later, a bad edit is refused
    with an error in the log and the themes in use stay, so a typo never takes a
    running widget down. The folder is looked at no more than every `every` seconds.
    """

    def __init__(self, folder: str, every: float = 5.0) -> None:
        self.folder = folder
        self.every = every
        self.signature = _signature(folder) if folder else ()
        self.store = ThemeStore(folder or None)
        self._checked = time.monotonic()
        self._lock = threading.Lock()

    def current(self) -> ThemeStore:
        """The themes in use, re-read first if the folder changed."""
        due = self.folder and time.monotonic() - self._checked >= self.every
        if due and self._lock.acquire(blocking=False):
            try:
                self._checked = time.monotonic()
                self._reload_if_changed()
            finally:
                self._lock.release()
        return self.store

    def _reload_if_changed(self) -> None:
        try:
            signature = _signature(self.folder)
        except OSError as error:
            log.error("theme folder unreadable, keeping the themes in use: %s", error)
            return
        if signature == self.signature:
            return
        self.signature = signature
        try:
            self.store = ThemeStore(self.folder)
        except ThemeError as error:
            log.error("theme change refused, keeping the themes in use: %s", error)
            return
        log.info("themes re-read from %s", self.folder)
