"""The time zones a customer can choose, with city names and current offsets (no Flask).

The choice lists every IANA zone of the per-country table (`zone.tab`: one row per
country and zone, so Amsterdam and Oslo are there although the database merged
them into Brussels and Berlin), known to this machine, in its region (not the Etc/
and legacy ones). Each shows its city and country in the customer's language
(CLDR, through babel) and its offset at the moment asked for, so it is right on
either side of a DST change. Old names ("Asia/Calcutta", "US/Eastern", "Europe/Kiev")
find their current zone (`canonical_zone`) and are searchable too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from zoneinfo import TZPATH, ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import get_timezone_location, get_timezone_name

from booking_app.web.i18n import UI_LANGUAGES
from booking_app.web.timezones import known_zones

SKIPPED_PREFIXES = ("Etc/", "SystemV/", "posix/", "right/")
MINUS = "\u2212"
# Offsets are worked out once per slot of this length. Every DST change of the current
# rules falls on a whole or half hour UTC (Newfoundland's and Lord Howe's at :30), so
# offsets taken at a slot's start stay right for the whole slot (a unit test checks it).
SLOT = timedelta(minutes=30)
MAX_QUERY = 64

# Well-known cities for the short list shown before anything is typed: the widget's
# markets first, then one or two per continent.
POPULAR: tuple[str, ...] = (
    "Pacific/Honolulu", "America/Los_Angeles", "America/Denver", "America/Chicago",
    "America/Mexico_City", "America/New_York", "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires", "Europe/London", "Europe/Lisbon", "Europe/Madrid",
    "Europe/Paris", "Europe/Brussels", "Europe/Amsterdam", "Europe/Berlin", "Europe/Zurich",
    "Europe/Rome", "Europe/Athens", "Europe/Istanbul", "Europe/Moscow", "Africa/Cairo",
    "Africa/Johannesburg", "Asia/Dubai", "Asia/Kolkata", "Asia/Shanghai", "Asia/Tokyo",
    "Australia/Sydney", "Pacific/Auckland",
)  # fmt: skip

# The first part of a zone name as a CLDR region code, where CLDR has a name for it
# (the oceans have none: "Atlantic", "Indian", "Pacific", "Arctic" stay as they are).
_REGION_CODES = {
    "Africa": "002",
    "America": "019",
    "Antarctica": "AQ",
    "Asia": "142",
    "Australia": "AU",
    "Europe": "150",
}
_OFFSET_QUERY = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?:\s*[:.h]?\s*(\d{2}))?$")


@dataclass(frozen=True)
class ZoneEntry:
    """One zone as the choice shows it: `key` (the IANA name), `city` and `country` in
    the customer's language, `region` (the zone name's first part, localized where CLDR
    names it), and its offset then (`offset` as a label, "UTC+05:30", "UTC\u221205:00",
    "UTC"; `offset_minutes` east of UTC)."""

    key: str
    city: str
    region: str
    country: str
    offset: str
    offset_minutes: int
    search_text: str = field(default="", repr=False, compare=False)


@dataclass(frozen=True)
class _Names:
    """The language-dependent part of an entry (slow to build; does not change)."""

    key: str
    city: str
    region: str
    country: str
    search_text: str


def fold(text: str) -> str:
    """`text` for matching: case and accents gone ("Zürich" → "zurich"), the minus sign
    and the underscore of zone names read as "-" and " ", spaces collapsed."""
    text = text.replace(MINUS, "-").replace("_", " ").replace("/", " ")
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.replace("ß", "ss").split())


def offset_label(minutes: int) -> str:
    """ "UTC" for 0, else "UTC+05:30" / "UTC\u221205:00" (a real minus sign, U+2212)."""
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else MINUS
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def _tzdata_text(name: str) -> str:
    """One of the database's text files (`zone.tab`, `tzdata.zi`): the `tzdata`
    package's, else the system's; "" when neither has it."""
    try:
        return resources.files("tzdata").joinpath("zoneinfo", name).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        pass
    for folder in TZPATH:
        path = Path(folder) / name
        if path.is_file():
            return path.read_text("utf-8")
    return ""


def _region_zone(name: str) -> bool:
    return "/" in name and not name.startswith(SKIPPED_PREFIXES)


@lru_cache(maxsize=1)
def choice_countries() -> dict[str, str]:
    """The zones of the choice, each with its country code (from `zone.tab`)."""
    known = known_zones()
    zones: dict[str, str] = {}
    for line in _tzdata_text("zone.tab").splitlines():
        parts = line.split("\t")
        if line.startswith("#") or len(parts) < 3:
            continue
        code, name = parts[0], parts[2]
        if name in known and _region_zone(name):
            zones.setdefault(name, code)
    return zones


@lru_cache(maxsize=1)
def _links() -> dict[str, str]:
    """Old zone names → the name they link to (`tzdata.zi`'s `L target link` lines)."""
    links: dict[str, str] = {}
    for line in _tzdata_text("tzdata.zi").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "L":
            links[parts[2]] = parts[1]
    return links


@lru_cache(maxsize=1)
def _aliases() -> dict[str, tuple[str, ...]]:
    """The zones of the choice, each with the old names that link to it."""
    zones = choice_countries()
    found: dict[str, list[str]] = {}
    for link, target in _links().items():
        if target in zones and link not in zones:
            found.setdefault(target, []).append(link)
    return {key: tuple(sorted(names)) for key, names in found.items()}


def canonical_zone(name: str) -> str:
    """The zone of the choice that `name` stands for ("Asia/Calcutta" → "Asia/Kolkata");
    `name` itself when it is one of them or links to none."""
    if name in choice_countries():
        return name
    target = _links().get(name, name)
    return target if target in choice_countries() else name


def _locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en")


def _region(first: str, locale: Locale) -> str:
    code = _REGION_CODES.get(first)
    return str(locale.territories.get(code, first)) if code else first


def zone_names(key: str, lang: str, country_code: str = "") -> _Names:
    """The names of one zone in `lang`: any known zone, not only those of the choice."""
    locale = _locale(lang)
    english = Locale.parse("en")
    # A ZoneInfo, not the name: given a name, babel loads that zone through pytz (3.6 MiB
    # for the choice's 418 zones, kept for the process's life); the names are the same.
    zone = ZoneInfo(key)
    city = str(get_timezone_location(zone, locale, return_city=True))
    region = _region(key.split("/", 1)[0], locale) if _region_zone(key) else ""
    country = str(locale.territories.get(country_code, "")) if country_code else ""
    words = [
        city,
        str(get_timezone_location(zone, english, return_city=True)),
        key,
        region,
        country,
        str(english.territories.get(country_code, "")) if country_code else "",
        str(get_timezone_name(zone, "long", locale=locale)),
        *(alias.rsplit("/", 1)[-1] for alias in _aliases().get(key, ())),
    ]
    return _Names(key, city, region, country, fold(" | ".join(w for w in words if w)))


@lru_cache(maxsize=16)
def _all_names(lang: str) -> tuple[_Names, ...]:
    """The names of every zone of the choice in `lang` (babel: about 10 ms a language
    once its locale data is loaded, 100 ms for the first)."""
    return tuple(zone_names(key, lang, code) for key, code in sorted(choice_countries().items()))


def _entry(names: _Names, at: datetime) -> ZoneEntry:
    offset = at.astimezone(ZoneInfo(names.key)).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    return ZoneEntry(
        names.key,
        names.city,
        names.region,
        names.country,
        offset_label(minutes),
        minutes,
        f"{names.search_text} | {fold(offset_label(minutes))}",
    )


def slot_start(now: datetime) -> datetime:
    """The start of the SLOT `now` falls in, in UTC (the cache key of `zone_entries`)."""
    moment = now.astimezone(UTC)
    return moment.replace(minute=moment.minute - moment.minute % 30, second=0, microsecond=0)


@lru_cache(maxsize=2 * len(UI_LANGUAGES))  # this half hour's and the last (~240 KB each)
def _entries_at(lang: str, start: datetime) -> tuple[ZoneEntry, ...]:
    entries = (_entry(names, start) for names in _all_names(lang))
    return tuple(sorted(entries, key=lambda e: (e.offset_minutes, fold(e.city), e.key)))


def zone_entries(lang: str, now: datetime) -> list[ZoneEntry]:
    """Every zone of the choice, with its offset at `now` (an aware instant), in `lang`,
    sorted by offset, then city. Kept per language and half hour."""
    return list(_entries_at(lang, slot_start(now)))


def entry_for(key: str, lang: str, now: datetime) -> ZoneEntry:
    """The entry of one known zone, also one outside the choice ("UTC", "Etc/GMT+5")."""
    canonical = canonical_zone(key)
    for entry in _entries_at(lang, slot_start(now)):
        if entry.key == canonical:
            return entry
    return _entry(zone_names(key, lang), now)


def popular(entries: Iterable[ZoneEntry]) -> list[ZoneEntry]:
    """The entries of the POPULAR cities, in the order of `entries`."""
    wanted = set(POPULAR)
    return [entry for entry in entries if entry.key in wanted]


def offset_query(query: str) -> int | None:
    """The offset, in minutes east of UTC, that `query` names ("UTC+1", "gmt-5",
    "+05:30", "UTC\u22123" with the minus sign); 0 for a bare "UTC" or "GMT"; None
    when it names none."""
    text = fold(query)
    if text in {"utc", "gmt"}:
        return 0
    match = _OFFSET_QUERY.match(text)
    if not match:
        return None
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    if hours > 14 or minutes >= 60:
        return None
    total = hours * 60 + minutes
    return -total if sign == "-" else total


def search(entries: Sequence[ZoneEntry], query: str) -> list[ZoneEntry]:
    """The entries `query` finds, best first: an offset ("UTC+1") finds the zones that
    have it now; words find the zones whose city, country, key, zone name or old name
    contain every one of them, ignoring case and accents ("new york", "zurich",
    "Kolkata", "calcutta"); a city that is the query comes first, then another name
    that is ("India"), a city that starts with it, whole words, word starts, the rest.
    An empty query finds nothing."""
    query = query[:MAX_QUERY]
    minutes = offset_query(query)
    if minutes is not None:
        return [entry for entry in entries if entry.offset_minutes == minutes]
    words = fold(query).split()
    if not words:
        return []
    phrase = " ".join(words)
    found = [entry for entry in entries if all(w in entry.search_text for w in words)]

    whole_words = re.compile(rf"(?<!\S){re.escape(phrase)}(?!\S)")

    def rank(entry: ZoneEntry) -> int:
        city = fold(entry.city)
        if city == phrase:
            return 0
        if f"| {phrase} |" in f"| {entry.search_text} |":  # a name ("India", "Kiev")
            return 1
        if city.startswith(phrase):
            return 2
        if whole_words.search(entry.search_text):
            return 3
        return 4 if f" {phrase}" in f" {entry.search_text}" else 5

    return sorted(found, key=rank)  # stable: by offset, then city, within a rank


__all__ = [
    "POPULAR",
    "ZoneEntry",
    "canonical_zone",
    "choice_countries",
    "entry_for",
    "fold",
    "offset_label",
    "offset_query",
    "popular",
    "search",
    "slot_start",
    "zone_entries",
]
