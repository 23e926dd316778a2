"""Profile one widget page with pyinstrument: where a request's time goes.

Starts a demo sandbox, builds the widget in this process, asks for the page once (or
not at all with `--cold`, where every request is a different week), then profiles
`--requests` more and prints pyinstrument's tree and the CPU milliseconds per request.

    .venv/bin/python bench/profile_page.py entry
    .venv/bin/python bench/profile_page.py week --requests 100
    .venv/bin/python bench/profile_page.py week --cold --requests 40
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from html import unescape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.inprocess import widget_app
from bench.plan import SERVICE, iso_week, with_week
from tests.support.clock import today as business_today
from tests.support.sandbox import running_sandbox


def main(argv: list[str] | None = None) -> None:
    """Profile the page named on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", choices=["entry", "week"])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--cold", action="store_true", help="week: a new week each request")
    parser.add_argument("--no-page-cache", action="store_true", help="PAGE_CACHE_TTL=0")
    args = parser.parse_args(argv)
    from pyinstrument import Profiler

    with tempfile.TemporaryDirectory() as tmp, running_sandbox(Path(tmp)) as sandbox:
        app = widget_app(sandbox, PAGE_CACHE_TTL=0 if args.no_page_cache else 5)
        client = app.test_client()
        entry = f"/en/o/{sandbox.main_org}/?here=1"
        service = unescape(SERVICE.findall(client.get(entry).get_data(as_text=True))[0])
        today = business_today()
        if args.page == "entry":
            urls = [entry] * args.requests
        elif args.cold:
            urls = [
                with_week(service, iso_week(today + timedelta(days=7 * (2 + n % 50))))
                for n in range(args.requests)
            ]
        else:
            urls = [with_week(service, iso_week(today + timedelta(days=7)))] * args.requests
        if not args.cold:
            client.get(urls[0])
        profiler = Profiler(interval=0.0005)
        began = time.process_time()
        with profiler:
            for url in urls:
                assert client.get(url).status_code == 200, url
        spent = (time.process_time() - began) / len(urls) * 1000
        print(profiler.output_text(unicode=True, color=False))
        print(f"{args.page}{' cold' if args.cold else ''}: {spent:.2f} CPU ms per request")


if __name__ == "__main__":
    main()
