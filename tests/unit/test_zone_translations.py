"""The time zone choice's strings: each is in the catalogs already or in its own tables
(translations/tables/zones/), translated for every UI language with the same
placeholders. (The catalogs take the tables in with `make translations`.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from booking_app.web.i18n import DEFAULT_LANGUAGE, UI_LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TABLES = ROOT / "translations" / "tables"
TEMPLATE = ROOT / "templates" / "zone_choice.html"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
TRANSLATED = [lang for lang in UI_LANGUAGES if lang != DEFAULT_LANGUAGE]


def page_messages() -> set[str]:
    """The page's msgids as the tables name them ("singular|plural" for plurals)."""
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
    return {
        message if isinstance(message, str) else "|".join(message)
        for _line, message, _comments, _context in extract_from_file(
            "jinja2", str(TEMPLATE), keywords=keywords
        )
    }


def table(lang: str) -> dict[str, str | list[str]]:
    found: dict[str, str | list[str]] = json.loads((TABLES / "zones" / f"{lang}.json").read_text())
    return found


def catalog_ids() -> set[str]:
    with open(ROOT / "translations" / "messages.pot", "rb") as handle:
        return {m.id if isinstance(m.id, str) else "|".join(m.id) for m in read_po(handle) if m.id}


def test_every_string_of_the_page_is_in_the_catalog_or_the_tables() -> None:
    messages = page_messages()
    assert "Search for a city or time zone" in messages
    assert not messages - catalog_ids() - set(table("de"))


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_language_translates_the_same_strings(lang: str) -> None:
    assert set(table(lang)) == set(table("de"))
    assert set(table(lang)) <= page_messages()


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_the_placeholders(lang: str) -> None:
    for key, value in table(lang).items():
        forms = value if isinstance(value, list) else [value]
        assert ("|" in key) == isinstance(value, list), key
        assert len(forms) == (2 if "|" in key else 1), key
        for form in forms:
            assert form.strip(), key
            assert set(PLACEHOLDER.findall(form)) == set(PLACEHOLDER.findall(key)), (lang, key)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_string_is_translated_differently_by_another_table(lang: str) -> None:
    """What `scripts/fill_catalog.py` refuses when it merges the tables."""
    ours = table(lang)
    for path in [TABLES / f"{lang}.json", *sorted(TABLES.glob(f"*/{lang}.json"))]:
        if path.parent.name == "zones" or not path.exists():
            continue
        for key, value in json.loads(path.read_text()).items():
            assert ours.get(key, value) == value, (path, key)
