"""Build the fix a user pastes: their own ``session.update``, corrected, in the dialect they use.

Works from the user's last update so the fix keeps everything they meant (voice, instructions,
tools) and changes only what is wrong: other-dialect fields moved to their right names, unknown
fields dropped (or renamed when there is a close match), GA ``rate`` forced to 24000, and the
``enabled`` flag that was never part of transcription removed.
"""

from __future__ import annotations

import copy
from typing import Any

from rtinspect.doctor.finding import pretty
from rtinspect.protocol import Dialect
from rtinspect.protocol.dialect import convert_session, set_path
from rtinspect.protocol.names import closest_name
from rtinspect.protocol.session import BETA_KEY_TO_GA_PATH, get_setting

GA_TRANSCRIBE_MODEL = "gpt-4o-mini-transcribe"  # what a fix suggests (any listed model works)
BETA_TRANSCRIBE_MODEL = "whisper-1"
# Transcription-only models (docs/protocol.md §7): they transcribe, they do not hold a conversation.
TRANSCRIPTION_MODELS = frozenset(
    {
        "whisper-1",
        "gpt-4o-transcribe",
        "gpt-4o-mini-transcribe",
        "gpt-4o-transcribe-diarize",
        "gpt-realtime-whisper",
        "gpt-transcribe",
        "gpt-live-transcribe",
    }
)


def is_transcription_model(model: object) -> bool:
    """``gpt-4o-mini-transcribe`` and its dated snapshots (``...-2025-03-20``) alike."""
    return isinstance(model, str) and any(
        model == m or model.startswith(m + "-2") for m in TRANSCRIPTION_MODELS
    )


GA_TOP = frozenset(
    {
        "type",
        "output_modalities",
        "model",
        "instructions",
        "audio",
        "include",
        "tracing",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "reasoning",
        "max_output_tokens",
        "truncation",
        "prompt",
    }
)
GA_AUDIO = {
    "input": frozenset({"format", "transcription", "noise_reduction", "turn_detection"}),
    "output": frozenset({"format", "voice", "speed"}),
}
BETA_TOP = frozenset(
    {
        "modalities",
        "model",
        "instructions",
        "voice",
        "input_audio_format",
        "output_audio_format",
        "input_audio_transcription",
        "turn_detection",
        "input_audio_noise_reduction",
        "tools",
        "tool_choice",
        "temperature",
        "max_response_output_tokens",
        "speed",
        "tracing",
        "include",
    }
)
TRANSCRIPTION_KEYS = frozenset({"model", "language", "prompt", "languages", "keywords"})
TURN_KEYS = frozenset(
    {
        "type",
        "threshold",
        "prefix_padding_ms",
        "silence_duration_ms",
        "create_response",
        "interrupt_response",
        "idle_timeout_ms",
        "eagerness",
    }
)
BETA_TO_GA_PATH = BETA_KEY_TO_GA_PATH
GA_PATH_TO_BETA = {v: k for k, v in BETA_TO_GA_PATH.items()}


def dig(obj: Any, *path: str, default: Any = None) -> Any:
    """``obj[path0][path1]...`` or ``default`` when any step is missing or not a dict."""
    for key in path:
        if not isinstance(obj, dict) or key not in obj:
            return default
        obj = obj[key]
    return obj


def did_you_mean(name: str, known: frozenset[str]) -> str | None:
    """The field ``name`` most likely meant (the one did-you-mean, stricter here: a fix rewrites the key)."""
    return closest_name(name, known, cutoff=0.75)


def _clean_transcription(value: Any, default_model: str) -> Any:
    if not isinstance(value, dict):
        return value
    clean = {k: v for k, v in value.items() if k in TRANSCRIPTION_KEYS}
    if not clean.get("model"):
        clean = {"model": default_model, **clean}
    return clean


def _known_only(src: dict[str, Any], top: frozenset[str]) -> dict[str, Any]:
    """``src``'s fields the dialect knows; an unknown one renamed to its close match (a typo) when
    that field is not set too, else dropped: the server refuses the whole update for one of them."""
    out: dict[str, Any] = {}
    for key, value in src.items():
        if key in top:
            out[key] = value
        else:
            guess = did_you_mean(key, top)
            if guess and guess not in src:
                out[guess] = value
    return out


