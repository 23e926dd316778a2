"""Fill a catalog's empty entries from JSON tables {msgid or "singular|plural": text or [forms]}.

Usage: python scripts/fill_catalog.py LANG  (en fills every entry with its msgid)

The tables of LANG are translations/tables/LANG.json and translations/tables/*/LANG.json: one
folder per feature, so work on different features never edits the same table.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def load_tables(lang: str) -> dict[str, str | list[str]]:
    """Merge every table of ``lang``; a msgid given twice must be given the same text."""
    tables = Path("translations") / "tables"
    merged: dict[str, str | list[str]] = {}
    for path in [tables / f"{lang}.json", *sorted(tables.glob(f"*/{lang}.json"))]:
        if not path.exists():
            continue
        for key, value in json.loads(path.read_text()).items():
            if merged.get(key, value) != value:
                sys.exit(f"{lang}: {key!r} translated differently in {path}")
            merged[key] = value
    return merged


def main(lang: str) -> None:
    path = Path("translations") / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    table = load_tables(lang) if lang != "en" else {}
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else "|".join(message.id)
        if lang == "en":
            message.string = message.id if isinstance(message.id, str) else tuple(message.id)
        elif key in table:
            value = table[key]
            message.string = value if isinstance(value, str) else tuple(value)
        elif not (
            message.string
            if isinstance(message.string, str)
            else message.string and all(message.string)
        ):
            missing.append(key)
        message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)
    if missing:
        sys.exit(f"{lang}: no translation for: {missing}")


if __name__ == "__main__":
    main(sys.argv[1])
