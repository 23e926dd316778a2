"""Property tests over the signed tokens: any text is refused with InvalidToken (never
another exception), and what is signed comes back unchanged, for its own kind only."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking_app.web.tokens import FORM_SALT, MANAGE_SALT, InvalidToken, TokenSigner

SIGNER = TokenSigner("property-test-secret-key", FORM_SALT)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
PAYLOADS = st.dictionaries(st.text(max_size=10).filter(lambda k: k != "exp"), JSON_VALUES)
TOKENISH = st.one_of(
    st.text(max_size=5000),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:"),
    st.builds(lambda a, b, c: f"{a}.{b}.{c}", st.text(), st.text(), st.text()),
)


@settings(max_examples=400, deadline=None)
@given(token=TOKENISH)
def test_any_text_is_refused_cleanly(token: str) -> None:
    with pytest.raises(InvalidToken):
        SIGNER.load(token, max_age=3600)


@settings(max_examples=50, deadline=None)
@given(value=st.one_of(st.none(), st.integers(), st.binary(), st.lists(st.text())))
def test_non_text_is_refused_cleanly(value: Any) -> None:
    with pytest.raises(InvalidToken):
        SIGNER.load(value)


@settings(max_examples=200, deadline=None)
@given(payload=PAYLOADS)
def test_signed_payloads_round_trip_for_their_own_kind_only(payload: dict[str, Any]) -> None:
    token = SIGNER.sign(payload)
    assert SIGNER.load(token, max_age=60) == payload
    with pytest.raises(InvalidToken):
        TokenSigner("property-test-secret-key", MANAGE_SALT).load(token)
    with pytest.raises(InvalidToken):
        TokenSigner("another-secret-key-entirely", FORM_SALT).load(token)
    with pytest.raises(InvalidToken):
        SIGNER.load(token + "x")


@settings(max_examples=100, deadline=None)
@given(
    expires=st.one_of(st.text(max_size=5), st.integers(max_value=1_000_000), st.lists(st.none()))
)
def test_a_bad_or_past_expiry_is_refused(expires: Any) -> None:
    with pytest.raises(InvalidToken):
        SIGNER.load(SIGNER.sign({"exp": expires}))