def to_ga(session: dict[str, Any]) -> dict[str, Any]:
    """The same session in GA shape, corrected: the translation is the protocol's
    (``protocol.dialect.convert_session``); then unknown fields dropped (or renamed when there is a
    close match), transcription and turn detection keep only their fields, ``rate`` 24000."""
    src, _ = convert_session(session, Dialect.GA)
    kind = src.get("type")
    out: dict[str, Any] = {"type": kind if kind in ("realtime", "transcription") else "realtime"}
    audio = src.pop("audio", None)
    out.update(_known_only({k: v for k, v in src.items() if k != "type"}, GA_TOP - {"audio", "type"}))
    if isinstance(audio, dict):
        for side, known in GA_AUDIO.items():
            part = audio.get(side)
            if isinstance(part, dict):
                for sub, v in part.items():
                    if sub in known:
                        set_path(out, ("audio", side, sub), v)
    inp = dig(out, "audio", "input", default=None)
    if isinstance(inp, dict):
        if "transcription" in inp:
            inp["transcription"] = _clean_transcription(inp["transcription"], GA_TRANSCRIBE_MODEL)
        fmt = inp.get("format")
        if isinstance(fmt, dict) and fmt.get("type", "audio/pcm") == "audio/pcm":
            fmt["type"] = "audio/pcm"
            fmt["rate"] = 24000
        td = inp.get("turn_detection")
        if isinstance(td, dict):
            inp["turn_detection"] = {k: v for k, v in td.items() if k in TURN_KEYS}
    fmt = dig(out, "audio", "output", "format", default=None)
    if isinstance(fmt, dict) and fmt.get("type", "audio/pcm") == "audio/pcm":
        fmt["rate"] = 24000
    return out


def to_beta(session: dict[str, Any]) -> dict[str, Any]:
    """The same session in the retired beta shape (for old code still pointed at ``legacy_beta``):
    the protocol's translation, then unknown fields dropped or renamed as in ``to_ga``."""
    src, _ = convert_session(session, Dialect.BETA)
    out = _known_only(src, BETA_TOP)
    tr = out.get("input_audio_transcription")
    if isinstance(tr, dict):
        clean = {k: v for k, v in tr.items() if k in ("model", "language", "prompt")}
        out["input_audio_transcription"] = _clean_transcription(clean, BETA_TRANSCRIBE_MODEL)
    if isinstance(out.get("turn_detection"), dict):
        out["turn_detection"] = {k: v for k, v in out["turn_detection"].items() if k in TURN_KEYS}
    return out


def corrected(session: dict[str, Any], ga: bool) -> dict[str, Any]:
    """The update the server would take: translated and corrected (``to_ga`` / ``to_beta``), then
    without each field the protocol's validator still refuses (a wrong type, a value out of its
    enum): a fix must never repeat the value that was refused, and the server's default for a
    field is better than an update it drops whole."""
    fixed = to_ga(session) if ga else to_beta(session)
    from rtinspect.protocol.validate import validate_client_event

    dialect = Dialect.GA if ga else Dialect.BETA
    for _ in range(8):  # each pass removes what was refused; nested refusals may need another
        kind = (
            "session.update" if ga or fixed.get("type") != "transcription" else "transcription_session.update"
        )
        refused = validate_client_event({"type": kind, "session": fixed}, dialect)
        paths = [_field_path(p.path) for p in refused]
        paths = [q for q in paths if q]
        if not paths:
            break
        for path in paths:
            fixed = without(fixed, *path)
    return fixed


def _field_path(path: str) -> tuple[str, ...]:
    """``session.output_modalities.0`` -> ``("output_modalities",)``: the field (not the list item)
    a refusal is about, under the session object."""
    parts = path.split(".")
    if parts[:1] == ["session"]:
        parts = parts[1:]
    out: list[str] = []
    for part in parts:
        name = part.split("[", 1)[0]
        if name and not name.isdigit():
            out.append(name)
        if part.isdigit() or "[" in part:
            break
    return tuple(out)


