"""Page weight of each booking step: HTML + CSS + JS bytes, raw and gzipped.

Starts a demo sandbox, walks the flow with the widget in-process, and prints a table.
Usage: python bench/page_weight.py
"""

from __future__ import annotations

import gzip
import re
import sys
import tempfile
from html import unescape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from booking_app import create_app
from tests.integration.test_booking_flow import time_links
from tests.support.sandbox import running_sandbox

ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def weigh(client: object, html: bytes) -> tuple[int, int]:
    """(raw, gzipped) bytes of a page and the CSS/JS it loads."""
    parts = [html]
    for path in ASSET.findall(html.decode()):
        parts.append(client.get(path).data)  # type: ignore[attr-defined]
    raw = sum(len(p) for p in parts)
    zipped = sum(len(gzip.compress(p, 6)) for p in parts)
    return raw, zipped


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, running_sandbox(Path(tmp)) as sandbox:
        app = create_app(
            {
                "BOOKING_MODULE_API_URL": sandbox.base_url,
                "BOOKING_OAUTH_URL": sandbox.oauth_url,
                "BOOKING_CLIENT_ID": sandbox.client_id,
                "BOOKING_SECRET_KEY": "bench-secret-key-000",
            }
        )
        client = app.test_client()
        org = sandbox.main_org
        steps: list[tuple[str, bytes]] = []
        page = client.get(f"/en/o/{org}/")
        steps.append(("branches", page.data))
        page = client.get(f"/en/o/{org}/?here=1")
        steps.append(("services", page.data))
        service = unescape(re.findall(r'href="([^"]*/s/fc[^"]*)"', page.get_data(as_text=True))[0])
        jump = client.get(service.rstrip("/") + "/earliest")
        page = client.get(jump.headers["Location"])
        steps.append(("week", page.data))
        slot = time_links(page)[0]
        page = client.get(slot)
        steps.append(("details", page.data))
        token = re.search(r'name="token" value="([^"]+)"', page.get_data(as_text=True))
        assert token
        errors = client.post(slot.split("?")[0], data={"token": token[1]})
        steps.append(("details with errors", errors.data))
        done = client.post(
            slot.split("?")[0],
            data={
                "token": token[1],
                "first_name": "Ada",
                "last_name": "Lovelace",
                "email": "ada@example.com",
                "consent": "yes",
            },
        )
        page = client.get(done.headers["Location"])
        steps.append(("confirmation", page.data))
        print(f"{'step':<22}{'HTML+CSS+JS bytes':>20}{'gzipped':>10}")
        for name, html in steps:
            raw, zipped = weigh(client, html)
            print(f"{name:<22}{raw:>20,}{zipped:>10,}")


if __name__ == "__main__":
    main()
