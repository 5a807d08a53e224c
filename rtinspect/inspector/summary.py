"""One-line summaries of events and the audio-eliding view of an event for the detail panel.

Why its own module: the list and the detail must agree on how an event reads, and both must never
touch a raw base64 payload beyond measuring it (a 100 KB audio line would stall any highlighter).
No Textual here.
"""

from __future__ import annotations

import base64
import binascii
import math
from typing import Any

import numpy as np

from rtinspect.protocol.audio import AUDIO_FIELDS as _AUDIO_FIELD_OF
from rtinspect.protocol.audio import PCM16, b64_decoded_len, b64_len_to_bytes
from rtinspect.tap import META_AUDIO_SOURCE_STARTED

# Audio facts are protocol.audio's; these names stay for the views that import them from here.
AUDIO_TYPES = frozenset(_AUDIO_FIELD_OF)
AUDIO_FIELDS = tuple(dict.fromkeys(_AUDIO_FIELD_OF.values()))
PCM16_BYTES_PER_MS = PCM16.bytes_per_ms  # the default format's; callers pass the format in effect

__all__ = ["AUDIO_FIELDS", "AUDIO_TYPES", "PCM16_BYTES_PER_MS", "b64_len_to_bytes", "obj", "summarize"]


def obj(event: dict[str, Any], key: str) -> dict[str, Any]:
    """``event[key]`` when it is an object, else an empty one (events are untrusted input)."""
    value = event.get(key)
    return value if isinstance(value, dict) else {}


def audio_ms(n_bytes: int, bytes_per_ms: float = PCM16_BYTES_PER_MS) -> float:
    return n_bytes / bytes_per_ms if bytes_per_ms else 0.0


