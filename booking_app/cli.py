"""The `booking-app` command: Flask's CLI plus `sandbox` and `demo`."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from flask.cli import FlaskGroup

from booking_app.clock import NOW_VARIABLE, SINCE_VARIABLE, Clock, ClockError, parse_instant
from booking_app.config import ConfigError

APP_FACTORY = "booking_app:create_app()"  # what gunicorn serves
# prometheus_client's multiprocess mode: every worker writes its metrics into this folder.
METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# Set when `serve` made that folder itself (gunicorn_conf's on_exit removes it then).
METRICS_TEMP_VARIABLE = "_BOOKING_METRICS_TEMP_DIR"


def _create_app() -> Any:
    from booking_app import create_app

    try:
        return create_app()
    except ConfigError as error:
        raise click.ClickException(f"configuration error: {error}") from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def cli() -> None:
    """The bookingtime booking widget and its Module API sandbox."""


@cli.command("sandbox", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8090, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite file (default: a new temporary one).",
)
@click.option("--seed", type=click.Choice(["demo", "none"]), default="demo", show_default=True)
@click.option(
    "--token-ttl",
    default=3600,
    show_default=True,
    type=click.IntRange(1, 86400),
    help="expires_in of access tokens, in seconds.",
)
@click.option("--quirks", is_flag=True, help="Answer with the SDK sample data's quirks.")
@click.option("--control", is_flag=True, help="Mount the fault/counter control API.")
@click.option(
    "--now",
    "now",
    default=None,
    help="Start the clock at this ISO instant (default: BOOKING_NOW, else the real time).",
)
@click.option(
    "--behave",
    "behave",
    multiple=True,
    metavar="KEY=VALUE",
    help=(
        "Set a switch: play one plausible answer of the real API where it is unknown"
        " (repeatable; see docs/sandbox.md). Keys: repeated_custom_id=refused|accepted,"
        " add_answer=full|id|sdk, taken_slot=409|400, module_routes=served|403|404,"
        " write_delay_before_ms=MS, write_delay_after_ms=MS, i18n=lists|maps,"
        " identify=one|list, identify_cancelled=found|hidden (default first)."
    ),
)
@click.option("--verbose", is_flag=True, help="Log every request to stderr.")
def sandbox_command(
    *,
    host: str,
    port: int,
    db_path: Path | None,
    seed: str,
    token_ttl: int,
    quirks: bool,
    control: bool,
    now: str | None,
    behave: tuple[str, ...],
    verbose: bool,
) -> None:
    """Run the local Module API sandbox."""
    import logging

    level = logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level)
    logging.getLogger("werkzeug").setLevel(level)
    from werkzeug.serving import make_server

    from booking_app.sandbox.app import create_sandbox_app
    from booking_app.sandbox.behaviour import Behaviour

    try:
        behaviour = Behaviour.from_pairs(behave)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--behave'") from None
    try:
        clock = Clock.starting_at(parse_instant(now, "--now")) if now else Clock.from_environ()
    except ClockError as error:
        raise click.ClickException(str(error)) from None
    if db_path is None:
        db_path = Path(tempfile.mkdtemp(prefix="booking-sandbox-")) / "sandbox.db"
    app = create_sandbox_app(
        db_path,
        seed=None if seed == "none" else seed,
        token_ttl=token_ttl,
        quirks=quirks,
        control=control,
        clock_offset=clock.offset,
        behaviour=behaviour,
    )
    server = make_server(host, port, app, threaded=True)
    server.daemon_threads = True  # type: ignore[attr-defined]
    _announce_sandbox(f"http://{host}:{server.port}", db_path, control)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()


def _announce_sandbox(root: str, db_path: Path, control: bool) -> None:
    """One JSON line on stdout: where the sandbox serves, its module and organizations."""
    from booking_app.sandbox.seed import (
        DEMO_BRANCH_IDS,
        DEMO_CLIENT_ID,
        DEMO_MODULE_ID,
        DEMO_ORG_ID,
    )

    facts = {
        "event": "sandbox-ready",
        "base_url": f"{root}/module/v3/",
        "oauth_url": f"{root}/oauth/token",
        "client_id": DEMO_CLIENT_ID,  # for oauth/token
        "module_id": DEMO_MODULE_ID,  # for module/{moduleId}/… routes: another value
        "organizations": {"main": DEMO_ORG_ID, "branches": list(DEMO_BRANCH_IDS)},
        "db": str(db_path),
        "control": control,
    }
    click.echo(json.dumps(facts), err=False)
    sys.stdout.flush()


@cli.command("demo", with_appcontext=False)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--sandbox-port", default=8090, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--db",
    "db_path",
    default=".demo/sandbox.db",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
)
def demo_command(port: int, sandbox_port: int, db_path: Path) -> None:
    """Run the sandbox with its demo seed and the widget against it.

    `BOOKING_NOW` reaches both, with one `BOOKING_NOW_SINCE`, so that the page shows
    what it will show at that instant (New Year's Eve, a DST night) and the sandbox
    agrees."""
    shared = _shared_clock_environ()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    sandbox, info = _start_demo_sandbox(sandbox_port, db_path, shared)
    env = {
        **shared,
        "BOOKING_DEMO": "1",
        "BOOKING_MODULE_API_URL": info["base_url"],
        "BOOKING_OAUTH_URL": info["oauth_url"],
        "BOOKING_CLIENT_ID": info["client_id"],
        "BOOKING_MODULE_ID": info["module_id"],
        "BOOKING_CUSTOM_ENTITY_TYPES": "hairLength",  # the demo seed's custom entity type
        "BOOKING_DEFAULT_ORGANIZATION": info["organizations"]["main"],
    }
    if env.get("BOOKING_METRICS_TOKEN", "").strip():  # its two workers' counts added up
        env.update(_metrics_environ(env))
    gunicorn = ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"]
    widget = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", *gunicorn, "--access-logfile", "-", APP_FACTORY],
        env=env,
    )
    url = f"http://127.0.0.1:{port}/en/o/{info['organizations']['main']}/"
    try:
        if not _wait_for_port(port, widget):
            raise click.ClickException("the widget did not start (is the port in use?)")
        click.echo(f"Sandbox:  {info['base_url']}")
        click.echo(f"Widget:   {url}")
        click.echo("Open the widget URL in a browser. Ctrl+C stops both.", nl=True)
        sys.stdout.flush()
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        widget.wait()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        _stop_all(widget, sandbox)
        if env.get(METRICS_TEMP_VARIABLE):
            shutil.rmtree(env[METRICS_TEMP_VARIABLE], ignore_errors=True)


def _start_demo_sandbox(
    port: int, db_path: Path, env: dict[str, str]
) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """The demo sandbox process and the facts it printed at start-up."""
    command = ["sandbox", "--port", str(port), "--db", str(db_path), "--seed", "demo"]
    sandbox = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "booking_app.cli", *command],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert sandbox.stdout is not None
    line = sandbox.stdout.readline()
    if not line.startswith("{"):
        sandbox.terminate()
        raise click.ClickException("the sandbox did not start (is the port in use?)")
    return sandbox, json.loads(line)


def _stop_all(*children: subprocess.Popen[Any]) -> None:
    """SIGTERM to each child still running, then wait (and kill after 10 s)."""
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()


@cli.command("serve", with_appcontext=False, context_settings={"ignore_unknown_options": True})
@click.option("--bind", default=None, help="HOST:PORT (default: BOOKING_BIND or 127.0.0.1:8080).")
@click.option("--workers", default=None, type=click.IntRange(1, 64), help="BOOKING_WORKERS.")
@click.argument("gunicorn_args", nargs=-1, type=click.UNPROCESSED)
def serve_command(bind: str | None, workers: int | None, gunicorn_args: tuple[str, ...]) -> None:
    """Run the widget in production: gunicorn with booking_app/gunicorn_conf.py.

    The settings are checked first, so a typo stops here with the variable's name.
    Further arguments go to gunicorn as they are.
    """
    from booking_app.config import load_settings

    try:
        settings = load_settings()
    except ConfigError as error:
        raise click.ClickException(f"configuration error: {error}") from None
    if bind:
        os.environ["BOOKING_BIND"] = bind
    if workers:
        os.environ["BOOKING_WORKERS"] = str(workers)
    import booking_app.gunicorn_conf as conf  # stops here on a bad gunicorn variable

    if settings.metrics_token or os.environ.get(METRICS_DIR_VARIABLE, "").strip():
        os.environ.update(_metrics_environ(os.environ))  # before gunicorn imports anything

    if conf.workers > 1 and not settings.cache_url:
        click.echo(
            f"warning: {conf.workers} workers without BOOKING_CACHE_URL: each worker keeps "
            "its own caches, tokens, booking claims and rate-limit counts (a limit of N "
            f"lets through up to {conf.workers}×N; one form may be sent once per worker). "
            "Set BOOKING_CACHE_URL=redis://… to share them, or BOOKING_WORKERS=1.",
            err=True,
        )

    argv = [sys.executable, "-m", "gunicorn", "-c", "python:booking_app.gunicorn_conf"]
    sys.stdout.flush()
    # Replace this process: gunicorn's master gets the signals (SIGTERM = graceful stop).
    os.execv(sys.executable, [*argv, *gunicorn_args])  # noqa: S606


def _metrics_environ(env: Mapping[str, str]) -> dict[str, str]:
    """The variables that put prometheus_client into multiprocess mode, so /metrics adds
    up every worker's counts: the operator's `PROMETHEUS_MULTIPROC_DIR` (created, and
    emptied of an earlier run's files, which would add their counts), else a new
    temporary folder. They must reach the process before prometheus_client is imported."""
    folder = env.get(METRICS_DIR_VARIABLE, "").strip()
    if not folder:
        folder = tempfile.mkdtemp(prefix="booking-metrics-")
        return {METRICS_DIR_VARIABLE: folder, METRICS_TEMP_VARIABLE: folder}
    Path(folder).mkdir(parents=True, exist_ok=True)
    for earlier in Path(folder).glob("*.db"):
        earlier.unlink(missing_ok=True)
    return {METRICS_DIR_VARIABLE: folder}


def _shared_clock_environ() -> dict[str, str]:
    """This process's environment, with `BOOKING_NOW_SINCE` fixed when `BOOKING_NOW`
    is set (so child processes share one timeline); stops on a malformed value."""
    env = dict(os.environ)
    try:
        Clock.from_environ(env)
    except ClockError as error:
        raise click.ClickException(str(error)) from None
    if env.get(NOW_VARIABLE, "").strip() and not env.get(SINCE_VARIABLE, "").strip():
        env[SINCE_VARIABLE] = repr(time.time())
    return env


def _wait_for_port(port: int, process: subprocess.Popen[Any], timeout: float = 30) -> bool:
    """True once something listens on 127.0.0.1:port; False if `process` dies first."""
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def main() -> None:
    """Entry point of the `booking-app` console script."""
    cli()


if __name__ == "__main__":
    main()
