"""Follow one turn of a live session from its events: when it is over, and what happened in it.

Used by ``rtinspect send`` to know when to stop waiting and to print a readable account
(VAD windows, transcripts, responses, errors, timings). Pure: a view of the session's one fold
(``SessionState``), which it feeds with the connection's ``Tapped`` records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rtinspect.audio.formats import latest_session
from rtinspect.protocol import Dialect
from rtinspect.protocol.session import transcription_config, turn_detection
from rtinspect.session.model import CloseInfo
from rtinspect.session.state import SessionState
from rtinspect.tap import Tapped


@dataclass
class Response:
    """One response as ``send`` reports it (read from the session's fold)."""

    id: str
    created_t: float
    done_t: float | None = None
    status: str | None = None
    status_details: Any = None
    text: str = ""
    audio_ms: float = 0.0  # in the output format the session held (protocol.audio arithmetic)


class Turn:
    """What one streamed file produced: a view of the session's one fold from event ``start`` on.

    ``fold`` every event of the connection from the first (so formats and items are known); the
    report reads only what happened at or after ``start``. The speech windows, commits,
    transcripts, responses and errors are ``SessionState``'s, never a second fold.
    """

    def __init__(self, start: int = 0, state: SessionState | None = None) -> None:
        self.state = state if state is not None else SessionState()
        self.start = start
        self.count = 0

    def fold(self, rec: Tapped) -> None:
        self.state.apply(rec)
        self.count += 1

    @property
    def speech(self) -> list[tuple[int | float | None, int | float | None]]:
        """VAD windows (ms) that started, or stopped, in this turn."""
        return [
            (w.audio_start_ms, w.audio_end_ms)
            for w in self.state.buffer.speech
            if max(w.started_pos or -1, w.stopped_pos or -1) >= self.start
        ]

    @property
    def committed(self) -> dict[str, float]:
        """item_id -> t of each commit in this turn."""
        return {str(c.item_id): c.t for c in self.state.buffer.commits if c.pos >= self.start}

    @property
    def transcripts(self) -> dict[str, tuple[float, str | None, str | None]]:
        """item_id -> (t, text, error) of each input transcript that completed or failed in this turn."""
        out: dict[str, tuple[float, str | None, str | None]] = {}
        for item in self.state.items.values():
            tr = item.transcript
            if tr is None:
                continue
            if tr.status == "completed" and (tr.completed_pos or -1) >= self.start:
                out[item.id] = (tr.completed_t or 0.0, tr.text, None)
            elif tr.status == "failed" and (tr.failed_pos or -1) >= self.start:
                err = tr.error if isinstance(tr.error, dict) else None
                message = (err or {}).get("message")
                out[item.id] = (tr.failed_t or 0.0, None, message or "failed")
        return out

    @property
    def responses(self) -> dict[str, Response]:
        out: dict[str, Response] = {}
        for r in self.state.responses.values():
            first = r.created_pos if r.created_pos is not None else r.done_pos
            if first is None or first < self.start:
                continue
            created = r.created_t if r.created_t is not None else (r.done_t or 0.0)
            text = r.text + r.audio_transcript if r.created_t is not None else ""
            out[r.id] = Response(r.id, created, r.done_t, r.status, r.status_details, text, r.audio_ms)
        return out

    @property
    def errors(self) -> list[Tapped]:
        """The ``error`` events of this turn (as records, for ``describe_error``)."""
        return [
            Tapped(e.t, "server", {"type": "error", "error": e.error})
            for e in self.state.errors
            if e.pos >= self.start
        ]

    @property
    def failed_steps(self) -> set[str]:
        """Client event_ids the server answered with an error (session.errors' attribution)."""
        return {e.event_id for e in self.state.errors if e.pos >= self.start and e.event_id is not None}

    @property
    def closed(self) -> CloseInfo | None:
        return self.state.connection.closed

    def finished(self, *, expect_response: bool, expect_commit: bool, transcribing: bool) -> bool:
        """Over when every response started has finished (and one came, if expected), and every
        committed item has its transcript outcome when transcription is on."""
        if self.closed is not None:
            return True
        responses = self.responses
        if any(r.done_t is None for r in responses.values()):
            return False
        if expect_response and not responses:
            return False
        committed = self.committed
        if expect_commit and not committed:
            return False
        transcripts = self.transcripts
        return not (transcribing and any(i not in transcripts for i in committed))


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
        audio = f", {r.audio_ms / 1000:.2f} s audio" if r.audio_ms else ""
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
