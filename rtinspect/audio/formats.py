"""Wire audio formats, and reading the session the server holds for its format and turn detection.

``rtinspect.protocol.session`` is the one place that knows the dialects' paths and the byte
arithmetic; this module only adds spellings and finds the session the server last reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rtinspect.protocol import Dialect
from rtinspect.protocol import audio as wire
from rtinspect.protocol.session import AudioFormat, input_format, turn_detection
from rtinspect.tap import Tapped

PCM16 = "pcm16"
ULAW = "g711_ulaw"
ALAW = "g711_alaw"
_ALIASES = {
    "pcm16": PCM16,
    "audio/pcm": PCM16,
    "pcm": PCM16,
    "g711_ulaw": ULAW,
    "audio/pcmu": ULAW,
    "pcmu": ULAW,
    "ulaw": ULAW,
    "g711_alaw": ALAW,
    "audio/pcma": ALAW,
    "pcma": ALAW,
    "alaw": ALAW,
}


def make_format(encoding: str, rate: int | None = None) -> AudioFormat:
    """An ``AudioFormat`` from any spelling of the encoding (beta name, GA mime type or short name)."""
    enc = normalise_encoding(encoding)
    if enc == PCM16:
        return AudioFormat(PCM16, rate or wire.PCM16_RATE)
    return AudioFormat(enc, wire.G711_RATE)


def normalise_encoding(encoding: str) -> str:
    try:
        return _ALIASES[str(encoding).lower()]
    except KeyError:
        raise ValueError(f"unknown audio encoding {encoding!r}") from None


PCM16_24K = wire.PCM16
G711_ULAW = wire.G711_ULAW
G711_ALAW = wire.G711_ALAW


def latest_session(events: Iterable[Tapped]) -> dict[str, Any] | None:
    """The session object of the last ``session.created``/``session.updated`` the server sent."""
    found: dict[str, Any] | None = None
    for rec in events:
        if rec.dir == "server" and rec.type in (
            "session.created",
            "session.updated",
            "transcription_session.created",
            "transcription_session.updated",
        ):
            session = rec.event.get("session")
            if isinstance(session, dict):
                found = session
    return found


def input_format_of(session: dict[str, Any] | None, dialect: Dialect) -> AudioFormat:
    if not session:
        return PCM16_24K
    try:
        return input_format(session, dialect)
    except (KeyError, TypeError, ValueError):
        return PCM16_24K


def turn_detection_of(session: dict[str, Any] | None, dialect: Dialect) -> dict[str, Any] | None:
    """The effective turn detection (``None`` when off). An unknown session counts as server VAD,
    the live default."""
    if not session:
        return {"type": "server_vad", "silence_duration_ms": 500}
    try:
        value = turn_detection(session, dialect)
    except (KeyError, TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None
