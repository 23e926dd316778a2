"""Entity ids: a two-character prefix and 30 letters or digits."""

from __future__ import annotations

import hashlib
import re
import secrets
import string

ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
ID_LENGTH = 32

ORGANIZATION = "f6"
MODULE_CONFIG = "5f"
BOOKING_TEMPLATE = "fc"
BOOKING_RESOURCE = "br"
BOOKING_SLOT = "4f"
APPOINTMENT = "ed"
EVENT_ATTENDANCE = "pd"
CUSTOMER = "d3"
CUSTOM_ENTITY = "6T"
FILE = "w1"
MODULE = "23"

_BODY = re.compile(r"^[0-9A-Za-z]{30}$")


def new_id(prefix: str) -> str:
    """A fresh random id with the entity's prefix."""
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(ID_LENGTH - 2))


def stable_id(prefix: str, name: str) -> str:
    """A deterministic id derived from a name, so the demo seed's ids never change."""
    digest = int.from_bytes(hashlib.sha256(name.encode()).digest(), "big")
    chars = []
    for _ in range(ID_LENGTH - 2):
        digest, rest = divmod(digest, len(ALPHABET))
        chars.append(ALPHABET[rest])
    return prefix + "".join(chars)


def is_valid_id(value: str, *prefixes: str) -> bool:
    """True when `value` is a well-formed id with one of the given prefixes."""
    return len(value) == ID_LENGTH and value[:2] in prefixes and bool(_BODY.match(value[2:]))
