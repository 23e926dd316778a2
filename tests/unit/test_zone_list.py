"""The time zone choice's list: which zones, their names and offsets, and the search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking_app.web.timezones import known_zones
from booking_app.web.zone_list import (
    MINUS,
    POPULAR,
    SLOT,
    ZoneEntry,
    canonical_zone,
    choice_countries,
    entry_for,
    fold,
    offset_label,
    offset_query,
    popular,
    search,
    slot_start,
    zone_entries,
)

SUMMER = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
WINTER = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def by_key(entries: list[ZoneEntry]) -> dict[str, ZoneEntry]:
    return {entry.key: entry for entry in entries}


def keys(entries: list[ZoneEntry]) -> list[str]:
    return [entry.key for entry in entries]


@pytest.mark.parametrize(
    ("key", "moment", "label", "minutes"),
    [
        ("Europe/Berlin", SUMMER, "UTC+02:00", 120),
        ("Europe/Berlin", WINTER, "UTC+01:00", 60),
        ("America/New_York", SUMMER, f"UTC{MINUS}04:00", -240),
        ("America/New_York", WINTER, f"UTC{MINUS}05:00", -300),
        ("Asia/Kolkata", SUMMER, "UTC+05:30", 330),
        ("Asia/Kolkata", WINTER, "UTC+05:30", 330),
        ("Europe/London", WINTER, "UTC", 0),
        ("Europe/London", SUMMER, "UTC+01:00", 60),
        ("Asia/Kathmandu", WINTER, "UTC+05:45", 345),
        ("America/St_Johns", WINTER, f"UTC{MINUS}03:30", -210),
    ],
)
def test_offset_at_the_instant(key: str, moment: datetime, label: str, minutes: int) -> None:
    entry = by_key(zone_entries("en", moment))[key]
    assert entry.offset == label
    assert entry.offset_minutes == minutes


def test_negative_offsets_use_a_real_minus_sign() -> None:
    assert offset_label(-300) == "UTC\u221205:00"
    assert "-" not in offset_label(-300)
    assert offset_label(330) == "UTC+05:30"
    assert offset_label(0) == "UTC"


def test_the_offset_changes_at_the_dst_instant_not_at_the_hour_of_the_cache() -> None:
    # Berlin springs forward at 01:00 UTC on 29 March 2026; St John's (Newfoundland)
    # falls back at 02:00 NDT on 1 November 2026, 04:30 UTC: a half hour, not an hour.
    change = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    before = by_key(zone_entries("en", change - timedelta(minutes=1)))["Europe/Berlin"]
    after = by_key(zone_entries("en", change))["Europe/Berlin"]
    assert (before.offset, after.offset) == ("UTC+01:00", "UTC+02:00")
    zone = ZoneInfo("America/St_Johns")
    fall = datetime(2026, 11, 1, 4, 30, tzinfo=UTC)
    assert (fall - timedelta(minutes=1)).astimezone(zone).utcoffset() != fall.astimezone(
        zone
    ).utcoffset()
    late = by_key(zone_entries("en", fall - timedelta(minutes=1)))["America/St_Johns"]
    early = by_key(zone_entries("en", fall))["America/St_Johns"]
    assert (late.offset, early.offset) == (f"UTC{MINUS}02:30", f"UTC{MINUS}03:30")


def test_every_dst_change_of_the_choice_falls_on_a_slot_boundary() -> None:
    """What caching per half hour rests on: offsets taken at a slot's start hold for
    the whole slot, for every zone of the choice, two years ahead."""
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC)
    changes = 0
    for key in choice_countries():
        zone = ZoneInfo(key)
        day = start
        while day < end:
            following = day + timedelta(days=1)
            if day.astimezone(zone).utcoffset() != following.astimezone(zone).utcoffset():
                low, high = day, following  # bisect to the minute of the change
                while high - low > timedelta(minutes=1):
                    middle = low + (high - low) // 2
                    middle = middle.replace(second=0, microsecond=0)
                    if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                        low = middle
                    else:
                        high = middle
                assert slot_start(high) == high, (key, high)
                changes += 1
            day = following
    assert changes > 100  # the check did look at real changes
    assert timedelta(minutes=30) == SLOT


def test_sorted_by_offset_then_city() -> None:
    entries = zone_entries("en", WINTER)
    order = [(entry.offset_minutes, fold(entry.city)) for entry in entries]
    assert order == sorted(order)
    assert entries[0].offset_minutes < -600
    assert entries[-1].offset_minutes >= 13 * 60


def test_the_choice_is_region_zones_of_the_per_country_table() -> None:
    entries = zone_entries("en", WINTER)
    found = keys(entries)
    assert len(found) == len(set(found)) > 350
    assert all("/" in key and key in known_zones() for key in found)
    assert not [k for k in found if k.startswith(("Etc/", "SystemV/", "posix/", "right/"))]
    for wanted in ("Europe/Amsterdam", "Europe/Oslo", "Asia/Kolkata", "Europe/Kyiv"):
        assert wanted in found
    for legacy in ("US/Eastern", "Asia/Calcutta", "Europe/Kiev", "UTC", "GB", "EST5EDT"):
        assert legacy not in found


@pytest.mark.parametrize(
    ("old", "current"),
    [
        ("Asia/Calcutta", "Asia/Kolkata"),
        ("US/Eastern", "America/New_York"),
        ("Europe/Kiev", "Europe/Kyiv"),
        ("America/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("Europe/Berlin", "Europe/Berlin"),
        ("UTC", "UTC"),
    ],
)
def test_old_names_stand_for_their_zone(old: str, current: str) -> None:
    assert canonical_zone(old) == current


def test_names_are_in_the_customers_language() -> None:
    german = by_key(zone_entries("de", WINTER))["Asia/Kolkata"]
    assert (german.city, german.region, german.country) == ("Kalkutta", "Asien", "Indien")
    english = by_key(zone_entries("en", WINTER))["Asia/Kolkata"]
    assert (english.city, english.region, english.country) == ("Kolkata", "Asia", "India")
    spanish = by_key(zone_entries("es", WINTER))["America/New_York"]
    assert spanish.city == "Nueva York"
    assert by_key(zone_entries("en", WINTER))["Indian/Maldives"].region == "Indian"


def test_an_unknown_language_falls_back_to_english() -> None:
    assert by_key(zone_entries("xx", WINTER))["Asia/Kolkata"].city == "Kolkata"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("new york", "America/New_York"),
        ("NEW YORK", "America/New_York"),
        ("  New   York ", "America/New_York"),
        ("york", "America/New_York"),
        ("berlin", "Europe/Berlin"),
        ("Kolkata", "Asia/Kolkata"),
        ("calcutta", "Asia/Kolkata"),  # the old name
        ("india", "Asia/Kolkata"),  # the country
        ("zurich", "Europe/Zurich"),
        ("Zürich", "Europe/Zurich"),
        ("ZÜRICH", "Europe/Zurich"),
        ("sao paulo", "America/Sao_Paulo"),
        ("São Paulo", "America/Sao_Paulo"),
        ("America/New_York", "America/New_York"),  # the key as it is
        ("kiev", "Europe/Kyiv"),
    ],
)
def test_search_by_city_ignores_case_and_accents(query: str, expected: str) -> None:
    found = search(zone_entries("en", WINTER), query)
    assert found, query
    assert found[0].key == expected


def test_search_in_the_customers_language() -> None:
    german = zone_entries("de", WINTER)
    assert search(german, "kalkutta")[0].key == "Asia/Kolkata"
    assert search(german, "Kolkata")[0].key == "Asia/Kolkata"  # the English name too
    assert search(zone_entries("es", WINTER), "nueva york")[0].key == "America/New_York"


def test_a_city_that_is_the_query_comes_first() -> None:
    found = keys(search(zone_entries("en", WINTER), "paris"))
    assert found[0] == "Europe/Paris"


@pytest.mark.parametrize("query", ["UTC+1", "utc+1", "UTC +1", "GMT+1", "+1", "UTC+01:00"])
def test_search_by_offset_finds_the_zones_at_that_offset_now(query: str) -> None:
    winter = keys(search(zone_entries("en", WINTER), query))
    assert {"Europe/Berlin", "Europe/Paris", "Africa/Lagos"} <= set(winter)
    assert "Europe/London" not in winter
    assert not [k for k in winter if by_key(zone_entries("en", WINTER))[k].offset_minutes != 60]
    summer = keys(search(zone_entries("en", SUMMER), query))
    assert "Europe/London" in summer
    assert "Europe/Berlin" not in summer
    assert "Pacific/Noumea" not in summer  # UTC+11:00 is not UTC+1


def test_search_by_other_offsets() -> None:
    winter = zone_entries("en", WINTER)
    assert "America/New_York" in keys(search(winter, "UTC-5"))
    assert "America/New_York" in keys(search(winter, f"UTC{MINUS}05:00"))
    assert "Asia/Kolkata" in keys(search(winter, "+5:30"))
    assert "Asia/Kolkata" in keys(search(winter, "utc+0530"))
    assert "Europe/London" in keys(search(winter, "UTC"))
    assert {e.offset_minutes for e in search(winter, "utc")} == {0}


@pytest.mark.parametrize(
    ("query", "minutes"),
    [("UTC+1", 60), ("gmt-5", -300), ("+05:30", 330), ("UTC−3", -180), ("utc", 0)],
)
def test_offset_queries(query: str, minutes: int) -> None:
    assert offset_query(query) == minutes


@pytest.mark.parametrize("query", ["UTC+15", "UTC+5:75", "berlin", "5", "utc++1"])
def test_not_offset_queries(query: str) -> None:
    assert offset_query(query) is None


@pytest.mark.parametrize("query", ["", "   ", "Mars/Base", "xyzzy", "<script>"])
def test_search_without_result(query: str) -> None:
    assert search(zone_entries("en", WINTER), query) == []


def test_popular_cities_are_in_the_choice() -> None:
    entries = zone_entries("en", WINTER)
    short = popular(entries)
    assert len(short) == len(POPULAR)
    assert 20 <= len(short) <= 30
    assert short == [entry for entry in entries if entry.key in set(POPULAR)]


def test_entries_are_kept_per_language_and_half_hour() -> None:
    first = zone_entries("fr", datetime(2026, 5, 4, 10, 1, tzinfo=UTC))
    same_slot = zone_entries("fr", datetime(2026, 5, 4, 10, 29, 59, tzinfo=UTC))
    assert all(a is b for a, b in zip(first, same_slot, strict=True))
    next_slot = zone_entries("fr", datetime(2026, 5, 4, 10, 30, tzinfo=UTC))
    assert first[0] is not next_slot[0]
    assert first == next_slot  # no offset changed in between
    other_language = zone_entries("it", datetime(2026, 5, 4, 10, 1, tzinfo=UTC))
    assert by_key(other_language)["Europe/Rome"].city == "Roma"


def test_a_zone_outside_the_choice_has_an_entry_too() -> None:
    utc = entry_for("UTC", "en", WINTER)
    assert (utc.key, utc.offset) == ("UTC", "UTC")
    gmt5 = entry_for("Etc/GMT+5", "en", WINTER)
    assert gmt5.offset == f"UTC{MINUS}05:00"
    assert entry_for("Asia/Calcutta", "de", WINTER).key == "Asia/Kolkata"


def test_fold() -> None:
    assert fold("  Zürich_Nord/ÉTÉ ") == "zurich nord ete"
    assert fold("Straße") == "strasse"
    assert fold(f"UTC{MINUS}05:00") == "utc-05:00"
