"""The client against a running sandbox: a fresh client for it, and the sandbox's
request counters by route template (placeholders blanked)."""

from __future__ import annotations

import re
from typing import Any

from booking_app.moduleapi import ModuleApiClient
from tests.support.sandbox import SandboxProcess

TOKEN = "POST oauth/token"
TEMPLATES = "GET organization/<>/bookingTemplate/list"
RESOURCES = "GET organization/<>/bookingResource/list"
ADD = "POST organization/<>/appointment/add"
ORG_SHOW = "GET organization/<>/show"
WEEK = "GET organization/<>/bookingTemplate/<>/bookingSlot/year/<>/week/<>/listWeek"


def client_for(sb: SandboxProcess, **options: Any) -> ModuleApiClient:
    """A fresh client (own in-memory cache) for sandbox `sb`."""
    settings: dict[str, Any] = {
        "api_url": sb.base_url,
        "oauth_url": sb.oauth_url,
        "client_id": sb.client_id,
        "module_id": sb.module_id,
        "connect_timeout": 2.0,
        "read_timeout": 5.0,
    }
    settings.update(options)
    return ModuleApiClient(**settings)


def blanked(counts: dict[str, int]) -> dict[str, int]:
    """Request counts by route template with their placeholders blanked (`<org_id>` and
    `<orgId>` alike become `<>`); the counts of templates that become equal add up."""
    out: dict[str, int] = {}
    for route, n in counts.items():
        key = re.sub(r"<[^>]+>", "<>", route)
        out[key] = out.get(key, 0) + n
    return out


def routes(sb: SandboxProcess) -> dict[str, int]:
    """The sandbox's request counts by route template, placeholders blanked (`blanked`)."""
    return blanked(sb.counters()["routes"])


def calls(sb: SandboxProcess, route: str) -> int:
    """How often `route` (a blanked template, see `routes`) was called."""
    return routes(sb).get(route, 0)
