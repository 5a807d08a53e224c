"""The effective Realtime session: live defaults, how an update changes it, and dialect-free accessors.

Other areas (embedded server, state, doctor, TUI) read session settings only through this module, so
the two dialects' paths (GA ``audio.input.turn_detection`` vs beta ``turn_detection``) live in one place;
``input_format``/``output_format`` return the ``AudioFormat`` whose byte arithmetic ``protocol.audio`` owns.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from rtinspect.protocol import Dialect
from rtinspect.protocol.audio import (  # re-exported: the format is part of a session's settings
    G711_ALAW,
    G711_RATE,
    G711_ULAW,
    PCM16,
    PCM16_RATE,
    AudioFormat,
    Encoding,
)

DEFAULT_INSTRUCTIONS = (
    "You are a helpful, witty, and friendly AI. Keep answers short. "
    "(rtinspect placeholder for the server's built-in default instructions.)"
)
"""Stand-in for the live default instructions (a long server-side text we do not reproduce)."""

PLACEHOLDER_SESSION_ID = "sess_rtinspect0000000000"

# Where each logical setting lives in each dialect's session object.
PATHS: dict[str, dict[Dialect, tuple[str, ...]]] = {
    "input_format": {Dialect.GA: ("audio", "input", "format"), Dialect.BETA: ("input_audio_format",)},
    "output_format": {Dialect.GA: ("audio", "output", "format"), Dialect.BETA: ("output_audio_format",)},
    "transcription": {
        Dialect.GA: ("audio", "input", "transcription"),
        Dialect.BETA: ("input_audio_transcription",),
    },
    "turn_detection": {Dialect.GA: ("audio", "input", "turn_detection"), Dialect.BETA: ("turn_detection",)},
    "noise_reduction": {
        Dialect.GA: ("audio", "input", "noise_reduction"),
        Dialect.BETA: ("input_audio_noise_reduction",),
    },
    "voice": {Dialect.GA: ("audio", "output", "voice"), Dialect.BETA: ("voice",)},
    "speed": {Dialect.GA: ("audio", "output", "speed"), Dialect.BETA: ("speed",)},
    "modalities": {Dialect.GA: ("output_modalities",), Dialect.BETA: ("modalities",)},
    "max_output_tokens": {Dialect.GA: ("max_output_tokens",), Dialect.BETA: ("max_response_output_tokens",)},
}
# The same table keyed by the beta session key (every beta setting is a top-level key).
BETA_KEY_TO_GA_PATH: dict[str, tuple[str, ...]] = {
    paths[Dialect.BETA][0]: paths[Dialect.GA] for paths in PATHS.values()
}


def default_turn_detection(dialect: Dialect, type_: str = "server_vad") -> dict[str, Any]:
    """Live defaults of a VAD type (silence 200 ms live, although the spec says 500)."""
    if type_ == "semantic_vad":
        return {
            "type": "semantic_vad",
            "eagerness": "auto",
            "create_response": True,
            "interrupt_response": True,
        }
    td: dict[str, Any] = {
        "type": "server_vad",
        "threshold": 0.5,
        "prefix_padding_ms": 300,
        "silence_duration_ms": 200,
    }
    if Dialect(dialect) is Dialect.GA:
        td["idle_timeout_ms"] = None
    td["create_response"] = True
    td["interrupt_response"] = True
    return td


def default_session(
    dialect: Dialect,
    *,
    model: str | None = "gpt-realtime",
    intent: str | None = None,
    session_id: str = PLACEHOLDER_SESSION_ID,
    expires_at: int = 0,
) -> dict[str, Any]:
    """The session object the live server reports in ``session.created`` for a fresh connection.

    ``intent="transcription"`` gives the transcription-session shape (beta: the object of
    ``transcription_session.created``). ``expires_at`` is left to the caller (the server knows the clock).
    """
    d = Dialect(dialect)
    model = model or "gpt-realtime"
    transcription = intent == "transcription"
    if d is Dialect.GA and transcription:
        return {
            "type": "transcription",
            "object": "realtime.transcription_session",
            "id": session_id,
            "expires_at": expires_at,
            "audio": {"input": _ga_default_input(_transcription_turn_detection(d))},
            "include": None,
        }
    if d is Dialect.GA:
        return {
            "type": "realtime",
            "object": "realtime.session",
            "id": session_id,
            "model": model,
            "output_modalities": ["audio"],
            "instructions": DEFAULT_INSTRUCTIONS,
            "tools": [],
            "tool_choice": "auto",
            "max_output_tokens": "inf",
            "tracing": None,
            "truncation": "auto",
            "prompt": None,
            "expires_at": expires_at,
            "audio": {
                "input": _ga_default_input(default_turn_detection(d)),
                "output": {"format": PCM16.to_ga(), "voice": "alloy", "speed": 1},
            },
            "include": None,
        }
    if transcription:
        return {
            "id": session_id,
            "object": "realtime.transcription_session",
            "expires_at": expires_at,
            "modalities": ["text"],
            "input_audio_format": "pcm16",
            "input_audio_transcription": None,
            "turn_detection": _transcription_turn_detection(d),
            "input_audio_noise_reduction": None,
            "include": None,
            "client_secret": None,
        }
    return {
        "id": session_id,
        "object": "realtime.session",
        "expires_at": expires_at,
        "model": model,
        "modalities": ["text", "audio"],
        "instructions": DEFAULT_INSTRUCTIONS,
        "voice": "alloy",
        "output_audio_format": "pcm16",
        "input_audio_format": "pcm16",
        "input_audio_transcription": None,
        "turn_detection": default_turn_detection(d),
        "input_audio_noise_reduction": None,
        "tools": [],
        "tool_choice": "auto",
        "temperature": 0.8,
        "max_response_output_tokens": "inf",
        "speed": 1,
        "tracing": None,
        "client_secret": None,
        "include": None,
    }


def _ga_default_input(turn_detection: dict[str, Any]) -> dict[str, Any]:
    """GA ``audio.input`` of a fresh session (realtime and transcription alike)."""
    return {
        "format": PCM16.to_ga(),
        "transcription": None,
        "noise_reduction": None,
        "turn_detection": turn_detection,
    }


def _transcription_turn_detection(dialect: Dialect) -> dict[str, Any]:
    """A transcription session's default turn detection: server VAD without the response flags."""
    td = default_turn_detection(dialect)
    return {k: td[k] for k in ("type", "threshold", "prefix_padding_ms", "silence_duration_ms")}


