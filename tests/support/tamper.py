"""Tampering with signed values (form and manage tokens, slot ids) the way an attacker
would: one character changed, the rest as it was."""

from __future__ import annotations


def flip(text: str, index: int, letters: str = "AB") -> str:
    """`text` with the character at `index` replaced by `letters[0]`, or by `letters[1]`
    where it already is `letters[0]`: always a different character, of the same kind."""
    first, second = letters[0], letters[1]
    return text[:index] + (first if text[index] != first else second) + text[index + 1 :]
