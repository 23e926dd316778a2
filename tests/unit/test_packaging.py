"""A plain `pip install .` carries the code, templates, static files and translations."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_subpackage_is_listed_in_pyproject() -> None:
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "booking_app").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert on_disk <= listed, f"add to pyproject.toml: {sorted(on_disk - listed)}"


def test_non_editable_install_ships_templates_and_translations(tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    package = target / "booking_app"
    assert (package / "templates" / "base.html").is_file()
    assert (package / "static" / "widget.css").is_file()
    assert list((package / "translations").glob("*/LC_MESSAGES/messages.mo"))
    # The installed copy finds its own templates, not the checkout's.
    probe = "from booking_app.paths import resource_dir; print(resource_dir('templates'))"
    out = subprocess.run(
        [sys.executable, "-c", probe],
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(target)},
        cwd=tmp_path,
    ).stdout.strip()
    assert out == str(package / "templates")
