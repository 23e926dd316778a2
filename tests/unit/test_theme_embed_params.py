"""Which embed parameters travel from page to page, and which utm_* reach a booking."""

from __future__ import annotations

import pytest

from booking_app.web.embed_params import carried_parameters, utm_parameters


@pytest.mark.parametrize(
    ("args", "carried"),
    [
        (
            {"eo": "https://shop.example.com", "eid": "ab12"},
            {"eo": "https://shop.example.com", "eid": "ab12"},
        ),
        ({"eo": "http://localhost:8080"}, {"eo": "http://localhost:8080"}),
        ({"eo": "javascript:alert(1)"}, {}),
        ({"eo": "https://shop.example.com/path"}, {}),
        ({"eid": "x" * 33}, {}),
        ({"eid": "a b"}, {}),
        ({"th": "primary:0b5cad,radius:4"}, {"th": "primary:0b5cad,radius:4"}),
        ({"th": "primary:red;}body{display:none"}, {}),
        ({"utm_source": " news "}, {"utm_source": "news"}),
        ({"utm_source": "x" * 101}, {}),
        ({"utm_source": "a\nb"}, {}),
        ({"utm_other": "x", "tz": "Europe/Berlin"}, {}),
    ],
)
def test_only_well_formed_parameters_travel(args: dict[str, str], carried: dict[str, str]) -> None:
    assert carried_parameters(args) == carried


def test_the_five_utm_keys_reach_the_booking() -> None:
    args = {f"utm_{k}": k for k in ("source", "medium", "campaign", "term", "content", "id")}
    assert utm_parameters(args) == {
        "utm_source": "source",
        "utm_medium": "medium",
        "utm_campaign": "campaign",
        "utm_term": "term",
        "utm_content": "content",
    }
