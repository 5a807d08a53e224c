"""Message texts in the live server's wording, and the hints rtinspect adds (did-you-mean, other dialect)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rtinspect.protocol import Dialect
from rtinspect.protocol._schema import Node, json_type
from rtinspect.protocol.names import closest_name

# Hints for a field of the OTHER dialect, keyed by its name relative to ``session``/``response``.
BETA_TO_GA = {
    "modalities": "output_modalities",
    "input_audio_format": "audio.input.format",
    "output_audio_format": "audio.output.format",
    "voice": "audio.output.voice",
    "speed": "audio.output.speed",
    "input_audio_transcription": "audio.input.transcription",
    "turn_detection": "audio.input.turn_detection",
    "input_audio_noise_reduction": "audio.input.noise_reduction",
    "max_response_output_tokens": "max_output_tokens",
    "temperature": None,
}
GA_TO_BETA = {
    "output_modalities": "modalities",
    "max_output_tokens": "max_response_output_tokens",
    "audio": "input_audio_format, output_audio_format, voice, speed, input_audio_transcription, "
    "turn_detection, input_audio_noise_reduction",
    "type": None,
    "tracing": None,
    "truncation": None,
    "prompt": None,
    "reasoning": None,
    "parallel_tool_calls": None,
}

ARTICLE = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}


GA_FORMATS = {
    "pcm16": "{'type': 'audio/pcm', 'rate': 24000}",
    "g711_ulaw": "{'type': 'audio/pcmu'}",
    "g711_alaw": "{'type': 'audio/pcma'}",
}


def format_hint(path: str, value: Any, dialect: Dialect) -> str | None:
    """A beta format name where GA wants a format object."""
    if dialect is Dialect.GA and path.endswith(".format") and isinstance(value, str) and value in GA_FORMATS:
        return f"beta format name; GA uses {GA_FORMATS[value]}"
    return None


TYPE_ORDER = ("string", "integer", "number", "boolean", "object", "array", "null")


def type_message(path: str, expected: frozenset[str], value: Any) -> str:
    names = [ARTICLE[t] for t in TYPE_ORDER if t in expected]
    want = names[0] if len(names) == 1 else "one of " + ", ".join(names[:-1]) + " or " + names[-1]
    return f"Invalid type for '{path}': expected {want}, but got {article(json_type(value))} instead."


def article(t: str) -> str:
    return ARTICLE.get(t, "a value")


def enum_message(value: Any, supported: Any) -> str:
    listed = ", ".join(quote(v) for v in supported)
    return f"Invalid value: {show(value)}. Supported values are: {listed}."


def quote(v: Any) -> str:
    return f"'{v}'" if isinstance(v, str) else json.dumps(v)


def show(value: Any) -> str:
    """A value for a message, short (never a whole audio payload)."""
    if isinstance(value, str):
        text = value if len(value) <= 80 else value[:77] + "..."
        return f"'{text}'"
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def range_message(path: str, kind: str, below: bool, bound: float, value: float) -> str:
    """The live range error, whole: ``Invalid 'session.audio.input.format.rate': integer below minimum
    value. Expected a value >= 24000, but got 16000 instead.`` (docs/protocol.md §11). ``kind``: integer or decimal."""
    side, word, op = ("below", "minimum", ">=") if below else ("above", "maximum", "<=")
    return (
        f"Invalid '{path}': {kind} {side} {word} value. "
        f"Expected a value {op} {num(bound)}, but got {num(value)} instead."
    )


def did_you_mean(value: Any, choices: Any) -> str | None:
    """The hint text for a misspelt name (``did you mean 'x'?``), from the one ``closest_name``."""
    match = closest_name(value, choices)
    return f"did you mean '{match}'?" if match is not None else None


def unknown_hint(key: str, path: str, siblings: Mapping[str, Node], dialect: Dialect) -> str | None:
    parts = path.split(".")
    hints: list[str] = []
    if len(parts) == 2 and parts[0] in ("session", "response"):
        root = parts[0]
        if dialect is Dialect.GA and key in BETA_TO_GA:
            ga = BETA_TO_GA[key]
            hints.append(
                f"beta name; GA uses {root}.{ga}" if ga else f"beta-only field; GA has no {root}.{key}"
            )
        elif dialect is Dialect.BETA and key in GA_TO_BETA:
            beta = GA_TO_BETA[key]
            if beta:
                names = ", ".join(f"{root}.{b.strip()}" for b in beta.split(","))
                hints.append(f"GA name; beta uses {names}")
            else:
                hints.append(f"GA-only field; beta has no {root}.{key}")
    if not hints and key == "enabled" and len(parts) > 1:
        # The classic mistake (langchain_dart#624): these objects are switched by presence, not a flag.
        parent = ".".join(parts[:-1])
        example = ' (e.g. {"model": "whisper-1"})' if parent.endswith("transcription") else ""
        hints.append(
            f"there is no 'enabled': set {parent} to an object{example} to turn it on, or null to turn it off"
        )
    if not hints:
        mean = did_you_mean(key, siblings)
        if mean:
            hints.append(mean)
    return "; ".join(hints) or None
