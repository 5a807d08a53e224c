"""Follow one turn of a live session from its events: when it is over, and what happened in it.

Used by ``rtinspect send`` to know when to stop waiting and to print a readable account
(VAD windows, transcripts, responses, errors, timings). Pure: it only reads ``Tapped`` records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rtinspect.audio.formats import latest_session
from rtinspect.protocol import Dialect
from rtinspect.protocol.session import transcription_config, turn_detection
from rtinspect.tap import META_CONNECTION_CLOSED, Tapped
from rtinspect.transport.client import audio_payload_bytes

_TRANSCRIPT_DONE = "conversation.item.input_audio_transcription.completed"
_TRANSCRIPT_FAILED = "conversation.item.input_audio_transcription.failed"
_TEXT_DELTAS = ("response.output_text.delta", "response.text.delta")
_AUDIO_TRANSCRIPT_DELTAS = ("response.output_audio_transcript.delta", "response.audio_transcript.delta")
_AUDIO_DELTAS = ("response.output_audio.delta", "response.audio.delta")


@dataclass
class Response:
    id: str
    created_t: float
    done_t: float | None = None
    status: str | None = None
    status_details: Any = None
    text: str = ""
    audio_bytes: int = 0


@dataclass
class Turn:
    """What one streamed file produced."""

    speech: list[tuple[int | None, int | None]] = field(default_factory=list)  # VAD windows, ms
    committed: dict[str, float] = field(default_factory=dict)  # item_id -> t
    transcripts: dict[str, tuple[float, str | None, str | None]] = field(
        default_factory=dict
    )  # id -> t, text, error
    responses: dict[str, Response] = field(default_factory=dict)
    errors: list[Tapped] = field(default_factory=list)
    failed_steps: set[str] = field(default_factory=set)  # client event_ids the server answered with an error
    closed: Tapped | None = None
    count: int = 0

    def fold(self, rec: Tapped) -> None:
        self.count += 1
        ev, kind = rec.event, rec.type
        if rec.dir == "meta":
            if kind == META_CONNECTION_CLOSED:
                self.closed = rec
            return
        if rec.dir != "server":
            return
        if kind == "error":
            self.errors.append(rec)
            err = ev.get("error") if isinstance(ev.get("error"), dict) else {}
            if isinstance(err.get("event_id"), str):
                self.failed_steps.add(err["event_id"])
        elif kind == "input_audio_buffer.speech_started":
            self.speech.append((ev.get("audio_start_ms"), None))
        elif kind == "input_audio_buffer.speech_stopped":
            start = self.speech.pop()[0] if self.speech and self.speech[-1][1] is None else None
            self.speech.append((start, ev.get("audio_end_ms")))
        elif kind == "input_audio_buffer.committed":
            self.committed[str(ev.get("item_id"))] = rec.t
        elif kind in (_TRANSCRIPT_DONE, _TRANSCRIPT_FAILED):
            err = ev.get("error") if isinstance(ev.get("error"), dict) else None
            message = (err or {}).get("message") if kind == _TRANSCRIPT_FAILED else None
            text = ev.get("transcript") if kind == _TRANSCRIPT_DONE else None
            self.transcripts[str(ev.get("item_id"))] = (
                rec.t,
                text,
                message or ("failed" if err is not None else None),
            )
        elif kind == "response.created":
            rid = str((ev.get("response") or {}).get("id"))
            self.responses[rid] = Response(rid, rec.t)
        elif kind == "response.done":
            resp = ev.get("response") or {}
            r = self.responses.setdefault(str(resp.get("id")), Response(str(resp.get("id")), rec.t))
            r.done_t, r.status, r.status_details = rec.t, resp.get("status"), resp.get("status_details")
        elif kind in _TEXT_DELTAS or kind in _AUDIO_TRANSCRIPT_DELTAS:
            r = self.responses.get(str(ev.get("response_id")))
            if r is not None and isinstance(ev.get("delta"), str):
                r.text += ev["delta"]
        elif kind in _AUDIO_DELTAS:
            r = self.responses.get(str(ev.get("response_id")))
            if r is not None:
                r.audio_bytes += audio_payload_bytes(ev, "delta")

    def finished(self, *, expect_response: bool, expect_commit: bool, transcribing: bool) -> bool:
        """Over when every response started has finished (and one came, if expected), and every
        committed item has its transcript outcome when transcription is on."""
        if self.closed is not None:
            return True
        if any(r.done_t is None for r in self.responses.values()):
            return False
        if expect_response and not self.responses:
            return False
        if expect_commit and not self.committed:
            return False
        return not (transcribing and any(i not in self.transcripts for i in self.committed))


def session_summary(
    events: Iterable[Tapped], dialect: Dialect
) -> tuple[dict[str, Any] | None, bool, dict | None]:
    """(session, transcription on?, turn detection) of the session the server last reported."""
    session = latest_session(events)
    if session is None:
        return None, False, {"type": "server_vad", "create_response": True}
    return session, transcription_config(session, dialect) is not None, turn_detection(session, dialect)


def render_turn(turn: Turn, *, transcribing: bool, fix_hint: str | None = None) -> list[str]:
    """Readable lines for one turn: VAD windows, transcripts, responses, errors, with timings."""
    lines: list[str] = []
    for start, end in turn.speech:
        a = f"{start / 1000:.2f}" if isinstance(start, int | float) else "?"
        if isinstance(end, int | float):
            lines.append(f"  vad       speech {a}–{end / 1000:.2f} s")
        else:
            lines.append(f"  vad       speech from {a} s, never stopped (not enough trailing silence?)")
    hinted = False
    for item_id, t_commit in turn.committed.items():
        got = turn.transcripts.get(item_id)
        if got is not None:
            t, text, error = got
            if error:
                lines.append(f"  you       [transcription failed: {error}] (+{t - t_commit:.1f} s)")
            else:
                lines.append(f'  you       "{text}" (transcript +{t - t_commit:.1f} s)')
        elif transcribing:
            lines.append(f"  you       [no transcript arrived for {item_id}]")
        else:
            hint = f": {fix_hint}" if fix_hint and not hinted else ""
            hinted = True
            lines.append(f"  you       [no transcript: input transcription is off{hint}]")
    t0 = min(turn.committed.values(), default=None)
    for r in turn.responses.values():
        when = f", response +{r.created_t - t0:.1f} s" if t0 is not None else ""
        took = f", done +{r.done_t - r.created_t:.1f} s" if r.done_t is not None else ", never finished"
        audio = f", {r.audio_bytes / 48000:.2f} s audio" if r.audio_bytes else ""
        details = r.status_details.get("reason") if isinstance(r.status_details, dict) else None
        status = f"{r.status}{' (' + str(details) + ')' if details else ''}"
        text = f' "{r.text}"' if r.text else ""
        lines.append(f"  response  {status}{text}{when}{took}{audio}")
    for rec in turn.errors:
        lines.append(f"  error     {describe_error(rec)}")
    return lines


def describe_error(rec: Tapped) -> str:
    err = rec.event.get("error") if isinstance(rec.event.get("error"), dict) else {}
    code = err.get("code") or err.get("type") or "error"
    param = f" (param {err['param']})" if err.get("param") else ""
    caused = f" [answer to {err['event_id']}]" if err.get("event_id") else ""
    return f"{code}: {err.get('message', '')}{param}{caused}"
