"""Wire audio formats, and reading the session the server holds for its format and turn detection.

``rtinspect.protocol.session`` is the one place that knows the dialects' paths; this module
uses it when it is importable and falls back to a small reading of both dialects otherwise, so
the audio code never hard-codes which session it is talking to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rtinspect.protocol import Dialect
from rtinspect.tap import Tapped

try:  # the protocol core's dataclass, when it has landed
    from rtinspect.protocol.session import AudioFormat  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - only before rtinspect.protocol.session exists

    @dataclass(frozen=True, slots=True)
    class AudioFormat:  # type: ignore[no-redef]
        """Encoding on the wire: "pcm16" | "g711_ulaw" | "g711_alaw", with its rate and size."""

        encoding: str
        rate: int
        bytes_per_ms: float
        sample_width: int


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
        rate = rate or 24000
        return AudioFormat(encoding=PCM16, rate=rate, bytes_per_ms=rate * 2 / 1000, sample_width=2)
    return AudioFormat(encoding=enc, rate=8000, bytes_per_ms=8.0, sample_width=1)


def normalise_encoding(encoding: str) -> str:
    try:
        return _ALIASES[str(encoding).lower()]
    except KeyError:
        raise ValueError(f"unknown audio encoding {encoding!r}") from None


PCM16_24K = make_format(PCM16)
G711_ULAW = make_format(ULAW)
G711_ALAW = make_format(ALAW)


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
        from rtinspect.protocol.session import input_format  # type: ignore[attr-defined]

        fmt = input_format(session, dialect)
        return make_format(fmt.encoding, fmt.rate)
    except (ImportError, AttributeError, KeyError, TypeError, ValueError):
        pass
    if Dialect(dialect) is Dialect.BETA:
        return _safe_format(session.get("input_audio_format") or PCM16, None)
    spec = _dig(session, "audio", "input", "format")
    if isinstance(spec, dict):
        return _safe_format(spec.get("type") or PCM16, spec.get("rate"))
    return PCM16_24K


def turn_detection_of(session: dict[str, Any] | None, dialect: Dialect) -> dict[str, Any] | None:
    """The effective turn detection (``None`` when off). An unknown session counts as server VAD,
    the live default."""
    if not session:
        return {"type": "server_vad", "silence_duration_ms": 500}
    try:
        from rtinspect.protocol.session import turn_detection  # type: ignore[attr-defined]

        value = turn_detection(session, dialect)
        return value if isinstance(value, dict) else None
    except (ImportError, AttributeError, KeyError, TypeError, ValueError):
        pass
    if Dialect(dialect) is Dialect.BETA:
        value = session.get("turn_detection")
    else:
        value = _dig(session, "audio", "input", "turn_detection")
    return value if isinstance(value, dict) else None


def _safe_format(encoding: Any, rate: Any) -> AudioFormat:
    try:
        return make_format(str(encoding), int(rate) if isinstance(rate, int | float) else None)
    except ValueError:
        return PCM16_24K


def _dig(value: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value
