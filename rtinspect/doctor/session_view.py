"""Read the few things rules need from a session object of either dialect.

Kept here (not in ``rtinspect.session.state``) so the doctor can read a bare ``session.update`` or
``session.updated`` payload without folding a whole session; both dialects, GA first.
"""

from __future__ import annotations

from typing import Any

from rtinspect.protocol import Dialect
from rtinspect.protocol.session import PATHS, AudioFormat

_KINDS = {"pcm16": "pcm", "g711_ulaw": "pcmu", "g711_alaw": "pcma"}
GA_TRANSCRIBE_MODEL = "gpt-4o-mini-transcribe"
BETA_TRANSCRIBE_MODEL = "whisper-1"
MISSING: Any = object()


def dig(obj: Any, *path: str, default: Any = MISSING) -> Any:
    """``obj[path0][path1]...`` or ``default`` when any step is missing or not a dict."""
    for key in path:
        if not isinstance(obj, dict) or key not in obj:
            return default
        obj = obj[key]
    return obj


def is_ga_session(session: dict[str, Any]) -> bool | None:
    """True/False when the shape gives the dialect away, None when it does not."""
    if (
        "audio" in session
        or "output_modalities" in session
        or session.get("type") in ("realtime", "transcription")
    ):
        return True
    beta_keys = ("input_audio_format", "modalities", "input_audio_transcription", "voice", "turn_detection")
    if any(k in session for k in beta_keys):
        return False
    return None


def input_format(session: dict[str, Any] | None, dialect: Dialect | None) -> tuple[str, int] | None:
    """``(kind, rate)`` with kind in pcm|pcmu|pcma, or None when the session does not say."""
    if not isinstance(session, dict):
        return None
    fmt = dig(session, "audio", "input", "format")
    if not isinstance(fmt, dict):
        fmt = session.get("input_audio_format")
        if not isinstance(fmt, str):
            return None
    parsed = AudioFormat.from_wire(fmt)
    return _KINDS[parsed.encoding], parsed.rate


def output_rate(session: dict[str, Any] | None) -> int:
    if not isinstance(session, dict):
        return 24000
    fmt = dig(session, "audio", "output", "format")
    if isinstance(fmt, dict):
        return 8000 if fmt.get("type") in ("audio/pcmu", "audio/pcma") else int(fmt.get("rate") or 24000)
    return 8000 if str(session.get("output_audio_format", "")).startswith("g711") else 24000


def _setting(session: dict[str, Any] | None, name: str) -> Any:
    """A ``PATHS`` setting at its GA place, else its beta place, else MISSING."""
    if not isinstance(session, dict):
        return MISSING
    ga = dig(session, *PATHS[name][Dialect.GA])
    if ga is not MISSING:
        return ga
    return dig(session, *PATHS[name][Dialect.BETA])


def turn_detection(session: dict[str, Any] | None) -> Any:
    """The turn detection object (None = off) or MISSING when the session does not mention it."""
    return _setting(session, "turn_detection")


def transcription(session: dict[str, Any] | None) -> Any:
    """The transcription object (None = off) or MISSING when the session does not mention it."""
    return _setting(session, "transcription")


def vad_on(session: dict[str, Any] | None) -> bool:
    td = turn_detection(session)
    return isinstance(td, dict) and td.get("type") in ("server_vad", "semantic_vad", None)


def creates_response(session: dict[str, Any] | None) -> bool:
    td = turn_detection(session)
    return isinstance(td, dict) and td.get("create_response", True) is not False


def bytes_per_ms(fmt: tuple[str, int] | None) -> float:
    kind, rate = fmt or ("pcm", 24000)
    return rate / 1000.0 * (2 if kind == "pcm" else 1)


def b64_len(data: Any) -> int:
    """Decoded size of a base64 string without decoding it (appends are the bulk of a log)."""
    if not isinstance(data, str):
        return 0
    n = len(data)
    pad = 2 if data.endswith("==") else 1 if data.endswith("=") else 0
    return n * 3 // 4 - pad
