"""How the server's answers in a replay differ from the original's.

Compared, with ids, event ids, timestamps, expiry, ``obfuscation`` and audio bytes ignored:
the server's events, turn by turn, by type (aligned by ``replay.align``, the one alignment
``open --compare`` shows too; a run of delta events of one type is one row, since chunking varies),
the effective session config, input and output transcripts, errors, output audio duration per
response, and how the connection closed. When the original app closed the connection itself,
server events the replay receives after the end of the original's sequence (say a
``rate_limits.updated`` the app closed too early to see) are not differences, unless one of them is
an error.

Both sessions are read once, side by side, turn by turn (a recorded log through
``LogReader.iter_fold``: an audio payload is measured by the index, never parsed), so the cost is
linear in the logs' length and the memory is one turn's rows plus the profile below.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from rtinspect.log.reader import LogReader
from rtinspect.log.writer import scrub_for_log
from rtinspect.protocol.audio import PCM16
from rtinspect.replay.align import SERVER_TYPES, Pair, Record, Row, indexed, paired_turns, segments
from rtinspect.replay.align import align as align_rows
from rtinspect.replay.normalize import IdNamer, audio_ms, normalize
from rtinspect.tap import META_CONNECTION_CLOSED, AudioRun, Tapped

AUDIO_TOLERANCE_MS = 50.0
MAX_EVENT_DIFFERENCES = 20  # stretches of differing events reported one by one; the rest are counted
MAX_LISTED = 8  # event types named in one message
_ID_IN_TEXT = re.compile(r"\b(event|item|resp|sess|conv|call)_[A-Za-z0-9]{6,}\b")
_OUTPUT_AUDIO = ("response.output_audio.delta", "response.audio.delta")
_OUTPUT_TEXT_DONE = {
    "response.output_audio_transcript.done": "transcript",
    "response.audio_transcript.done": "transcript",
    "response.output_text.done": "text",
    "response.text.done": "text",
}
_SESSION_TYPES = (
    "session.created",
    "session.updated",
    "transcription_session.created",
    "transcription_session.updated",
)


@dataclass
class Profile:
    """What matters about a session's server side beyond its event sequence, with run-to-run noise
    removed."""

    session: dict[str, Any] = field(default_factory=dict)
    input_transcripts: list[str | None] = field(default_factory=list)
    output_texts: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    audio_ms: list[float] = field(default_factory=list)  # output audio per response
    close: dict[str, Any] | None = None


class Profiler:
    """Builds a ``Profile`` one record (or audio run, whose payload sizes the index measured) at a
    time. The few events it keeps text of are scrubbed first: a log written by an older version or
    by hand may still hold a key, and these texts are printed."""

    def __init__(self) -> None:
        self.profile = Profile()
        self._ids = IdNamer()
        self._audio: float | None = None

    def add(self, rec: Record) -> None:
        prof = self.profile
        if rec.__class__ is AudioRun:
            run: AudioRun = rec  # type: ignore[assignment]
            if run.dir == "server" and run.type in _OUTPUT_AUDIO:
                per_ms = PCM16.bytes_per_ms
                self._audio = (self._audio or 0.0) + sum(round(int(s) / per_ms, 1) for s in run.sizes)
            return
        assert isinstance(rec, Tapped)
        if rec.type == META_CONNECTION_CLOSED:
            ev = rec.event
            prof.close = {"code": ev.get("code"), "reason": ev.get("reason") or "", "by": ev.get("by")}
            return
        if rec.dir != "server":
            return
        type_, ev = rec.type, rec.event
        if type_ in _SESSION_TYPES:
            session = scrub_for_log(ev).get("session")
            if isinstance(session, dict):
                prof.session = normalize(session, self._ids)
        elif type_ == "conversation.item.input_audio_transcription.completed":
            prof.input_transcripts.append(scrub_for_log(ev).get("transcript"))
        elif type_ == "conversation.item.input_audio_transcription.failed":
            err = ev.get("error") if isinstance(ev.get("error"), dict) else {}
            prof.input_transcripts.append(f"(failed: {err.get('code') or err.get('message')})")
        elif type_ in _OUTPUT_TEXT_DONE:
            prof.output_texts.append(str(scrub_for_log(ev).get(_OUTPUT_TEXT_DONE[type_])))
        elif type_ == "error":
            ev = scrub_for_log(ev)
            err = ev.get("error") if isinstance(ev.get("error"), dict) else {}
            prof.errors.append(
                {
                    "code": err.get("code"),
                    "param": err.get("param"),
                    "message": _ID_IN_TEXT.sub(r"\1_…", str(err.get("message"))),
                }
            )
        elif type_ == "response.created":
            self._audio = 0.0
        elif type_ in _OUTPUT_AUDIO and isinstance(ev.get("delta"), str):
            self._audio = (self._audio or 0.0) + audio_ms(ev["delta"])
        elif type_ == "response.done":
            prof.audio_ms.append(round(self._audio or 0.0, 1))
            self._audio = None


def profile(records: Iterable[Record]) -> Profile:
    """One pass over ``records`` (an iterator is enough: nothing is kept but the profile)."""
    p = Profiler()
    for rec in records:
        p.add(rec)
    return p.profile


Session = LogReader | Iterable[Tapped]


def records_of(session: Session) -> Iterator[tuple[int, Record]]:
    """A session's records with their event index: a log through its index (``iter_fold``), a
    ``read_log`` result's records through their reader, anything else in order."""
    reader = session if isinstance(session, LogReader) else getattr(session, "reader", None)
    if isinstance(reader, LogReader):
        return indexed(reader)
    return enumerate(session)


