"""Themes: checked values only, compiled to CSS custom properties, contrast warnings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from booking_app.themes import (
    Color,
    Theme,
    ThemeError,
    ThemeStore,
    checksum,
    compile_css,
    contrast_ratio,
    contrast_warnings,
    load_theme_file,
    parse_embed_options,
    parse_theme,
)
from booking_app.themes.model import canonical_options, with_overrides

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "docs" / "themes").glob("*.*"))
ORG = "f6" + "A" * 30
MALICIOUS = "red;}body{display:none"
# Every declaration the compiler writes: a custom property with a hex colour, a pixel
# size, a font stack from the safe list, or a colour-scheme keyword.
SAFE_DECLARATION = re.compile(
    r"^(color-scheme:(light|dark)|--bt-[a-z-]+:(#[0-9a-f]{6}|[0-9]{1,2}px|[A-Za-z0-9 ,\"-]+))$"
)


def test_example_themes_load_and_pass_contrast() -> None:
    assert len(EXAMPLES) >= 2
    for path in EXAMPLES:
        theme = load_theme_file(path)
        assert contrast_warnings(theme) == [], path.name


def test_a_theme_compiles_to_custom_properties() -> None:
    theme = parse_theme(
        {"primary": "#0B5CAD", "background": "#fff", "radius": 14, "font": "serif", "mode": "auto"}
    )
    css = compile_css(theme)
    assert "--bt-primary:#0b5cad" in css
    assert "--bt-bg:#ffffff" in css
    assert "--bt-radius:14px" in css
    assert "Georgia" in css
    assert "@media (prefers-color-scheme:dark)" in css
    root = css.split("}")[0].removeprefix(":root{")
    for declaration in root.split(";"):
        assert SAFE_DECLARATION.match(declaration), declaration


def test_dark_mode_uses_the_dark_palette() -> None:
    css = compile_css(parse_theme({"mode": "dark", "dark": {"background": "#101010"}}))
    assert "color-scheme:dark" in css
    assert "--bt-bg:#101010" in css
    assert "prefers-color-scheme" not in css


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"primary": MALICIOUS}, "primary"),
        ({"background": "#ffffff;}"}, "background"),
        ({"text": "rgb(0,0,0)"}, "text"),
        ({"accent": "#12345"}, "accent"),
        ({"dark": {"primary": MALICIOUS}}, "dark.primary"),
        ({"dark": {"shadow": "#000"}}, "dark"),
        ({"radius": 99}, "radius"),
        ({"radius": "4px"}, "radius"),
        ({"radius": True}, "radius"),
        ({"font": "Comic Sans"}, "font"),
        ({"font": "system;}body{display:none"}, "font"),
        ({"mode": "neon"}, "mode"),
        ({"logo": "yes"}, "logo"),
        ({"logo_url": "http://example.com/logo.png"}, "logo_url"),
        ({"logo_url": "javascript:alert(1)"}, "logo_url"),
        ({"frame_ancestors": ["javascript:alert(1)"]}, "frame_ancestors"),
        ({"frame_ancestors": "https://example.com"}, "frame_ancestors"),
        ({"buttons": {"en": {"book": "x" * 41}}}, "buttons.en.book"),
        ({"buttons": {"en": {"book": "two\nlines"}}}, "buttons.en.book"),
        ({"buttons": {"en": {"delete": "Go"}}}, "buttons.en"),
        ({"buttons": {"english": {"book": "Go"}}}, "buttons"),
        ({"primaryColour": "#fff"}, "unknown key"),
    ],
)
def test_bad_values_are_refused_with_the_key_named(raw: dict[str, object], key: str) -> None:
    with pytest.raises(ThemeError, match=re.escape(key)):
        parse_theme(raw)


def test_a_bad_file_names_itself(tmp_path: Path) -> None:
    (tmp_path / f"{ORG}.toml").write_text(f'primary = "{MALICIOUS}"\n')
    with pytest.raises(ThemeError) as caught:
        ThemeStore(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{ORG}.toml: primary:")
    assert "hex colour" in message


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("shop.toml", 'primary = "#fff"'),  # not an organization id
        (f"{ORG}.toml", "primary = "),  # not TOML
        (f"{ORG}.json", "[1, 2]"),  # not an object
    ],
)
def test_bad_files_are_refused(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(ThemeError, match=re.escape(name)):
        ThemeStore(tmp_path)


def test_the_store_picks_the_organizations_theme_then_default(tmp_path: Path) -> None:
    (tmp_path / f"{ORG}.toml").write_text('primary = "#112233"\n')
    (tmp_path / "default.json").write_text('{"primary": "#445566"}')
    store = ThemeStore(tmp_path)
    assert store.theme_for(ORG).light.primary == Color.parse("#112233")
    assert store.theme_for("f6" + "B" * 30).light.primary == Color.parse("#445566")
    assert ThemeStore(None).theme_for(ORG) == Theme()
    assert not ThemeStore(None).has_theme(ORG)


def test_embed_options_are_a_checked_subset() -> None:
    options = parse_embed_options("primary:0B5CAD,radius:4,mode:dark,font:serif")
    assert canonical_options(options) == "primary:0b5cad,radius:4,font:serif,mode:dark"
    themed = with_overrides(Theme(), options)
    assert themed.light.primary == themed.dark.primary == Color.parse("#0b5cad")
    assert themed.mode == "dark"
    for bad in (f"primary:{MALICIOUS}", "logo_url:https://x", "radius:-1", "font", "x" * 201):
        with pytest.raises(ThemeError):
            parse_embed_options(bad)


def test_checksum_changes_with_the_theme() -> None:
    one = checksum(compile_css(parse_theme({"primary": "#112233"})))
    two = checksum(compile_css(parse_theme({"primary": "#112234"})))
    assert one != two
    assert one == checksum(compile_css(parse_theme({"primary": "#112233"})))


@pytest.mark.parametrize(
    ("front", "back", "ratio"),
    [("#000000", "#ffffff", 21.0), ("#ffffff", "#ffffff", 1.0), ("#777777", "#ffffff", 4.48)],
)
def test_contrast_ratio(front: str, back: str, ratio: float) -> None:
    assert contrast_ratio(Color.parse(front), Color.parse(back)) == pytest.approx(ratio, abs=0.01)


def test_a_theme_below_wcag_aa_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "default.toml").write_text('text = "#999999"\nbackground = "#ffffff"\n')
    store = ThemeStore(tmp_path)
    assert len(store.warnings) == 1
    assert "text #999999 on background #ffffff" in store.warnings[0]
    assert "below WCAG AA" in caplog.text
    good = parse_theme({"text": "#1d1d1f", "background": "#ffffff"})
    assert contrast_warnings(good) == []
