"""Settings are read from BOOKING_* variables and refused when wrong."""

from __future__ import annotations

import pytest

from booking_app.config import ConfigError, load_settings

ORG = "f6" + "A" * 30
GOOD = {"BOOKING_CLIENT_ID": "23" + "B" * 30, "BOOKING_SECRET_KEY": "x" * 32}


def test_defaults_point_at_the_real_api() -> None:
    settings = load_settings(GOOD)
    assert settings.module_api_url == "https://api.bookingtime.com/module/v3/"
    assert settings.oauth_url == "https://auth.bookingtime.com/oauth/token"
    assert settings.frame_ancestors == ("'self'",)
    assert settings.module_id == ""  # no default: the module routes are off
    assert settings.custom_entity_types == ()


def test_reads_every_variable() -> None:
    settings = load_settings(
        {
            **GOOD,
            "BOOKING_MODULE_API_URL": "http://127.0.0.1:8090/module/v3",
            "BOOKING_OAUTH_URL": "http://127.0.0.1:8090/oauth/token",
            "BOOKING_MODULE_ID": "23" + "C" * 30,
            "BOOKING_DEFAULT_ORGANIZATION": ORG,
            "BOOKING_FRAME_ANCESTORS": "'self' https://shop.example.com",
            "BOOKING_CACHE_URL": "redis://127.0.0.1:6379/0",
            "BOOKING_READ_TIMEOUT": "4.5",
            "BOOKING_CUSTOM_ENTITY_TYPES": " car, rentalCar,,car ",
        }
    )
    assert settings.module_api_url.endswith("/module/v3/")  # trailing slash added
    assert settings.module_id == "23" + "C" * 30
    assert settings.custom_entity_types == ("car", "rentalCar")  # trimmed, once each
    assert settings.frame_ancestors == ("'self'", "https://shop.example.com")
    assert settings.read_timeout == 4.5
    assert settings.default_organization == ORG


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"BOOKING_SECRET_KEY": "x" * 32}, "BOOKING_CLIENT_ID is required"),
        ({"BOOKING_CLIENT_ID": "23abc"}, "BOOKING_SECRET_KEY is required"),
        ({**GOOD, "BOOKING_SECRET_KEY": "short"}, "at least 16"),
        ({**GOOD, "BOOKING_MODULE_API_URL": "ftp://x"}, "BOOKING_MODULE_API_URL"),
        ({**GOOD, "BOOKING_OAUTH_URL": "not a url"}, "BOOKING_OAUTH_URL"),
        ({**GOOD, "BOOKING_READ_TIMEOUT": "soon"}, "BOOKING_READ_TIMEOUT"),
        ({**GOOD, "BOOKING_CONNECT_TIMEOUT": "-1"}, "BOOKING_CONNECT_TIMEOUT"),
        ({**GOOD, "BOOKING_DEFAULT_ORGANIZATION": "f6short"}, "BOOKING_DEFAULT_ORGANIZATION"),
        ({**GOOD, "BOOKING_CACHE_URL": "memcached://x"}, "BOOKING_CACHE_URL"),
        ({**GOOD, "BOOKING_FRAME_ANCESTORS": "https://a.com; script-src *"}, "FRAME_ANCESTORS"),
        ({**GOOD, "BOOKING_DEMO": "maybe"}, "BOOKING_DEMO"),
        ({**GOOD, "BOOKING_NOW": "New Year's Eve"}, "BOOKING_NOW must be an ISO 8601"),
        ({**GOOD, "BOOKING_NOW": "2026-12-31T23:20:00"}, "BOOKING_NOW needs a zone"),
        (
            {**GOOD, "BOOKING_NOW": "2026-12-31T23:20:00Z", "BOOKING_NOW_SINCE": "x"},
            "BOOKING_NOW_SINCE",
        ),
    ],
)
def test_refuses_missing_or_malformed(env: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        load_settings(env)


def test_demo_mode_needs_no_credentials() -> None:
    assert load_settings({"BOOKING_DEMO": "1"}).demo is True


def test_overrides_win_over_environment_and_unknown_names_fail() -> None:
    settings = load_settings(GOOD, {"read_timeout": 2})
    assert settings.read_timeout == 2.0
    with pytest.raises(ConfigError, match="unknown setting"):
        load_settings(GOOD, {"colour": "red"})