def dbfs(b64: str, max_bytes: int = 96_000) -> float | None:
    """RMS level of pcm16 audio in dBFS, from at most ``max_bytes`` decoded bytes (enough to read a level)."""
    try:
        data = base64.b64decode(b64[: (max_bytes // 3) * 4], validate=False)
    except (binascii.Error, ValueError):
        return None
    if len(data) < 2:
        return None
    samples = np.frombuffer(data[: len(data) - len(data) % 2], dtype="<i2").astype(np.float64)
    rms = math.sqrt(float(np.mean(samples * samples))) if len(samples) else 0.0
    return -120.0 if rms <= 0 else 20 * math.log10(rms / 32768.0)


def audio_label(b64: str, bytes_per_ms: float = PCM16_BYTES_PER_MS) -> str:
    """``<audio 40.0 ms, 1920 bytes, -23 dBFS>``: what an audio payload is, never the payload itself."""
    n = b64_decoded_len(b64)
    level = dbfs(b64)
    lvl = f", {level:.0f} dBFS" if level is not None else ""
    return f"<audio {audio_ms(n, bytes_per_ms):.1f} ms, {n} bytes{lvl}>"


def elide_audio(event: Any, type_: str, bytes_per_ms: float = PCM16_BYTES_PER_MS) -> Any:
    """A copy of the event with base64 audio replaced by its label and any other huge string cut."""
    if not isinstance(event, dict):
        return event
    out: dict[str, Any] = {}
    for key, value in event.items():
        if isinstance(value, str) and (
            (key in AUDIO_FIELDS and type_ in AUDIO_TYPES) or (key == "audio" and len(value) > 64)
        ):
            out[key] = audio_label(value, bytes_per_ms)
        elif isinstance(value, str) and len(value) > 4000:
            out[key] = value[:200] + f"... <{len(value)} chars>"
        elif isinstance(value, dict):
            out[key] = elide_audio(value, "", bytes_per_ms)
        elif isinstance(value, list):
            out[key] = [elide_audio(v, "", bytes_per_ms) if isinstance(v, dict) else v for v in value]
        else:
            out[key] = value
    return out


def _clip(text: Any, n: int = 80) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= n else s[: n - 1] + "…"


def _session_bits(session: dict[str, Any]) -> str:
    bits: list[str] = []
    audio = obj(session, "audio")
    inp = obj(audio, "input")
    td = inp.get("turn_detection", session.get("turn_detection", "?"))
    tr = inp.get("transcription", session.get("input_audio_transcription", "?"))
    if "turn_detection" in inp or "turn_detection" in session:
        bits.append("vad=" + (td.get("type", "?") if isinstance(td, dict) else "off"))
    if "transcription" in inp or "input_audio_transcription" in session:
        bits.append("transcription=" + (str(tr.get("model", "on")) if isinstance(tr, dict) else "off"))
    fmt = inp.get("format")
    if isinstance(fmt, dict):
        bits.append(f"in={fmt.get('type')}@{fmt.get('rate', '')}")
    elif "input_audio_format" in session:
        bits.append(f"in={session['input_audio_format']}")
    mods = session.get("output_modalities", session.get("modalities"))
    if mods:
        bits.append("out=" + "+".join(map(str, mods)))
    return " ".join(bits) or ", ".join(sorted(session)[:6])


def summarize(type_: str, event: dict[str, Any], bytes_per_ms: float = PCM16_BYTES_PER_MS) -> str:
    """The one-line summary shown beside the type in the event list."""
    e = event
    if type_ == "error":
        err = obj(e, "error")
        code = err.get("code") or err.get("type") or ""
        param = f" [{err['param']}]" if err.get("param") else ""
        return _clip(f"{code}: {err.get('message', '')}{param}", 160)
    if type_ in AUDIO_TYPES:
        payload = e.get(_AUDIO_FIELD_OF[type_])
        if isinstance(payload, str):
            n = b64_decoded_len(payload)
            return f"{audio_ms(n, bytes_per_ms):.1f} ms, {n} bytes"
        return ""
    if type_ in ("session.update", "session.created", "session.updated", "transcription_session.update"):
        s = e.get("session")
        return _session_bits(s) if isinstance(s, dict) else ""
    if type_.endswith(".delta"):
        d = e.get("delta")
        return _clip(repr(d) if isinstance(d, str) else d, 100)
    if "transcription.completed" in type_ or type_.endswith("transcript.done"):
        return _clip(repr(e.get("transcript", "")), 120)
    if type_.endswith("transcription.failed"):
        err = obj(e, "error")
        return _clip(f"FAILED {err.get('code') or ''}: {err.get('message', '')}", 120)
    if type_ in ("response.output_text.done", "response.text.done"):
        return _clip(repr(e.get("text", "")), 120)
    if type_.startswith("input_audio_buffer.speech_"):
        ms = e.get("audio_start_ms", e.get("audio_end_ms"))
        return f"{ms} ms  item={e.get('item_id')}"
    if type_ == "input_audio_buffer.committed":
        return f"item={e.get('item_id')}"
    if type_ in ("response.created", "response.done"):
        r = obj(e, "response")
        usage = obj(r, "usage")
        tok = f" tokens={usage.get('total_tokens')}" if usage else ""
        return f"{r.get('id', '')} {r.get('status', '')}{tok}".strip()
    if type_ == "rate_limits.updated":
        lims = e.get("rate_limits") or []
        return _clip(
            " ".join(
                f"{x.get('name')}={x.get('remaining')}/{x.get('limit')}" for x in lims if isinstance(x, dict)
            )
        )
    if type_.startswith("conversation.item."):
        item = obj(e, "item")
        if item:
            return _clip(
                f"{item.get('role') or item.get('type', '')} {item.get('id', '')} {item.get('status') or ''}"
            )
        return _clip(f"item={e.get('item_id', '')}")
    if type_ == META_AUDIO_SOURCE_STARTED:
        return _clip(describe_source(e), 120)
    if type_.startswith("rtinspect."):
        rest = {k: v for k, v in e.items() if k not in ("type", "headers")}
        return _clip(" ".join(f"{k}={v}" for k, v in rest.items()), 120)
    if type_ == "response.create":
        wanted = e.get("response")
        return _clip(orjson_short(wanted)) if wanted else ""
    if type_ == "conversation.item.create":
        item = obj(e, "item")
        return _clip(f"{item.get('type', '')} {item.get('role', '')}")
    return ""


def _rate(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def describe_source(event: dict[str, Any]) -> str:
    """What rtinspect did to a file it streamed (``rtinspect.audio.started``), in one line:
    ``weather_16k_mono.wav: 16000 Hz → 24000 Hz (resampled)``, or, sent as is under another
    declared rate, ``… 16000 Hz sent as is, declared 24000 Hz (NOT resampled)``: the conversion is
    never silent, so the 16 kHz mistake can be made on purpose and seen."""
    path = event.get("path")
    name = str(path).replace("\\", "/").rsplit("/", 1)[-1] if path else str(event.get("source") or "audio")
    rate, wire, declared = (
        _rate(event.get("rate")),
        _rate(event.get("wire_rate")),
        _rate(event.get("declared_rate")),
    )
    if rate is None or wire is None:
        return name
    if rate != wire:
        return f"{name}: {rate} Hz → {wire} Hz (resampled)"
    if declared is not None and declared != wire:
        return f"{name}: {rate} Hz sent as is, declared {declared} Hz (NOT resampled)"
    return f"{name}: {rate} Hz (no resampling needed)"


def orjson_short(value: Any) -> str:
    import orjson

    try:
        return orjson.dumps(value).decode()[:120]
    except TypeError:
        return str(value)[:120]