def profiled(records: Iterator[tuple[int, Record]], profiler: Profiler) -> Iterator[tuple[int, Record]]:
    for pos, rec in records:
        profiler.add(rec)
        yield pos, rec


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


class Comparer:
    """The differences of a replay from its original, fed turn by turn while both are read (the
    compare view feeds it from its own pass over the two logs, with its own rows beside these)."""

    def __init__(self, labels: tuple[str, str] = ("original", "replay")) -> None:
        self.original, self.replay = Profiler(), Profiler()
        self.events = _EventDifferences(labels)

    def add_turn(self, turn: int, original: list[Row], replay: list[Row]) -> None:
        """One turn's rows under ``SERVER_TYPES`` (see ``replay.align``), turns in order."""
        self.events.add(turn, align_rows(original, replay, turn))

    def result(self) -> list[Difference]:
        """Once both sessions have been read to their end."""
        return _differences(self.original.profile, self.replay.profile, self.events)


def compare(
    original: Session, replay: Session, *, labels: tuple[str, str] = ("original", "replay")
) -> list[Difference]:
    """The differences of ``replay`` from ``original``; ``labels`` name the two in the messages
    (the compare view calls them healthy and broken). Each session is a ``LogReader``, a
    ``read_log`` result's records, or any iterable of records (read once)."""
    c = Comparer(labels)
    for sa, sb in paired_turns(
        segments(profiled(records_of(original), c.original), SERVER_TYPES),
        segments(profiled(records_of(replay), c.replay), SERVER_TYPES),
    ):
        c.add_turn(sa.turn, sa.rows, sb.rows)
    return c.result()


def _differences(a: Profile, b: Profile, events: _EventDifferences) -> list[Difference]:
    diffs = events.result(original_closed_by_app=(a.close or {}).get("by") == "client")
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
        msg = (
            f"errors: {_short(codes_a, 200)} -> {_short(codes_b, 200)}"
            if codes_a != codes_b
            else "error messages or params differ"
        )
        diffs.append(Difference("errors", msg, a.errors, b.errors))
    if len(a.audio_ms) != len(b.audio_ms) or any(
        abs(x - y) > AUDIO_TOLERANCE_MS for x, y in zip(a.audio_ms, b.audio_ms, strict=False)
    ):
        diffs.append(
            Difference(
                "audio",
                f"output audio ms per response: {_short(a.audio_ms)} -> {_short(b.audio_ms)}",
                a.audio_ms,
                b.audio_ms,
            )
        )
    if (a.close or {}).get("code") != (b.close or {}).get("code") or (a.close or {}).get("reason") != (
        b.close or {}
    ).get("reason"):
        diffs.append(
            Difference("close", f"close: {_fmt_close(a.close)} -> {_fmt_close(b.close)}", a.close, b.close)
        )
    return diffs


