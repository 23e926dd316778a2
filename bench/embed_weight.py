"""embed.js's size, and each booking step's weight with an operator theme applied.

The figures: the loader raw, gzipped, minified (rjsmin) and both; then HTML plus
widget.css, the theme's stylesheet and widget.js per step (services, week, details,
confirmation), raw and gzip -6, with the loader's embed parameters on the URLs.
Usage: python bench/embed_weight.py
"""

from __future__ import annotations

import gzip
import re
import sys
import tempfile
from html import unescape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import rjsmin
from flask.testing import FlaskClient

from booking_app import create_app
from tests.support.sandbox import running_sandbox

ROOT = Path(__file__).resolve().parents[1]
ASSET = re.compile(r'(?:href|src)="(/(?:static|theme)/[^"]+)"')
EMBED_QUERY = "eo=https://www.example.com&eid=ab12cd34&utm_source=newsletter"
DETAILS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "mobile": "+49 170 1234567",
    "consent": "yes",
}


def loader_sizes() -> str:
    """embed.js: raw, gzip -9, minified, minified + gzip -9 (bytes)."""
    source = (ROOT / "booking_app" / "static" / "embed.js").read_bytes()
    small = rjsmin.jsmin(source.decode()).encode()
    return (
        f"embed.js raw {len(source):,} B, gzip -9 {len(gzip.compress(source, 9)):,} B; "
        f"minified {len(small):,} B, minified + gzip -9 {len(gzip.compress(small, 9)):,} B"
    )


def weigh(client: FlaskClient, html: bytes) -> tuple[int, int]:
    """(raw, gzip -6) bytes of a page and the CSS/JS it loads."""
    parts = [html] + [client.get(unescape(p)).data for p in ASSET.findall(html.decode())]
    return sum(map(len, parts)), sum(len(gzip.compress(p, 6)) for p in parts)


def steps(client: FlaskClient, org: str) -> list[tuple[str, bytes]]:
    """The pages of one booking, as the loader opens them."""
    found = []
    page = client.get(f"/en/o/{org}/?here=1&{EMBED_QUERY}")
    found.append(("services", page.data))
    service = unescape(re.findall(r'href="([^"]*/s/fc[^"]*)"', page.get_data(as_text=True))[0])
    jump = client.get(service.replace("/?", "/earliest?"))
    page = client.get(jump.headers["Location"])
    found.append(("week", page.data))
    html = page.get_data(as_text=True)
    form = re.search(r'<form class="days" method="get" action="([^"]+)">', html)
    slot = re.search(r'<button name="s" value="([^"]+)"', html)
    assert form
    assert slot
    page = client.get(f"{unescape(form[1])}&s={slot[1]}")
    found.append(("details", page.data))
    html = page.get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', html)
    action = re.search(r'<form method="post" novalidate action="([^"]+)"', html)
    assert token
    assert action
    done = client.post(unescape(action[1]), data={**DETAILS, "token": token[1]})
    found.append(("confirmation", client.get(done.headers["Location"]).data))
    return found


def main() -> None:
    """Print the loader's sizes and the themed steps' weights."""
    print(loader_sizes())
    with tempfile.TemporaryDirectory() as tmp, running_sandbox(Path(tmp)) as sandbox:
        themes = Path(tmp) / "themes"
        themes.mkdir()
        theme = (ROOT / "docs" / "themes" / "ocean.toml").read_text()
        (themes / f"{sandbox.main_org}.toml").write_text(theme)
        app = create_app(
            {
                "BOOKING_MODULE_API_URL": sandbox.base_url,
                "BOOKING_OAUTH_URL": sandbox.oauth_url,
                "BOOKING_CLIENT_ID": sandbox.client_id,
                "BOOKING_SECRET_KEY": "bench-embed-weight-key",
                "BOOKING_THEME_DIR": str(themes),
                "BOOKING_RATE_LIMIT_ENABLED": "0",
            }
        )
        client = app.test_client()
        print(f"{'step (theme ocean)':20}{'raw B':>9}{'gzip B':>9}")
        for name, html in steps(client, sandbox.main_org):
            assert b"/theme/" in html, f"the theme is applied on {name}"
            raw, zipped = weigh(client, html)
            print(f"{name:20}{raw:>9,}{zipped:>9,}")


if __name__ == "__main__":
    main()
