"""A theme compiled to CSS custom properties, and its contrast warnings.

The stylesheet is written from validated numbers and names only: colours through
`Color.hex`, the radius as an int, the font from the safe list. Nothing an operator
or an embed parameter typed is pasted into it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from booking_app.themes.color import AA_NORMAL_TEXT, contrast_ratio, muted, readable_on
from booking_app.themes.model import FONTS, Palette, Theme

# Rules widget.css leaves to fixed colours, re-stated with the theme's properties.
_RULES = (
    "body{background:var(--bt-bg);color:var(--bt-text)}"
    "button.primary{background:var(--bt-primary);color:var(--bt-on-primary)}"
    ".service{border-color:var(--bt-border)}"
    ".notice{border-left-color:var(--bt-accent)}"
    ":focus-visible{outline-color:var(--bt-accent)}"
    "input,textarea,select{background:var(--bt-bg);color:var(--bt-text);border-color:var(--bt-border)}"
    ".logo{display:block;max-width:12rem;max-height:3rem;margin:0 0 .75rem}"
)


def _properties(palette: Palette, scheme: str) -> str:
    on_primary = readable_on(palette.primary)
    border = palette.text.mix(palette.background, 0.25)
    return (
        f"color-scheme:{scheme};"
        f"--bt-primary:{palette.primary.hex};--bt-bg:{palette.background.hex};"
        f"--bt-text:{palette.text.hex};--bt-accent:{palette.accent.hex};"
        f"--bt-muted:{muted(palette.text, palette.background).hex};"
        f"--bt-border:{border.hex};--bt-on-primary:{on_primary.hex}"
    )


def compile_css(theme: Theme) -> str:
    """The theme's stylesheet (served after widget.css, so it wins)."""
    first = theme.dark if theme.mode == "dark" else theme.light
    scheme = "dark" if theme.mode == "dark" else "light"
    shared = f"--bt-radius:{int(theme.radius)}px;--bt-font:{FONTS[theme.font]}"
    css = f":root{{{_properties(first, scheme)};{shared}}}\n"
    if theme.mode == "auto":
        css += f"@media (prefers-color-scheme:dark){{:root{{{_properties(theme.dark, 'dark')}}}}}\n"
    return css + _RULES + "\n"


def checksum(css: str) -> str:
    """A short content hash for the stylesheet's URL."""
    return hashlib.sha256(css.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ContrastProblem:
    """A pair of colours below WCAG AA."""

    front: str
    front_color: str
    back: str
    back_color: str
    ratio: float


def contrast_problems(theme: Theme) -> list[ContrastProblem]:
    """What fails WCAG AA (4.5:1) in the colour schemes this theme shows."""
    schemes = {"light": [theme.light], "dark": [theme.dark], "auto": [theme.light, theme.dark]}
    problems = []
    for palette in schemes[theme.mode]:
        pairs = (
            ("text", palette.text, "background", palette.background),
            ("primary", palette.primary, "background", palette.background),
            ("button text", readable_on(palette.primary), "primary", palette.primary),
        )
        for front_name, front, back_name, back in pairs:
            ratio = contrast_ratio(front, back)
            if ratio < AA_NORMAL_TEXT:
                problems.append(ContrastProblem(front_name, front.hex, back_name, back.hex, ratio))
    return problems


def contrast_warnings(theme: Theme) -> list[str]:
    """The contrast problems as log lines."""
    return [
        f"{theme.name}: {p.front} {p.front_color} on {p.back} {p.back_color} has contrast "
        f"{p.ratio:.2f}:1, below WCAG AA ({AA_NORMAL_TEXT}:1)"
        for p in contrast_problems(theme)
    ]
