"""A recorded session as a Markdown transcript someone can read in an issue or a chat.

Turns in time order (what the user said or typed, what the assistant answered), every error at
the moment it came, how the connection ended, and the doctor's findings when it is available.
Audio never appears, only its duration; every line passes through ``redact_text``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from rtinspect.exchange.logio import SessionLog
from rtinspect.secrets import redact_text
from rtinspect.session.state import SessionState
from rtinspect.shown import capped
from rtinspect.tap import META_CONNECTION_CLOSED, META_TRANSPORT_ERROR

_TEXT_DONE = {
    "response.output_audio_transcript.done": "transcript",
    "response.audio_transcript.done": "transcript",
    "response.output_text.done": "text",
    "response.text.done": "text",
}


def _session_lines(session: dict[str, Any]) -> list[str]:
    audio = session.get("audio") if isinstance(session.get("audio"), dict) else {}
    inp = audio.get("input") if isinstance(audio.get("input"), dict) else {}
    out = audio.get("output") if isinstance(audio.get("output"), dict) else {}
    rows = {
        "model": session.get("model"),
        "output modalities": session.get("output_modalities") or session.get("modalities"),
        "voice": out.get("voice") or session.get("voice"),
        "input format": inp.get("format") or session.get("input_audio_format"),
        "output format": out.get("format") or session.get("output_audio_format"),
        "turn detection": inp.get("turn_detection", session.get("turn_detection")),
        "input transcription": inp.get("transcription", session.get("input_audio_transcription")),
    }
    lines = [f"| {k} | `{json.dumps(capped(v))}` |" for k, v in rows.items()]
    instructions = session.get("instructions")
    if isinstance(instructions, str) and instructions:
        short = instructions if len(instructions) <= 200 else instructions[:199] + "…"
        lines.append(f"| instructions | {redact_text(short).replace('|', '/').replace(chr(10), ' ')} |")
    return ["| setting | value |", "|---|---|", *lines]


def _user_text(item: dict[str, Any]) -> tuple[str | None, bool]:
    """(typed text, has audio) of a user message item."""
    texts, has_audio = [], False
    for part in item.get("content") or []:
        if not isinstance(part, dict):
            continue
        if part.get("type") in ("input_text", "text") and isinstance(part.get("text"), str):
            texts.append(part["text"])
        if part.get("type") == "input_audio":
            has_audio = True
    return (" ".join(texts) if texts else None), has_audio


def render_markdown(
    log: SessionLog, findings: list[Any] | Callable[[], list[Any] | None] | None = None
) -> str:
    """The transcript, in ONE pass over ``log.records`` (which may be a single-use stream); the
    findings may be a callable, asked for only after that pass (the doctor can run beside it)."""
    h = log.header
    lines = [f"# Realtime session `{log.path.name}`", ""]
    lines += [
        f"- **URL**: `{redact_text(str(h.get('url')))}`",
        f"- **model**: `{h.get('model')}` · **dialect**: `{h.get('dialect')}` · **started**: {h.get('started')}",
        "",  # the event counts, known after the pass
    ]
    if log.warning:
        lines.append(f"- **log warning**: {log.warning}")
    counts = {"client": 0, "server": 0, "meta": 0}
    last_t = 0.0
    final_session: dict[str, Any] | None = None
    body: list[str] = []
    transcripts: dict[str, str | None] = {}
    pending_user: dict[str, int] = {}  # item id -> index in body of its placeholder line
    # the session's one fold: a commit's audio in the format it was appended under (never a fixed 48)
    state = SessionState(dialect=h.get("dialect") if h.get("dialect") in ("ga", "beta") else None)
    for rec in log.records:
        ev, t = rec.event, f"`{rec.t:7.2f}s`"
        type_ = rec.type
        counts[rec.dir] = counts.get(rec.dir, 0) + 1
        last_t = rec.t
        state.apply(rec)
        if rec.dir == "client" and type_ == "conversation.item.create":
            item = ev.get("item") if isinstance(ev.get("item"), dict) else {}
            text, _ = _user_text(item)
            if text is not None:
                body.append(f"{t} **{item.get('role', 'user')}** (typed): {redact_text(text)}")
        elif rec.dir == "server" and type_ in ("session.created", "session.updated"):
            if isinstance(ev.get("session"), dict):
                final_session = ev["session"]
                if type_ == "session.updated":
                    body.append(f"{t} _session updated_")
        elif rec.dir == "server" and type_ == "input_audio_buffer.committed":
            item_id = str(ev.get("item_id"))
            pending_user[item_id] = len(body)
            commits = state.buffer.commits
            ms = commits[-1].ms if commits else 0.0
            body.append(f"{t} **user** (audio, {ms:.0f} ms appended): _no transcript_")
        elif rec.dir == "server" and type_ == "conversation.item.input_audio_transcription.completed":
            item_id = str(ev.get("item_id"))
            transcripts[item_id] = ev.get("transcript")
            if item_id in pending_user:
                line = body[pending_user[item_id]].replace(
                    "_no transcript_", redact_text(repr(ev.get("transcript")))
                )
                body[pending_user[item_id]] = line
        elif rec.dir == "server" and type_ == "conversation.item.input_audio_transcription.failed":
            err = ev.get("error") if isinstance(ev.get("error"), dict) else {}
            body.append(f"{t} ⚠ transcription failed: {redact_text(str(capped(err.get('message') or err)))}")
        elif rec.dir == "server" and type_ in _TEXT_DONE:
            body.append(f"{t} **assistant**: {redact_text(str(ev.get(_TEXT_DONE[type_])))}")
        elif rec.dir == "server" and type_ == "response.done":
            resp = ev.get("response") if isinstance(ev.get("response"), dict) else {}
            usage = resp.get("usage") if isinstance(resp.get("usage"), dict) else {}
            extra = f", {usage.get('total_tokens')} tokens" if usage.get("total_tokens") is not None else ""
            details = resp.get("status_details")
            why = f" ({json.dumps(capped(details))})" if details and resp.get("status") != "completed" else ""
            body.append(f"{t} _response {resp.get('status')}{why}{extra}_")
        elif rec.dir == "server" and type_ == "error":
            err = ev.get("error") if isinstance(ev.get("error"), dict) else {}
            param = f" (param `{err.get('param')}`)" if err.get("param") else ""
            message = redact_text(str(capped(err.get("message")))).replace("\n", " ")
            body.append(f"{t} ❌ **error** `{err.get('code')}`{param}: {message}")
        elif type_ == META_TRANSPORT_ERROR:
            body.append(f"{t} ❌ transport error: {redact_text(str(ev.get('message')))}")
        elif type_ == META_CONNECTION_CLOSED:
            body.append(
                f"{t} _connection closed: code {ev.get('code')} {ev.get('reason') or ''!r} by {ev.get('by')}_"
            )
    lines[4] = f"- **events**: {counts['client']} client, {counts['server']} server, over {last_t:.1f} s"
    if callable(findings):
        findings = findings()
    if final_session:
        lines += ["", "## Session (as the server last reported it)", "", *_session_lines(final_session)]
    lines += ["", "## Conversation", ""]
    lines += [line + "  " for line in body] or ["_(no turns)_"]
    if findings is not None:
        lines += ["", "## Doctor findings", ""]
        if not findings:
            lines.append("_none_")
        for f in findings:
            lines.append(f"- **{f.severity}** `{f.code}`: {redact_text(f.title)}")
            if getattr(f, "fix", None):
                lines += ["", "  ```json", *("  " + x for x in redact_text(f.fix).splitlines()), "  ```"]
    return "\n".join(lines) + "\n"
