"""The server's view of the protocol core: validation, default sessions and session merging.

The server must never disagree with ``rtinspect.protocol`` about what a valid ``session.update`` is, so it
uses the core's functions whenever they are importable. The small fallbacks below only keep the server
usable while the core is being built; they cover the cases the tests name and nothing more.
Reading the effective session (input format, turn detection, transcription) is done here, from the
session dict, in one place per dialect.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from rtinspect.protocol import Dialect, Problem
from rtinspect.server.audio import InputFormat
from rtinspect.server.ids import new_id

try:  # the protocol core, when it has landed
    from rtinspect.protocol.validate import validate_client_event as _core_validate
except ImportError:  # pragma: no cover - transitional
    _core_validate = None
try:
    from rtinspect.protocol.session import default_session as _core_default
    from rtinspect.protocol.session import merge_session_update as _core_merge
except ImportError:  # pragma: no cover - transitional
    _core_default = None
    _core_merge = None

GA_MODELS = ("gpt-realtime", "gpt-4o-realtime-preview", "gpt-4o-mini-realtime-preview", "gpt-realtime-mini")
BETA_MODELS = ("gpt-4o-realtime-preview", "gpt-4o-mini-realtime-preview", "gpt-realtime")

_SERVER_VAD = {
    "type": "server_vad",
    "threshold": 0.5,
    "prefix_padding_ms": 300,
    "silence_duration_ms": 200,
    "idle_timeout_ms": None,
    "create_response": True,
    "interrupt_response": True,
}


def model_known(model: str, dialect: Dialect) -> bool:
    """Whether the live API (or, in legacy mode, the beta API) served this model name."""
    return any(
        model == m or model.startswith(m + "-") for m in (GA_MODELS if dialect == Dialect.GA else BETA_MODELS)
    )


def validate(event: dict[str, Any], dialect: Dialect) -> list[Problem]:
    if _core_validate is not None:
        return list(_core_validate(event, dialect))
    return _fallback_validate(event, dialect)


def default_session(
    dialect: Dialect, *, model: str | None, intent: str | None, minutes: int
) -> dict[str, Any]:
    """The session a new connection starts with, with a fresh ``sess_`` id and ``expires_at``."""
    if _core_default is not None:
        session = copy.deepcopy(_core_default(dialect, model=model, intent=intent))
    else:
        session = _fallback_default(dialect, model, intent)
    session["id"] = new_id("sess")
    session["expires_at"] = int(time.time()) + minutes * 60
    return session


def merge(effective: dict[str, Any], update: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """The effective session after a *valid* update (the caller validated it first)."""
    if _core_merge is not None:
        return _core_merge(copy.deepcopy(effective), update, dialect)
    return _deep_merge(copy.deepcopy(effective), update)


# -- reading the effective session ------------------------------------------------------------------


def _audio_input(session: dict[str, Any]) -> dict[str, Any]:
    audio = session.get("audio") or {}
    return (audio.get("input") or {}) if isinstance(audio, dict) else {}


def input_format(session: dict[str, Any], dialect: Dialect) -> InputFormat:
    if dialect == Dialect.GA:
        fmt = _audio_input(session).get("format") or {}
        kind = {"audio/pcmu": "ulaw", "audio/pcma": "alaw"}.get(fmt.get("type"), "pcm16")
        return InputFormat(kind, 8000 if kind != "pcm16" else int(fmt.get("rate") or 24000))
    name = session.get("input_audio_format") or "pcm16"
    kind = {"g711_ulaw": "ulaw", "g711_alaw": "alaw"}.get(name, "pcm16")
    return InputFormat(kind, 8000 if kind != "pcm16" else 24000)


def output_format(session: dict[str, Any], dialect: Dialect) -> InputFormat:
    if dialect == Dialect.GA:
        audio = session.get("audio") or {}
        fmt = ((audio.get("output") or {}).get("format") or {}) if isinstance(audio, dict) else {}
        kind = {"audio/pcmu": "ulaw", "audio/pcma": "alaw"}.get(fmt.get("type"), "pcm16")
        return InputFormat(kind, 8000 if kind != "pcm16" else 24000)
    name = session.get("output_audio_format") or "pcm16"
    kind = {"g711_ulaw": "ulaw", "g711_alaw": "alaw"}.get(name, "pcm16")
    return InputFormat(kind, 8000 if kind != "pcm16" else 24000)


def turn_detection(session: dict[str, Any], dialect: Dialect) -> dict[str, Any] | None:
    td = (
        _audio_input(session).get("turn_detection")
        if dialect == Dialect.GA
        else session.get("turn_detection")
    )
    return td if isinstance(td, dict) else None


def transcription_config(session: dict[str, Any], dialect: Dialect) -> dict[str, Any] | None:
    if dialect == Dialect.GA:
        tc = _audio_input(session).get("transcription")
    else:
        tc = session.get("input_audio_transcription")
    return tc if isinstance(tc, dict) and tc.get("model") else None


def output_modalities(session: dict[str, Any], dialect: Dialect) -> list[str]:
    mods = session.get("output_modalities" if dialect == Dialect.GA else "modalities")
    return (
        list(mods)
        if isinstance(mods, list) and mods
        else (["audio"] if dialect == Dialect.GA else ["text", "audio"])
    )


def voice(session: dict[str, Any], dialect: Dialect) -> str:
    if dialect == Dialect.GA:
        audio = session.get("audio") or {}
        return str(((audio.get("output") or {}).get("voice")) or "marin")
    return str(session.get("voice") or "alloy")


# -- transitional fallbacks -------------------------------------------------------------------------


def _deep_merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict) and key != "turn_detection":
            _deep_merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def _fallback_default(dialect: Dialect, model: str | None, intent: str | None) -> dict[str, Any]:
    if dialect == Dialect.GA:
        audio_in = {
            "format": {"type": "audio/pcm", "rate": 24000},
            "transcription": None,
            "noise_reduction": None,
            "turn_detection": dict(_SERVER_VAD),
        }
        if intent == "transcription":
            return {
                "type": "transcription",
                "object": "realtime.transcription_session",
                "audio": {"input": audio_in},
                "include": None,
            }
        return {
            "type": "realtime",
            "object": "realtime.session",
            "model": model or "gpt-realtime",
            "output_modalities": ["audio"],
            "instructions": "",
            "tools": [],
            "tool_choice": "auto",
            "max_output_tokens": "inf",
            "tracing": None,
            "truncation": "auto",
            "prompt": None,
            "include": None,
            "audio": {
                "input": audio_in,
                "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin", "speed": 1.0},
            },
        }
    td = {k: v for k, v in _SERVER_VAD.items() if k != "idle_timeout_ms"}
    if intent == "transcription":
        return {
            "object": "realtime.transcription_session",
            "input_audio_format": "pcm16",
            "input_audio_transcription": None,
            "turn_detection": td,
            "input_audio_noise_reduction": None,
            "include": None,
        }
    return {
        "object": "realtime.session",
        "model": model or "gpt-4o-realtime-preview",
        "modalities": ["text", "audio"],
        "instructions": "",
        "voice": "alloy",
        "input_audio_format": "pcm16",
        "output_audio_format": "pcm16",
        "input_audio_transcription": None,
        "turn_detection": td,
        "tools": [],
        "tool_choice": "auto",
        "temperature": 0.8,
        "max_response_output_tokens": "inf",
    }


def _fallback_validate(event: dict[str, Any], dialect: Dialect) -> list[Problem]:
    session = event.get("session")
    if "session" in event and not isinstance(session, dict):
        return [Problem("session", "invalid_type", "Invalid type for 'session': expected an object.")]
    if not isinstance(session, dict):
        return []
    problems: list[Problem] = []
    if dialect == Dialect.GA:
        fmt = (((session.get("audio") or {}).get("input") or {}).get("format")) or {}
        rate = fmt.get("rate") if isinstance(fmt, dict) else None
        if isinstance(rate, int) and rate < 24000:
            problems.append(
                Problem(
                    "session.audio.input.format.rate", "integer_below_min_value", "Expected a value >= 24000"
                )
            )
        tc = ((session.get("audio") or {}).get("input") or {}).get("transcription")
        if isinstance(tc, dict) and "enabled" in tc:
            p = "session.audio.input.transcription.enabled"
            problems.append(Problem(p, "unknown_parameter", f"Unknown parameter: '{p}'."))
    else:
        tc = session.get("input_audio_transcription")
        if isinstance(tc, dict) and "enabled" in tc:
            p = "session.input_audio_transcription.enabled"
            problems.append(Problem(p, "unknown_parameter", f"Unknown parameter: '{p}'."))
    return problems
