"""Make two runs of a session comparable: ids, times and random padding out, audio as duration.

The server mints new ids, event ids, expiry times and ``obfuscation`` strings on every run, and
audio bytes never match byte for byte; what must match is the shape and meaning of its answers.
Ids are renamed in order of first appearance (``item_1``, ``resp_1``...), so references between
events (a response's item id, a transcript's item id) still have to agree.
"""

from __future__ import annotations

import re
from typing import Any

from rtinspect.protocol import AUDIO_FIELDS
from rtinspect.protocol.audio import PCM16, AudioFormat

# Keys whose values change on every run and carry no meaning for a comparison.
VOLATILE_KEYS = frozenset(
    {"event_id", "obfuscation", "expires_at", "created_at", "timestamp", "reset_seconds", "remaining"}
)
_ID_RE = re.compile(r"^(event|item|resp|sess|conv|call|fc|msg|rs|mcp|ek)_[A-Za-z0-9]{6,}$")


class IdNamer:
    """Renames server-minted ids consistently across one session."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.counts: dict[str, int] = {}

    def __call__(self, value: str) -> str:
        name = self.names.get(value)
        if name is None:
            prefix = value.split("_", 1)[0]
            self.counts[prefix] = self.counts.get(prefix, 0) + 1
            name = self.names[value] = f"{prefix}_#{self.counts[prefix]}"
        return name


def audio_ms(payload: str, fmt: AudioFormat = PCM16) -> float:
    """Duration of a base64 audio payload in ``fmt`` (the protocol's default, pcm16 24 kHz, unless said)."""
    return round(fmt.ms_for_b64(payload), 1)


def normalize(value: Any, ids: IdNamer, *, type_: str | None = None) -> Any:
    """A copy of an event (or any JSON value) with volatile parts replaced."""
    if isinstance(value, dict):
        type_ = value.get("type") if isinstance(value.get("type"), str) else type_
        audio_key = AUDIO_FIELDS.get(type_ or "")
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in VOLATILE_KEYS:
                continue
            if key == audio_key and isinstance(item, str):
                out["audio_ms"] = audio_ms(item)
            else:
                out[key] = normalize(item, ids, type_=type_)
        return out
    if isinstance(value, list):
        return [normalize(item, ids, type_=type_) for item in value]
    if isinstance(value, str) and _ID_RE.match(value):
        return ids(value)
    return value