class _EventDifferences:
    """The stretches of differing server events, turn by turn, as messages; at most
    ``MAX_EVENT_DIFFERENCES`` of them, then a count (a replay gone wrong early differs in every turn)."""

    def __init__(self, labels: tuple[str, str]) -> None:
        self.ref, self.other = labels
        self.found: list[Difference] = []
        self.pending: list[tuple[int, Difference]] = []  # extra events after the original's last one
        self.pending_more = 0  # more of them, only counted
        self.pending_turns: set[int] = set()
        self.pending_error = False  # one of those was an error
        self.more = 0
        self.more_turns: set[int] = set()
        self.last_ref = -1  # event index of the last original row seen

    def add(self, turn: int, pairs: list[Pair]) -> None:
        stretch: list[Pair] = []
        for p in pairs:
            if p.status != "same":
                stretch.append(p)
                continue
            self._flush(turn, stretch)
            stretch = []
            self._commit()
            assert p.left is not None
            self.last_ref = p.left.last
        self._flush(turn, stretch)

    def _flush(self, turn: int, stretch: list[Pair]) -> None:
        if not stretch:
            return
        where = f"turn {turn}" if turn else "after the last turn"
        left = [p.left for p in stretch if p.left is not None]
        right = [p.right for p in stretch if p.right is not None]
        names_l, names_r = [r.label() for r in left], [r.label() for r in right]
        if not left:
            msg = f"{where}: {self.other} has extra server events after #{self.last_ref}: {_listed(names_r)}"
            if len(self.pending) < MAX_EVENT_DIFFERENCES + 1:  # enough to report; the rest are counted
                self.pending.append((turn, Difference("events", msg, [], names_r[:50])))
            else:
                self.pending_more += 1
                self.pending_turns.add(turn)
                self.pending_error = self.pending_error or "error" in names_r
            return
        span = f"#{left[0].first}-{left[-1].last}"
        if not right:
            msg = f"{where}: server events {span} of the {self.ref} are missing: {_listed(names_l)}"
        else:
            msg = f"{where}: server events {span} differ: {_listed(names_l)} -> {_listed(names_r)}"
        self._commit()
        self._emit(turn, Difference("events", msg, names_l[:50], names_r[:50]))
        self.last_ref = left[-1].last

    def _commit(self) -> None:
        for turn, diff in self.pending:
            self._emit(turn, diff)
        self.more += self.pending_more
        self.more_turns |= self.pending_turns
        self.pending, self.pending_more, self.pending_error, self.pending_turns = [], 0, False, set()

    def _emit(self, turn: int, diff: Difference) -> None:
        if len(self.found) < MAX_EVENT_DIFFERENCES:
            self.found.append(diff)
        else:
            self.more += 1
            self.more_turns.add(turn)

    def result(self, *, original_closed_by_app: bool) -> list[Difference]:
        if not (
            original_closed_by_app
            and not self.pending_error
            and all("error" not in d.replay for _, d in self.pending)
        ):
            self._commit()  # else: answers the original app never waited for (it had closed by then)
        if self.more:
            n = len(self.more_turns)
            self.found.append(
                Difference(
                    "events", f"… and {self.more} more stretches of differing server events in {n} turn(s)"
                )
            )
        return self.found


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_LISTED])
    return shown if len(names) <= MAX_LISTED else f"{shown}, … (+{len(names) - MAX_LISTED} more)"


def _fmt_close(close: dict[str, Any] | None) -> str:
    if not close:
        return "not recorded"
    return f"{close.get('code')} {close.get('reason')!r} by {close.get('by')}"


def as_json(diffs: list[Difference]) -> list[dict[str, Any]]:
    return [asdict(d) for d in diffs]
