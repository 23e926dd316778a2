"""The widget as a Flask app in this process, configured against a running sandbox."""

from __future__ import annotations

from flask import Flask

from booking_app import create_app
from tests.support.sandbox import SandboxProcess

SECRET = "integration-test-secret-key"


def widget_for(sandbox: SandboxProcess, **extra: object) -> Flask:
    """A widget app configured against `sandbox` (rate limits off), with `extra`
    settings on top."""
    return create_app(
        {
            "TESTING": True,
            "BOOKING_MODULE_API_URL": sandbox.base_url,
            "BOOKING_OAUTH_URL": sandbox.oauth_url,
            "BOOKING_CLIENT_ID": sandbox.client_id,
            "BOOKING_SECRET_KEY": SECRET,
            "BOOKING_DEFAULT_ORGANIZATION": sandbox.main_org,
            "BOOKING_CONNECT_TIMEOUT": 1,
            "BOOKING_READ_TIMEOUT": 2,
            "BOOKING_RATE_LIMIT_ENABLED": "0",  # rate limits have their own tests
            **extra,
        }
    )
