"""Every UI catalog is complete, current with the source, and compiled."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from booking_app.web.i18n import UI_LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "translations"


def _source_ids() -> set[object]:
    ids: set[object] = set()
    method_map = [("booking_app/**.py", "python"), ("templates/**.html", "jinja2")]
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT),
        method_map=method_map,
        keywords={"_": None, "_l": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None},
    ):
        ids.add(message if isinstance(message, str) else tuple(message))
    return ids


@pytest.mark.parametrize("lang", UI_LANGUAGES)
def test_catalog_is_complete_and_not_fuzzy(lang: str) -> None:
    with open(CATALOGS / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle, locale=lang)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(message.id)
    assert not problems, f"{lang}: untranslated or fuzzy: {problems}"
    catalog_ids = {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog if m.id}
    missing = _source_ids() - catalog_ids
    assert not missing, f"{lang}: run `make translations`; missing {missing}"


@pytest.mark.parametrize("lang", UI_LANGUAGES)
def test_compiled_catalog_matches_po(lang: str) -> None:
    folder = CATALOGS / lang / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as handle:
        po = read_po(handle, locale=lang)
    mo = read_mo(io.BytesIO((folder / "messages.mo").read_bytes()))

    def table(catalog: object) -> dict[object, object]:
        return {_key(m.id): _key(m.string) for m in catalog if m.id}  # type: ignore[attr-defined]

    assert table(po) == table(mo)


def _key(value: object) -> object:
    return tuple(value) if isinstance(value, list | tuple) else value
