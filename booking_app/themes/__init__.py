"""Operator themes: checked files → CSS custom properties under a checksum URL."""

from booking_app.themes.color import Color, contrast_ratio
from booking_app.themes.css import checksum, compile_css, contrast_warnings
from booking_app.themes.model import Theme, ThemeError, parse_embed_options, parse_theme
from booking_app.themes.store import ThemeStore, load_theme_file
from booking_app.themes.web import init_app, organization_frame_ancestors, request_theme

__all__ = [
    "Color",
    "Theme",
    "ThemeError",
    "ThemeStore",
    "checksum",
    "compile_css",
    "contrast_ratio",
    "contrast_warnings",
    "init_app",
    "load_theme_file",
    "organization_frame_ancestors",
    "parse_embed_options",
    "parse_theme",
    "request_theme",
]
