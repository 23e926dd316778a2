"""A minimal Flask app: `/page/<bytes>` renders a static page of about that many bytes
from a Jinja template (autoescaped, like the widget's).

It is what the widget is measured against in the same run, under the same gunicorn
settings: no upstream, no i18n, no security headers, nothing but Flask + Jinja. The
page's rows are made once per size; the template is rendered on every request.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import Flask, abort, render_template

ROW = "Wash, cut and blow-dry – 30 minutes, €35.00"
MAX_BYTES = 1_000_000

app = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"))


@cache
def rows(size: int) -> tuple[str, ...]:
    """Enough rows that the rendered page has about `size` bytes."""
    empty = len(render_template("page.html", rows=()).encode())
    per_row = len(f"<li>{ROW}</li>\n".encode())  # ROW needs no escaping
    return (ROW,) * max(0, (size - empty) // per_row)


@app.get("/page/<int:size>")
def page(size: int) -> str:
    """The static page of about `size` bytes."""
    if size > MAX_BYTES:
        abort(404)
    return render_template("page.html", rows=rows(size))


@app.get("/healthz")
def healthz() -> str:
    """Alive."""
    return "ok"
