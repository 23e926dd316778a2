"""The customer's time zone: an explicit choice, else the browser's, else the business's."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones


@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    """Every IANA zone name this machine knows (the allow-list)."""
    return frozenset(available_timezones())


@lru_cache(maxsize=1)
def _by_city() -> dict[str, str]:
    """Zones by their city, as people type it ("new york" → America/New_York): the last
    part of each region's zone name (not the Etc/ and legacy ones)."""
    cities: dict[str, str] = {}
    for name in sorted(known_zones()):
        if "/" not in name or name.startswith(("Etc/", "SystemV/", "posix/", "right/")):
            continue
        city = name.rsplit("/", 1)[1].replace("_", " ").casefold()
        cities.setdefault(city, name)
    return cities


def valid_zone(name: str | None) -> str | None:
    """`name` if it is a known IANA zone (never a path), or the zone of a city typed as
    people write it ("New York", "berlin"), else None."""
    if not name or len(name) > 64:
        return None
    if name in known_zones():
        return name
    return _by_city().get(" ".join(name.replace("_", " ").split()).casefold())


def customer_zone(explicit: str | None, browser: str | None, organization: str) -> ZoneInfo:
    """The zone to show times in, by the documented order of preference."""
    for name in (explicit, browser, organization):
        valid = valid_zone(name)
        if valid:
            return ZoneInfo(valid)
    return ZoneInfo("UTC")


def business_zone(name: str | None) -> ZoneInfo:
    """The organization's zone (UTC when it names none we know): weeks are its weeks."""
    return ZoneInfo(valid_zone(name) or "UTC")
