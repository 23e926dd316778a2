"""Run Debian's nginx with the shipped deploy/nginx.conf in front of a widget server."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import requests

from tests.support.processes import free_port, stop_process

BINARY = Path("/usr/sbin/nginx")
DEPLOY_CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"


def nginx_binary() -> str:
    """The path of nginx; fails (never skips) when it is absent."""
    if not os.access(BINARY, os.X_OK):
        pytest.fail(
            "nginx is not installed; the proxy test runs Debian's nginx with "
            "deploy/nginx.conf. Install it with `make system-deps`.",
            pytrace=False,
        )
    return str(BINARY)


def site_conf(upstream_port: int, listen_port: int) -> str:
    """deploy/nginx.conf, pointed at the widget on `upstream_port`, listening on
    127.0.0.1:`listen_port` (nothing else changed)."""
    text = DEPLOY_CONF.read_text()
    text, bound = re.subn(r"server 127\.0\.0\.1:8080;", f"server 127.0.0.1:{upstream_port};", text)
    text, listens = re.subn(r"listen 80;", f"listen 127.0.0.1:{listen_port};", text)
    assert bound == 1, "deploy/nginx.conf changed its upstream line"
    assert listens == 1, "deploy/nginx.conf changed its listen line"
    return text


class NginxServer:
    """nginx (master and workers) with a main config of its own around the site file."""

    def __init__(self, workdir: Path, upstream_port: int) -> None:
        self.dir = workdir / f"nginx-{upstream_port}"
        self.port = free_port()
        self.upstream_port = upstream_port
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> NginxServer:
        binary = nginx_binary()
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "site.conf").write_text(site_conf(self.upstream_port, self.port))
        temp = {name: self.dir / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
        for folder in temp.values():
            folder.mkdir(exist_ok=True)
        user = "user root;" if os.geteuid() == 0 else ""
        (self.dir / "nginx.conf").write_text(
            f"""{user}
worker_processes 2;
daemon off;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
events {{ worker_connections 2048; }}
http {{
    access_log off;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {self.dir}/site.conf;
}}
"""
        )
        log = (self.dir / "stderr.log").open("ab")
        try:
            self.proc = subprocess.Popen(
                [binary, "-p", str(self.dir), "-c", str(self.dir / "nginx.conf")],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.errors()}")
            with suppress(requests.RequestException):
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"nginx did not start: {self.errors()}")

    def errors(self) -> str:
        found = [self.dir / "stderr.log", self.dir / "error.log"]
        return " ".join(p.read_text(errors="replace")[-2000:] for p in found if p.exists())

    def stop(self) -> None:
        stop_process(self.proc)


@contextmanager
def running_nginx(workdir: Path, upstream_port: int) -> Iterator[NginxServer]:
    """nginx with deploy/nginx.conf in front of 127.0.0.1:`upstream_port`."""
    server = NginxServer(workdir, upstream_port).start()
    try:
        yield server
    finally:
        server.stop()
