"""Page weight of each booking step: HTML + CSS + JS bytes, raw and gzipped, and whether
a page loads anything from another origin or a web font.

Run alone, it starts a demo sandbox, walks the flow with the widget in-process and
prints a table; `make bench` (bench/run.py) calls `walk` on the widget under gunicorn.
Usage: python bench/page_weight.py
"""

from __future__ import annotations

import gzip
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.inprocess import widget_app
from tests.support.sandbox import running_sandbox

ASSET = re.compile(r'<(?:link|script)[^>]*?(?:href|src)="([^"]+)"')
# Anything a page or its CSS would make the browser fetch: src/href of resource
# elements, CSS url(...) and @import.
FETCHED = re.compile(
    r'<(?:link|script|img|iframe|source|video|audio)[^>]*?(?:href|src)="([^"]+)"'
    r"|url\(\s*['\"]?([^'\")]+)|@import\s+['\"]([^'\"]+)"
)
FONT_FILE = re.compile(r"\.(woff2?|ttf|otf|eot)\b")
TOKEN = re.compile(r'name="token" value="([^"]+)"')
DETAILS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "mobile": "+49 170 1234567",
    "consent": "yes",
}


@dataclass(frozen=True)
class Answer:
    """What a fetch returned."""

    status: int
    location: str
    body: bytes


# (method, path, form data or None) -> Answer; redirects are not followed.
Fetch = Callable[[str, str, dict[str, str] | None], Answer]


@dataclass(frozen=True)
class Weight:
    """One page with the CSS and JS it loads."""

    step: str
    path: str
    html_bytes: int
    css_bytes: int
    js_bytes: int
    raw_bytes: int
    gzip_bytes: int
    third_party: tuple[str, ...]
    web_fonts: bool

    def as_dict(self) -> dict[str, Any]:
        """For the JSON file."""
        return {**vars(self), "third_party": list(self.third_party)}


def weigh(fetch: Fetch, step: str, path: str, html: bytes) -> Weight:
    """The weight of a page and the same-origin CSS/JS it loads (fetched once each)."""
    text = html.decode()
    parts, css, js = [html], 0, 0
    for asset in ASSET.findall(text):
        if asset.startswith("/") and not asset.startswith("//"):
            body = fetch("GET", unescape(asset), None).body
            parts.append(body)
            if asset.split("?")[0].endswith(".js"):
                js += len(body)
            else:
                css += len(body)
    everything = b"\n".join(parts).decode(errors="replace")
    fetched = [next(g for g in groups if g) for groups in FETCHED.findall(everything)]
    third = tuple(
        sorted({u for u in fetched if re.match(r"^(https?:)?//", u) and not u.startswith("data:")})
    )
    return Weight(
        step=step,
        path=path.split("?")[0],
        html_bytes=len(html),
        css_bytes=css,
        js_bytes=js,
        raw_bytes=sum(len(p) for p in parts),
        gzip_bytes=sum(len(gzip.compress(p, 6)) for p in parts),
        third_party=third,
        web_fonts="@font-face" in everything or bool(FONT_FILE.search(everything)),
    )


def time_values(html: str) -> tuple[str, list[str]]:
    """The week view's pick form: its action with hidden fields, and the time values."""
    form = re.search(r'<form class="days" method="get" action="([^"]+)">(.*?)</form>', html, re.S)
    if not form:
        return "", []
    hidden = "".join(
        f"&{name}={quote(unescape(value))}"
        for name, value in re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form[2])
    )
    return unescape(form[1]) + "?s={}" + hidden, re.findall(
        r'<button name="s" value="([^"]+)"', form[2]
    )


def walk(
    fetch: Fetch, org: str, lang: str = "en", pick: int = -1, into: list[Weight] | None = None
) -> list[Weight]:
    """Weigh every step of one booking (books the `pick`-th time of the first free day).
    The weights go into `into` as they are taken, so a failing step keeps the others."""
    weights: list[Weight] = [] if into is None else into

    def page(step: str, path: str, data: dict[str, str] | None = None) -> Answer:
        answer = fetch("POST" if data is not None else "GET", path, data)
        weights.append(weigh(fetch, step, path, answer.body))
        return answer

    page("branches", f"/{lang}/o/{org}/")
    services = page("services", f"/{lang}/o/{org}/?here=1").body.decode()
    service = unescape(re.findall(r'href="([^"]*/s/fc[^"]*)"', services)[0])
    jump = fetch("GET", service.rstrip("/") + "/earliest", None)
    week = page("month grid + day", jump.location).body.decode()
    zone = re.search(r'href="([^"]*/zone\?[^"]*)"', week)
    if zone:
        page("time zone choice", unescape(zone[1]))
    action, values = time_values(week)
    slot = action.format(values[pick])
    details = page("details", slot)
    token = TOKEN.search(details.body.decode())
    assert token, f"the details form (HTTP {details.status}) has no token"
    post_to = slot.split("?")[0]
    errors = page("details with errors", post_to, {"token": unescape(token[1])})
    assert errors.status == 400, f"an empty form answered {errors.status}"
    done = fetch("POST", post_to, {**DETAILS, "token": unescape(token[1])})
    assert done.status == 303, f"booking answered {done.status}"
    page("confirmation", done.location)
    return weights


def print_table(weights: list[Weight]) -> None:
    """The weights as a table on stdout."""
    from bench.report import print_pages

    print_pages([w.as_dict() for w in weights])


def test_client_fetch(client: Any) -> Fetch:
    """A Fetch over a Flask test client."""

    def fetch(method: str, path: str, data: dict[str, str] | None) -> Answer:
        answer = client.open(path, method=method, data=data)
        return Answer(answer.status_code, answer.headers.get("Location", ""), answer.data)

    return fetch


def main() -> None:
    """Start a sandbox, weigh the flow with the widget in-process, print the table."""
    with tempfile.TemporaryDirectory() as tmp, running_sandbox(Path(tmp)) as sandbox:
        app = widget_app(sandbox)
        print_table(walk(test_client_fetch(app.test_client()), sandbox.main_org))


if __name__ == "__main__":
    main()