# Objects an update replaces whole instead of merging into (a new format or transcription config
# does not inherit the old one's fields).
_REPLACED = frozenset(
    {"format", "transcription", "input_audio_transcription", "noise_reduction", "tracing", "prompt"}
)
_TURN_DETECTION_KEYS = frozenset({"turn_detection"})


def merge_session_update(
    effective: Mapping[str, Any], update: Mapping[str, Any], dialect: Dialect
) -> dict[str, Any]:
    """What the server holds after a VALID ``session.update``: objects merge, arrays and scalars are
    replaced, ``null`` clears. A turn detection of a new ``type`` starts from that type's defaults.

    Neither argument is modified.
    """
    return _merge(dict(effective), update, Dialect(dialect))


def _merge(base: dict[str, Any], update: Mapping[str, Any], dialect: Dialect) -> dict[str, Any]:
    out = {k: copy.deepcopy(v) for k, v in base.items()}
    for key, value in update.items():
        current = out.get(key)
        if key in _TURN_DETECTION_KEYS and isinstance(value, Mapping):
            vad_type = value.get(
                "type", current.get("type") if isinstance(current, Mapping) else "server_vad"
            )
            if not isinstance(current, Mapping) or current.get("type") != vad_type:
                current = default_turn_detection(dialect, str(vad_type))
            out[key] = _merge(dict(current), value, dialect)
        elif isinstance(value, Mapping) and isinstance(current, Mapping) and key not in _REPLACED:
            out[key] = _merge(dict(current), value, dialect)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _dialect_of(session: Mapping[str, Any], dialect: Dialect) -> Dialect:
    """The dialect whose shape a session object has (tolerates a mislabelled one)."""
    d = Dialect(dialect)
    if d is Dialect.GA and "audio" not in session and any(k in session for k in _BETA_MARKERS):
        return Dialect.BETA
    if d is Dialect.BETA and "audio" in session and not any(k in session for k in _BETA_MARKERS):
        return Dialect.GA
    return d


_BETA_MARKERS = (
    "input_audio_format",
    "output_audio_format",
    "input_audio_transcription",
    "turn_detection",
    "modalities",
)


def get_setting(session: Mapping[str, Any], dialect: Dialect, name: str, default: Any = None) -> Any:
    """A logical setting (a key of ``PATHS``) read from a session of either dialect; ``default`` if absent."""
    node: Any = session
    for part in PATHS[name][_dialect_of(session, dialect)]:
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


def input_format(session: Mapping[str, Any], dialect: Dialect) -> AudioFormat:
    """The input audio format the session declares (pcm16 24 kHz when unset)."""
    return AudioFormat.from_wire(get_setting(session, dialect, "input_format"))


def output_format(session: Mapping[str, Any], dialect: Dialect) -> AudioFormat:
    """The output audio format the session declares (pcm16 24 kHz when unset)."""
    return AudioFormat.from_wire(get_setting(session, dialect, "output_format"))


def turn_detection(session: Mapping[str, Any], dialect: Dialect) -> dict[str, Any] | None:
    """The turn detection config, or None when VAD is off (or the field is absent)."""
    value = get_setting(session, dialect, "turn_detection")
    return dict(value) if isinstance(value, Mapping) else None


def transcription_config(session: Mapping[str, Any], dialect: Dialect) -> dict[str, Any] | None:
    """The input transcription config, or None when transcription is off (or the field is absent)."""
    value = get_setting(session, dialect, "transcription")
    return dict(value) if isinstance(value, Mapping) else None


__all__ = [
    "G711_ALAW",
    "G711_RATE",
    "G711_ULAW",
    "PCM16",
    "PCM16_RATE",
    "PATHS",
    "AudioFormat",
    "Encoding",
    "default_session",
    "get_setting",
    "input_format",
    "merge_session_update",
    "output_format",
    "transcription_config",
    "turn_detection",
]


def session_of_update(update_event: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``session`` object of a ``session.update`` event ({} when absent or malformed)."""
    value = update_event.get("session")
    return value if isinstance(value, Mapping) else {}
