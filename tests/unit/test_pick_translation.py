"""The fallback chain for texts from the API's I18n lists, as a table."""

from __future__ import annotations

import pytest

from booking_app.web.i18n import best_language, pick_translation

FULL = [
    {"key": "en", "value": "Haircut"},
    {"key": "de", "value": "Haarschnitt"},
    {"key": "de-AT", "value": "Haarschnitt (AT)"},
    {"key": "fr-CA", "value": "Coupe (CA)"},
]


@pytest.mark.parametrize(
    ("entries", "lang", "org_lang", "fallback", "expected"),
    [
        (FULL, "de-AT", None, "", "Haarschnitt (AT)"),  # exact language-region
        (FULL, "de-CH", None, "", "Haarschnitt"),  # base language
        (FULL, "de", None, "", "Haarschnitt"),
        (FULL, "fr", None, "", "Coupe (CA)"),  # another region of the same language
        (FULL, "fr-FR", None, "", "Coupe (CA)"),
        (FULL, "es", "de", "", "Haarschnitt"),  # the organization's language
        (FULL, "es", None, "Plain", "Plain"),  # the untranslated field
        ([{"key": "it", "value": "Taglio"}], "es", "nl", "", "Taglio"),  # first non-empty
        ([{"key": "de-AT", "value": "Kopfmassage"}], "de", None, "K", "Kopfmassage"),
        ([{"key": "de-AT", "value": "Kopfmassage"}], "en", None, "Head", "Head"),
        ([], "en", "de", "Consultation", "Consultation"),
        (None, "en", None, "", ""),
        ([{"key": "en", "value": ""}, {"key": "de", "value": "Nur"}], "en", None, "", "Nur"),
        ([{"key": "EN_us", "value": "Cut"}], "en-US", None, "", "Cut"),  # keys normalised
        (["garbage", {"key": "en", "value": "Cut"}], "en", None, "", "Cut"),
    ],
)
def test_fallback_chain(
    entries: list[object] | None, lang: str, org_lang: str | None, fallback: str, expected: str
) -> None:
    assert (
        pick_translation(entries, lang, organization_language=org_lang, fallback=fallback)  # type: ignore[arg-type]
        == expected
    )


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (["de-DE", "en"], "de"),
        (["fr-CA", "de"], "fr"),
        (["ja", "pt-BR", "nl-BE"], "nl"),
        (["es-419"], "es"),
        (["it_CH"], "it"),
        (["ja"], "en"),
        ([], "en"),
        (["EN"], "en"),
    ],
)
def test_best_language(accept: list[str], expected: str) -> None:
    assert best_language(accept) == expected
