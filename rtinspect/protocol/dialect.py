"""Tell GA from beta, and translate names, sessions and client events between the two dialects.

The doctor uses this to print "the same session.update in GA shape"; the log reader and the TUI use
``detect_dialect`` on recordings that predate the header in their log. Facts: docs/protocol.md §0, §3, §4.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from rtinspect.protocol import Dialect
from rtinspect.protocol.session import BETA_KEY_TO_GA_PATH, AudioFormat
from rtinspect.tap import META_CONNECTION_OPENED

# beta name -> GA name, for event types that were renamed (both directions derive from it).
_BETA_TO_GA_TYPES = {
    "response.audio.delta": "response.output_audio.delta",
    "response.audio.done": "response.output_audio.done",
    "response.audio_transcript.delta": "response.output_audio_transcript.delta",
    "response.audio_transcript.done": "response.output_audio_transcript.done",
    "response.text.delta": "response.output_text.delta",
    "response.text.done": "response.output_text.done",
    "conversation.item.created": "conversation.item.added",
    "transcription_session.update": "session.update",
    "transcription_session.created": "session.created",
    "transcription_session.updated": "session.updated",
}
_GA_TO_BETA_TYPES = {
    ga: beta for beta, ga in _BETA_TO_GA_TYPES.items() if not beta.startswith("transcription_")
}
# GA types that exist in no form in beta.
_GA_ONLY_TYPES = frozenset(
    {
        "conversation.item.done",
        "input_audio_buffer.timeout_triggered",
        "input_audio_buffer.dtmf_event_received",
        "conversation.item.input_audio_transcription.segment",
        "mcp_list_tools.in_progress",
        "mcp_list_tools.completed",
        "mcp_list_tools.failed",
        "response.mcp_call_arguments.delta",
        "response.mcp_call_arguments.done",
        "response.mcp_call.in_progress",
        "response.mcp_call.completed",
        "response.mcp_call.failed",
    }
)
# Event types whose presence decides the dialect of a session.
BETA_MARKER_TYPES = frozenset(
    set(_BETA_TO_GA_TYPES) - {"conversation.item.created"} | {"conversation.created"}
)
GA_MARKER_TYPES = (
    frozenset(set(_GA_TO_BETA_TYPES) - {"session.update", "session.created", "session.updated"})
    | _GA_ONLY_TYPES
)

_BETA_SESSION_KEYS = frozenset(
    {
        "modalities",
        "input_audio_format",
        "output_audio_format",
        "input_audio_transcription",
        "input_audio_noise_reduction",
        "max_response_output_tokens",
        "temperature",
        "voice",
        "turn_detection",
    }
)
_GA_SESSION_KEYS = frozenset({"type", "audio", "output_modalities", "max_output_tokens"})


def detect_dialect(
    *,
    url: str | None = None,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    events: Iterable[Any] | None = None,
) -> Dialect | None:
    """The dialect a connection or recording speaks, or None when nothing tells.

    The ``OpenAI-Beta: realtime=v1`` header decides first (the server picked the shape by it); then
    the events (dicts, or records with an ``.event`` dict such as ``Tapped``); then headers without
    the beta header mean GA; then Azure URL forms (``/openai/v1/realtime`` GA, preview ``api-version`` beta).
    """
    header_items = _header_items(headers)
    if _has_beta_header(header_items):
        return Dialect.BETA
    if events is not None:
        for item in events:
            found = dialect_of_event(getattr(item, "event", item))
            if found is not None:
                return found
    if header_items:
        return Dialect.GA
    if url:
        lowered = url.lower()
        if "/openai/v1/realtime" in lowered:
            return Dialect.GA
        if "/openai/realtime" in lowered and "api-version=" in lowered and "preview" in lowered:
            return Dialect.BETA
    return None


def _has_beta_header(items: list[tuple[str, str]]) -> bool:
    return any(n.lower() == "openai-beta" and "realtime=v1" in v.replace(" ", "").lower() for n, v in items)


def _header_items(headers: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> list[tuple[str, str]]:
    if headers is None:
        return []
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    out = []
    for pair in pairs:
        try:
            name, value = pair
        except (TypeError, ValueError):
            continue
        out.append((str(name), str(value)))
    return out


def dialect_of_event(event: Any) -> Dialect | None:
    """The dialect one event proves (by its type name or its session/item shape), or None."""
    if not isinstance(event, Mapping):
        return None
    etype = event.get("type")
    etype = etype if isinstance(etype, str) else ""
    if etype == META_CONNECTION_OPENED:
        # rtinspect's own record of the connection: its dialect, else the beta header.
        if event.get("dialect") in (Dialect.GA.value, Dialect.BETA.value):
            return Dialect(event["dialect"])
        headers = event.get("headers")
        if isinstance(headers, Mapping | list) and _has_beta_header(_header_items(headers)):
            return Dialect.BETA
        return None
    if etype in BETA_MARKER_TYPES:
        return Dialect.BETA
    if etype in GA_MARKER_TYPES:
        return Dialect.GA
    session = event.get("session")
    if isinstance(session, Mapping):
        keys = set(session)
        if keys & _GA_SESSION_KEYS:
            return Dialect.GA
        if keys & _BETA_SESSION_KEYS:
            return Dialect.BETA
    for holder in (event.get("item"), event.get("part")):
        found = _dialect_of_content(holder)
        if found is not None:
            return found
    return None


def _dialect_of_content(holder: Any) -> Dialect | None:
    if not isinstance(holder, Mapping):
        return None
    parts = holder.get("content") if "content" in holder else [holder]
    if not isinstance(parts, list):
        return None
    for part in parts:
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind in ("output_text", "output_audio"):
            return Dialect.GA
        if kind in ("text", "audio") and holder.get("role", "assistant") == "assistant":
            return Dialect.BETA
    return None


def event_type_to(type_: str, dialect: Dialect) -> str | None:
    """The name an event type has in ``dialect`` (same name when unchanged; None when it has none)."""
    if Dialect(dialect) is Dialect.GA:
        return _BETA_TO_GA_TYPES.get(type_, type_)
    if type_ in _GA_ONLY_TYPES:
        return None
    return _GA_TO_BETA_TYPES.get(type_, type_)


def session_to_ga(beta_session: Mapping[str, Any]) -> dict[str, Any]:
    """A beta session object (or partial update) in GA shape; see ``convert_session`` for the notes."""
    return convert_session(beta_session, Dialect.GA)[0]


def session_to_beta(ga_session: Mapping[str, Any]) -> dict[str, Any]:
    """A GA session object (or partial update) in beta shape; see ``convert_session`` for the notes."""
    return convert_session(ga_session, Dialect.BETA)[0]


def convert_session(session: Mapping[str, Any], to: Dialect) -> tuple[dict[str, Any], list[str]]:
    """A session (or the ``session`` of an update) in the other dialect's shape, plus notes on what
    could not be carried over. Fields already in the target shape are kept, so it is idempotent."""
    if Dialect(to) is Dialect.GA:
        return _to_ga(session)
    return _to_beta(session)


def set_path(out: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """``out[path0][path1]... = deepcopy(value)``, making (or replacing non-dict) parents on the way."""
    node = out
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[path[-1]] = copy.deepcopy(value)


def _fmt_to_ga(value: Any) -> Any:
    return AudioFormat.from_wire(value).to_ga() if isinstance(value, str) else value


def _to_ga(src: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    out: dict[str, Any] = {}
    notes: list[str] = []
    transcription = (
        src.get("object") == "realtime.transcription_session" or src.get("type") == "transcription"
    )
    if "type" not in src:
        out["type"] = "transcription" if transcription else "realtime"
    for key, value in src.items():
        if key == "modalities":
            if transcription:
                notes.append("modalities dropped: a GA transcription session has no output modalities")
                continue
            mods = value if isinstance(value, list) else []
            out["output_modalities"] = ["audio"] if "audio" in mods else ["text"]
            if "audio" in mods and "text" in mods:
                notes.append(
                    'modalities ["text","audio"] became output_modalities ["audio"] (the transcript comes with it)'
                )
        elif key == "input_audio_format":
            set_path(out, ("audio", "input", "format"), _fmt_to_ga(value))
        elif key == "output_audio_format":
            set_path(out, ("audio", "output", "format"), _fmt_to_ga(value))
        elif key in BETA_KEY_TO_GA_PATH:
            set_path(out, BETA_KEY_TO_GA_PATH[key], value)
        elif key == "temperature":
            notes.append(f"temperature {value!r} dropped: GA has no temperature")
        elif key == "client_secret":
            notes.append("client_secret dropped: GA returns it from POST /v1/realtime/client_secrets")
        elif key == "audio" and isinstance(value, Mapping):
            for side, sub in value.items():
                if isinstance(sub, Mapping):
                    for k, v in sub.items():
                        set_path(out, ("audio", str(side), str(k)), v)
                else:
                    set_path(out, ("audio", str(side)), sub)
        else:
            out[key] = copy.deepcopy(value)
    if transcription:
        for key in (
            "instructions",
            "voice",
            "output_audio_format",
            "tools",
            "tool_choice",
            "max_response_output_tokens",
        ):
            if key in src:
                notes.append(f"{key} has no place in a GA transcription session")
    return out, notes


# (side, field) under the GA ``audio`` object -> the beta top-level key.
_GA_AUDIO_TO_BETA = {ga[1:]: beta for beta, ga in BETA_KEY_TO_GA_PATH.items() if ga[0] == "audio"}


def _to_beta(src: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    out: dict[str, Any] = {}
    notes: list[str] = []
    for key, value in src.items():
        if key == "type":
            if value == "transcription":
                notes.append("a GA transcription session is a beta transcription_session.update")
        elif key == "output_modalities":
            mods = value if isinstance(value, list) else []
            out["modalities"] = ["text", "audio"] if "audio" in mods else ["text"]
        elif key == "max_output_tokens":
            out["max_response_output_tokens"] = value
        elif key == "audio" and isinstance(value, Mapping):
            for side, sub in value.items():
                if not isinstance(sub, Mapping):
                    notes.append(f"audio.{side} dropped: not an object")
                    continue
                for k, v in sub.items():
                    name = _GA_AUDIO_TO_BETA.get((str(side), str(k)))
                    if name is None:
                        notes.append(f"audio.{side}.{k} dropped: beta has no such field")
                    else:
                        out[name] = _beta_value(name, v, notes)
        elif key in ("prompt", "truncation", "reasoning", "tracing", "include", "parallel_tool_calls"):
            if value is not None:
                notes.append(f"{key} dropped: beta session.update has no {key}")
        else:
            out[key] = copy.deepcopy(value)
    return out, notes


def _beta_value(name: str, value: Any, notes: list[str]) -> Any:
    if name.endswith("_audio_format") and isinstance(value, Mapping):
        fmt = AudioFormat.from_wire(value)
        if fmt.encoding == "pcm16" and fmt.rate != 24000:
            notes.append(f"{name}: beta pcm16 is always 24 kHz (rate {fmt.rate} not carried over)")
        return fmt.to_beta()
    if name == "turn_detection" and isinstance(value, Mapping):
        td = dict(value)
        idle = td.pop("idle_timeout_ms", None)
        if idle is not None:
            notes.append("turn_detection.idle_timeout_ms dropped: beta has no idle timeout")
        return td
    if name == "voice" and isinstance(value, Mapping):
        notes.append("custom voice object dropped: beta takes a voice name only; using 'alloy'")
        return "alloy"
    return copy.deepcopy(value)


def _convert_content(item: Any, to: Dialect) -> Any:
    """Assistant content part types: beta ``text``/``audio`` <-> GA ``output_text``/``output_audio``."""
    if not isinstance(item, Mapping) or not isinstance(item.get("content"), list):
        return copy.deepcopy(item)
    out = copy.deepcopy(dict(item))
    if out.get("role") != "assistant":
        return out
    names = {"text": "output_text", "audio": "output_audio"}
    if to is Dialect.BETA:
        names = {v: k for k, v in names.items()}
    for part in out["content"]:
        if isinstance(part, dict) and part.get("type") in names:
            part["type"] = names[part["type"]]
    return out


def _convert_response(params: Mapping[str, Any], to: Dialect) -> tuple[dict[str, Any], list[str]]:
    """``response.create``'s response parameters between dialects."""
    out: dict[str, Any] = {}
    notes: list[str] = []
    for key, value in params.items():
        if to is Dialect.GA and key == "modalities":
            mods = value if isinstance(value, list) else []
            out["output_modalities"] = ["audio"] if "audio" in mods else ["text"]
        elif to is Dialect.GA and key == "voice":
            set_path(out, ("audio", "output", "voice"), value)
        elif to is Dialect.GA and key == "output_audio_format":
            set_path(out, ("audio", "output", "format"), _fmt_to_ga(value))
        elif to is Dialect.GA and key == "max_response_output_tokens":
            out["max_output_tokens"] = value
        elif to is Dialect.GA and key == "temperature":
            notes.append(f"response.temperature {value!r} dropped: GA has no temperature")
        elif to is Dialect.BETA and key == "output_modalities":
            mods = value if isinstance(value, list) else []
            out["modalities"] = ["text", "audio"] if "audio" in mods else ["text"]
        elif to is Dialect.BETA and key == "max_output_tokens":
            out["max_response_output_tokens"] = value
        elif to is Dialect.BETA and key == "audio" and isinstance(value, Mapping):
            output = value.get("output")
            if isinstance(output, Mapping):
                if "voice" in output:
                    out["voice"] = _beta_value("voice", output["voice"], notes)
                if "format" in output:
                    out["output_audio_format"] = _beta_value("output_audio_format", output["format"], notes)
        elif to is Dialect.BETA and key in ("prompt", "reasoning", "parallel_tool_calls"):
            notes.append(f"response.{key} dropped: beta has no {key}")
        elif key == "input" and isinstance(value, list):
            out[key] = [_convert_content(i, to) for i in value]
        else:
            out[key] = copy.deepcopy(value)
    return out, notes


