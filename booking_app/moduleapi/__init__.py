"""The Module API client: tokens, transport, envelope, errors, retries, schemas, caches.

`init_app(app)` builds one `ModuleApiClient` per app from `app.config["BOOKING"]` and
the app's shared cache; `get_client()` returns it inside a request or app context.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from booking_app.moduleapi import models
from booking_app.moduleapi.client import ModuleApiClient, api_language
from booking_app.moduleapi.errors import (
    ApiConnectionError,
    ApiTimeoutError,
    AuthenticationError,
    CircuitOpenError,
    ConflictError,
    FeatureOffError,
    ModuleApiError,
    NotFoundError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    ValidationError,
)

__all__ = [
    "ApiConnectionError",
    "ApiTimeoutError",
    "AuthenticationError",
    "CircuitOpenError",
    "ConflictError",
    "FeatureOffError",
    "ModuleApiClient",
    "ModuleApiError",
    "NotFoundError",
    "RateLimitError",
    "ResponseFormatError",
    "ServerError",
    "ValidationError",
    "api_language",
    "get_client",
    "init_app",
    "models",
]

EXTENSION = "moduleapi"


def init_app(app: Flask) -> ModuleApiClient:
    """Build the app's client from `app.config["BOOKING"]` (module_api_url, oauth_url,
    client_id, client_secret, module_id, connect_timeout, read_timeout) and the shared
    cache `app.extensions["booking_cache"]` (an in-memory cache when absent), and
    store it as `app.extensions["moduleapi"]`."""
    settings: Any = app.config["BOOKING"]
    client = ModuleApiClient(
        api_url=settings.module_api_url,
        oauth_url=settings.oauth_url,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        module_id=settings.module_id or None,
        cache=app.extensions.get("booking_cache"),
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
    )
    if getattr(settings, "default_organization", ""):
        client.tokens.mark_known(settings.default_organization)  # never held back
    app.extensions[EXTENSION] = client
    return client


def get_client() -> ModuleApiClient:
    """The current app's Module API client (needs an app context)."""
    client: ModuleApiClient = current_app.extensions[EXTENSION]
    return client
