"""Optional parts degrade (DESIGN principle 9).

Only the organization, its templates and its slots may fail a page. Branches, the
module's config, custom entities, attachments: when their route is refused, missing
or broken, the feature is simply absent and the customer can still book. Each such
failure is logged once per feature and organization (not on every page view), so an
operator sees it without a flood.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from booking_app.moduleapi import FeatureOffError, ModuleApiError

T = TypeVar("T")
log = logging.getLogger("booking_app.web.optional")

_SEEN_LIMIT = 10_000  # bounded: a flood of organizations cannot grow it forever
_seen: set[tuple[str, str, str]] = set()
_lock = threading.Lock()


def _first_time(feature: str, org_id: str, kind: str) -> bool:
    key = (feature, org_id, kind)
    with _lock:
        if key in _seen:
            return False
        if len(_seen) >= _SEEN_LIMIT:
            _seen.clear()
        _seen.add(key)
        return True


def optional(feature: str, org_id: str, load: Callable[[], T], absent: T) -> T:
    """`load()`, or `absent` when the upstream cannot give this optional feature.

    A feature switched off by configuration (`FeatureOffError`) is absent silently; any
    other Module API failure is logged once per feature, organization and error kind."""
    try:
        return load()
    except FeatureOffError:
        return absent
    except ModuleApiError as error:
        kind = type(error).__name__
        if _first_time(feature, org_id, kind):
            log.warning(
                "optional feature %s of %s is absent: %s (logged once)", feature, org_id, error
            )
        return absent


def forget_logged() -> None:
    """Log each failure again (tests)."""
    with _lock:
        _seen.clear()