def translate_client_event(event: Mapping[str, Any], to: Dialect) -> tuple[dict[str, Any], list[str]]:
    """A client event in ``to``'s shape, plus notes on what could not be carried over.

    ``session.update`` and ``transcription_session.update`` map onto each other; ``response.create``
    parameters and assistant content part types are renamed; other events are copied.
    """
    target = Dialect(to)
    out = copy.deepcopy(dict(event))
    notes: list[str] = []
    etype = out.get("type")
    if etype in ("session.update", "transcription_session.update") and isinstance(
        out.get("session"), Mapping
    ):
        session = dict(out["session"])
        if etype == "transcription_session.update" and target is Dialect.GA:
            session = {"type": "transcription", **session}
        out["session"], notes = convert_session(session, target)
        if target is Dialect.GA:
            out["type"] = "session.update"
        elif session.get("type") == "transcription":
            out["type"] = "transcription_session.update"
            notes = [n for n in notes if "transcription_session.update" not in n]
            if session.get("include") is not None:  # beta transcription sessions do take include
                out["session"]["include"] = copy.deepcopy(session["include"])
                notes = [n for n in notes if not n.startswith("include ")]
    elif etype == "response.create" and isinstance(out.get("response"), Mapping):
        out["response"], notes = _convert_response(out["response"], target)
    elif etype == "conversation.item.create":
        out["item"] = _convert_content(out.get("item"), target)
    elif isinstance(etype, str):
        renamed = event_type_to(etype, target)
        if renamed is None:
            notes.append(f"{etype} has no {target.value} equivalent")
        else:
            out["type"] = renamed
    return out, notes
