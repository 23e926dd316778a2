"""Fill a catalog's empty entries from a JSON table {msgid or "singular|plural": text or [forms]}.

Usage: python scripts/fill_catalog.py LANG TABLE.json  (en fills every entry with its msgid)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def main(lang: str, table_path: str | None) -> None:
    path = Path("translations") / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    table = json.loads(Path(table_path).read_text()) if table_path else {}
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
        elif not (message.string if isinstance(message.string, str) else all(message.string)):
            missing.append(key)
        message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)
    if missing:
        sys.exit(f"{lang}: no translation for: {missing}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
