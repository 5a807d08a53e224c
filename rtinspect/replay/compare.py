"""How the server's answers in a replay differ from the original's.

Compared, with ids, event ids, timestamps, expiry, ``obfuscation`` and audio bytes ignored:
the sequence of server event types (aligned with ``difflib``; each delta type counts once per
response, since chunking varies), the effective session config, input and output transcripts, errors,
output audio duration per response, and how the connection closed. When the original app
closed the connection itself, server events the replay receives after the end of the original's
sequence (say a ``rate_limits.updated`` the app closed too early to see) are not differences,
unless one of them is an error.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from rtinspect.replay.normalize import IdNamer, audio_ms, normalize
from rtinspect.tap import META_CONNECTION_CLOSED, Tapped

AUDIO_TOLERANCE_MS = 50.0
_ID_IN_TEXT = re.compile(r"\b(event|item|resp|sess|conv|call)_[A-Za-z0-9]{6,}\b")
_OUTPUT_AUDIO = ("response.output_audio.delta", "response.audio.delta")
_OUTPUT_TEXT_DONE = {
    "response.output_audio_transcript.done": "transcript",
    "response.audio_transcript.done": "transcript",
    "response.output_text.done": "text",
    "response.text.done": "text",
}


@dataclass
class Profile:
    """What matters about a session's server side, with run-to-run noise removed."""

    types: list[str] = field(default_factory=list)
    session: dict[str, Any] = field(default_factory=dict)
    input_transcripts: list[str | None] = field(default_factory=list)
    output_texts: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    audio_ms: list[float] = field(default_factory=list)  # output audio per response
    close: dict[str, Any] | None = None


def profile(records: Iterable[Tapped]) -> Profile:
    """One pass over ``records`` (an iterator is enough: nothing is kept but the profile)."""
    prof = Profile()
    ids = IdNamer()
    current_audio: float | None = None
    deltas_seen: set[str] = set()
    for rec in records:
        if rec.type == META_CONNECTION_CLOSED:
            ev = rec.event
            prof.close = {"code": ev.get("code"), "reason": ev.get("reason") or "", "by": ev.get("by")}
            continue
        if rec.dir != "server":
            continue
        type_ = rec.type
        if type_ == "response.created":
            deltas_seen = set()
        if type_.endswith(".delta"):
            # Chunking varies from run to run: one entry per delta type per response.
            if type_ not in deltas_seen:
                deltas_seen.add(type_)
                prof.types.append(type_)
        else:
            prof.types.append(type_)
        ev = rec.event
        if type_ in (
            "session.created",
            "session.updated",
            "transcription_session.created",
            "transcription_session.updated",
        ):
            session = ev.get("session")
            if isinstance(session, dict):
                prof.session = normalize(session, ids)
        elif type_ == "conversation.item.input_audio_transcription.completed":
            prof.input_transcripts.append(ev.get("transcript"))
        elif type_ == "conversation.item.input_audio_transcription.failed":
            err = ev.get("error") if isinstance(ev.get("error"), dict) else {}
            prof.input_transcripts.append(f"(failed: {err.get('code') or err.get('message')})")
        elif type_ in _OUTPUT_TEXT_DONE:
            prof.output_texts.append(str(ev.get(_OUTPUT_TEXT_DONE[type_])))
        elif type_ == "error":
            err = ev.get("error") if isinstance(ev.get("error"), dict) else {}
            prof.errors.append(
                {
                    "code": err.get("code"),
                    "param": err.get("param"),
                    "message": _ID_IN_TEXT.sub(r"\1_…", str(err.get("message"))),
                }
            )
        elif type_ == "response.created":
            current_audio = 0.0
        elif type_ in _OUTPUT_AUDIO and isinstance(ev.get("delta"), str):
            current_audio = (current_audio or 0.0) + audio_ms(ev["delta"])
        elif type_ == "response.done":
            prof.audio_ms.append(round(current_audio or 0.0, 1))
            current_audio = None
    return prof


@dataclass
class Difference:
    area: str  # events | session | transcripts | errors | audio | close
    message: str
    original: Any = None
    replay: Any = None


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def compare(
    original: Iterable[Tapped], replay: Iterable[Tapped], *, labels: tuple[str, str] = ("original", "replay")
) -> list[Difference]:
    """The differences of ``replay`` from ``original``; ``labels`` name the two in the messages
    (the compare view calls them healthy and broken)."""
    a, b = profile(original), profile(replay)
    ref, other = labels
    diffs: list[Difference] = []
    matcher = difflib.SequenceMatcher(None, a.types, b.types, autojunk=False)
    original_closed_by_app = (a.close or {}).get("by") == "client"
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op == "insert" and i1 == len(a.types) and original_closed_by_app and "error" not in b.types[j1:j2]:
            continue  # answers the original app never waited for: it had closed by then
        left, right = a.types[i1:i2], b.types[j1:j2]
        if op == "delete":
            msg = f"server events #{i1 + 1}-{i2} of the {ref} are missing: {', '.join(left)}"
        elif op == "insert":
            msg = f"{other} has extra server events after #{i1}: {', '.join(right)}"
        else:
            msg = f"server events #{i1 + 1}-{i2} differ: {', '.join(left)} -> {', '.join(right)}"
        diffs.append(Difference("events", msg, left, right))
    fa, fb = _flatten(a.session), _flatten(b.session)
    for key in sorted(set(fa) | set(fb)):
        if fa.get(key, "<absent>") != fb.get(key, "<absent>"):
            diffs.append(
                Difference(
                    "session",
                    f"session.{key}: {_short(fa.get(key, '<absent>'))} -> {_short(fb.get(key, '<absent>'))}",
                    fa.get(key),
                    fb.get(key),
                )
            )
    for name, left, right in (
        ("input transcripts", a.input_transcripts, b.input_transcripts),
        ("response texts/transcripts", a.output_texts, b.output_texts),
    ):
        if left != right:
            diffs.append(Difference("transcripts", f"{name}: {_short(left)} -> {_short(right)}", left, right))
    if a.errors != b.errors:
        codes_a = [e["code"] for e in a.errors]
        codes_b = [e["code"] for e in b.errors]
        msg = f"errors: {codes_a} -> {codes_b}" if codes_a != codes_b else "error messages or params differ"
        diffs.append(Difference("errors", msg, a.errors, b.errors))
    if len(a.audio_ms) != len(b.audio_ms) or any(
        abs(x - y) > AUDIO_TOLERANCE_MS for x, y in zip(a.audio_ms, b.audio_ms, strict=False)
    ):
        diffs.append(
            Difference(
                "audio", f"output audio ms per response: {a.audio_ms} -> {b.audio_ms}", a.audio_ms, b.audio_ms
            )
        )
    if (a.close or {}).get("code") != (b.close or {}).get("code") or (a.close or {}).get("reason") != (
        b.close or {}
    ).get("reason"):
        diffs.append(
            Difference("close", f"close: {_fmt_close(a.close)} -> {_fmt_close(b.close)}", a.close, b.close)
        )
    return diffs


def _fmt_close(close: dict[str, Any] | None) -> str:
    if not close:
        return "not recorded"
    return f"{close.get('code')} {close.get('reason')!r} by {close.get('by')}"


def as_json(diffs: list[Difference]) -> list[dict[str, Any]]:
    return [asdict(d) for d in diffs]
