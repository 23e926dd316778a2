"""Where the top-level `templates/` and `translations/` folders are.

In a source checkout (and an editable install) they sit beside the package; a
plain `pip install .` ships them inside it (see pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """The folder `name` inside the installed package, else beside the package."""
    inside = PACKAGE / name
    return inside if inside.is_dir() else PACKAGE.parent / name
