"""The Module API client: tokens, transport, envelope, errors, retries, schemas, caches."""

from __future__ import annotations

from flask import Flask, current_app

from booking_app.moduleapi import models
from booking_app.moduleapi.client import ModuleApiClient, api_language
from booking_app.moduleapi.errors import (
    ApiConnectionError,
    ApiTimeoutError,
    AuthenticationError,
    CircuitOpenError,
    ConflictError,
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


def init_app(app: Flask) -> None:
    """Build the app's client from `app.config["BOOKING"]` and its shared cache."""
    settings = app.config["BOOKING"]
    app.extensions["moduleapi"] = ModuleApiClient(
        api_url=settings.module_api_url,
        oauth_url=settings.oauth_url,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        module_id=settings.effective_module_id,
        cache=app.extensions.get("booking_cache"),
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
    )


def get_client() -> ModuleApiClient:
    """The current app's Module API client."""
    client: ModuleApiClient = current_app.extensions["moduleapi"]
    return client
