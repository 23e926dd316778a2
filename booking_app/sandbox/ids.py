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
CLIENT_ID_PREFIX = "demo-client-"  # a module's OAuth client id: never a `23…` id

_BODY = re.compile(r"^[0-9A-Za-z]{30}$")
# A custom entity type: the operator's own name (the SDK's examples: `car`, `rentalCar`).
_ENTITY_TYPE = re.compile(r"[A-Za-z][0-9A-Za-z_.-]{0,99}")


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


def client_id_for(module_id: str) -> str:
    """The OAuth client id of a sandbox module: derived from its id, so it is the same
    in every database (also one made before modules had a client id of their own), and
    clearly not a module id: `demo-client-` and 20 letters or digits."""
    return CLIENT_ID_PREFIX + stable_id("", f"client:{module_id}")[:20]


def is_valid_id(value: str, *prefixes: str) -> bool:
    """True when `value` is a well-formed id with one of the given prefixes."""
    return len(value) == ID_LENGTH and value[:2] in prefixes and bool(_BODY.match(value[2:]))


def is_entity_type(value: object) -> bool:
    """True when `value` can be a custom entity type: a letter, then at most 99
    letters, digits, `_`, `.` or `-`."""
    return isinstance(value, str) and bool(_ENTITY_TYPE.fullmatch(value))