def with_transcription(session: dict[str, Any], ga: bool) -> dict[str, Any]:
    fixed = corrected(session, ga)
    if ga:
        if not isinstance(dig(fixed, "audio", "input", "transcription", default=None), dict):
            set_path(fixed, ("audio", "input", "transcription"), {"model": GA_TRANSCRIBE_MODEL})
    elif not isinstance(fixed.get("input_audio_transcription"), dict):
        fixed["input_audio_transcription"] = {"model": BETA_TRANSCRIBE_MODEL}
    return fixed


def update_json(session: dict[str, Any]) -> str:
    return pretty({"type": "session.update", "session": session})


def session_problems(session: dict[str, Any], ga: bool) -> list[tuple[str, str, str]]:
    """Static check of an update: ``(code, path, detail)`` for what the server would reject."""
    out: list[tuple[str, str, str]] = []
    top = GA_TOP if ga else BETA_TOP
    other = BETA_TOP - GA_TOP if ga else GA_TOP - BETA_TOP
    for key in session:
        path = f"session.{key}"
        if key not in top:
            if key in other or (key == "type" and not ga):
                where = "/".join(BETA_TO_GA_PATH.get(key, (key,))) if ga else GA_PATH_TO_BETA.get((key,), key)
                out.append(
                    (
                        "session-other-dialect-field",
                        path,
                        f"'{key}' is a {'beta' if ga else 'GA'} field; this dialect calls it '{where}'",
                    )
                )
            else:
                guess = did_you_mean(key, top)
                out.append(
                    (
                        "session-unknown-parameter",
                        path,
                        f"did you mean '{guess}'?" if guess else "not a field",
                    )
                )
    dialect = Dialect.GA if ga else Dialect.BETA
    tr = get_setting(session, dialect, "transcription")
    if isinstance(tr, dict):
        base = "session.audio.input.transcription" if ga else "session.input_audio_transcription"
        for k in tr:
            if k not in TRANSCRIPTION_KEYS:
                hint = (
                    "there is no on/off flag: an object with a 'model' turns transcription on, null turns it off"
                    if k == "enabled"
                    else "not a transcription field"
                )
                out.append(("session-unknown-parameter", f"{base}.{k}", hint))
    if ga:
        audio = session.get("audio")
        if isinstance(audio, dict):
            for side, known in GA_AUDIO.items():
                part = audio.get(side)
                if isinstance(part, dict):
                    for k in part:
                        if k not in known:
                            out.append(
                                ("session-unknown-parameter", f"session.audio.{side}.{k}", "not a field")
                            )
        fmt = dig(session, "audio", "input", "format", default=None)
        if isinstance(fmt, dict) and fmt.get("type") == "audio/pcm" and fmt.get("rate", 24000) != 24000:
            out.append(
                (
                    "session-value-out-of-range",
                    "session.audio.input.format.rate",
                    "GA audio/pcm accepts only rate 24000",
                )
            )
        if "type" not in session:
            out.append(
                (
                    "session-missing-type",
                    "session.type",
                    "GA needs session.type 'realtime' or 'transcription'",
                )
            )
    td = get_setting(session, dialect, "turn_detection")
    if isinstance(td, dict):
        thr = td.get("threshold")
        if isinstance(thr, int | float) and not 0.0 <= thr <= 1.0:
            out.append(
                ("session-value-out-of-range", "turn_detection.threshold", "threshold is between 0.0 and 1.0")
            )
    return out


def without(session: dict[str, Any], *path: str) -> dict[str, Any]:
    """A copy of ``session`` without the field at ``path`` (and without objects it leaves empty):
    the fix for a field the server does not take is to stop sending it."""
    out = copy.deepcopy(session)
    trail: list[tuple[dict[str, Any], str]] = []
    node: Any = out
    for key in path[:-1]:
        if not isinstance(node, dict) or not isinstance(node.get(key), dict):
            return out
        trail.append((node, key))
        node = node[key]
    if isinstance(node, dict):
        node.pop(path[-1], None)
    for parent, key in reversed(trail):
        if parent[key] == {}:
            del parent[key]
    return out
