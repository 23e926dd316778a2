"""The widget built in this process against a bench sandbox (the profiling scripts')."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from tests.support.sandbox import SandboxProcess


def widget_app(sandbox: SandboxProcess, **config: Any) -> Flask:
    """`create_app` against `sandbox`, rate limits off (one client address), `config` on
    top. Imported when called, so that a script can measure the import itself."""
    from booking_app import create_app

    return create_app(
        {
            "BOOKING_MODULE_API_URL": sandbox.base_url,
            "BOOKING_OAUTH_URL": sandbox.oauth_url,
            "BOOKING_CLIENT_ID": sandbox.client_id,
            "BOOKING_SECRET_KEY": "bench-secret-key-000",
            "BOOKING_RATE_LIMIT_ENABLED": "0",
            **config,
        }
    )
