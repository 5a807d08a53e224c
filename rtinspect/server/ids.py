"""Identifiers shaped like the live API's: a prefix and about 20 base62 characters.

Clients and the doctor sometimes match ids by prefix (``event_``, ``item_``, ``resp_``, ``sess_``),
so the forms matter; the values only need to be unique within a process.
"""

from __future__ import annotations

import os
import random
import string

_ALPHABET = string.ascii_letters + string.digits
# Ids are not secrets: a fast PRNG seeded from the OS is enough (every server event needs one).
_rng = random.Random(os.urandom(16))


def new_id(prefix: str, length: int = 20) -> str:
    """``prefix_`` + ``length`` random base62 characters (``new_id("event")`` -> ``event_Ab3...``)."""
    return prefix + "_" + "".join(_rng.choices(_ALPHABET, k=length))


def obfuscation(length: int = 12) -> str:
    """The undocumented padding string live GA delta events carry."""
    return "".join(_rng.choices(_ALPHABET, k=length))
