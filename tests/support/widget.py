"""The widget as a Flask app in this process, configured against a running sandbox."""

from __future__ import annotations

from dataclasses import fields

from flask import Flask

from booking_app import create_app
from booking_app.config import Settings
from tests.support.sandbox import SandboxProcess

SECRET = "integration-test-secret-key"


def sandbox_settings(sandbox: SandboxProcess) -> dict[str, str]:
    """`sandbox.widget_environ()` as `create_app` settings. Unlike the environment,
    which ignores a `BOOKING_*` variable the widget does not know, a setting is an
    error there: a variable this widget has no setting for yet is left out."""
    known = {f"BOOKING_{field.name.upper()}" for field in fields(Settings)}
    return {name: value for name, value in sandbox.widget_environ().items() if name in known}


def widget_for(sandbox: SandboxProcess, **extra: object) -> Flask:
    """A widget app configured against `sandbox` (rate limits off), with `extra`
    settings on top."""
    return create_app(
        {
            "TESTING": True,
            **sandbox_settings(sandbox),
            "BOOKING_SECRET_KEY": SECRET,
            "BOOKING_DEFAULT_ORGANIZATION": sandbox.main_org,
            "BOOKING_CONNECT_TIMEOUT": 1,
            "BOOKING_READ_TIMEOUT": 2,
            "BOOKING_RATE_LIMIT_ENABLED": "0",  # rate limits have their own tests
            **extra,
        }
    )
