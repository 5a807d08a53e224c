"""Input buffer and turn detection: commits that fail or go nowhere, speech that never stops,
the assistant hearing itself, and audio sent before its format took effect."""

from __future__ import annotations

import re
from typing import Any

from rtinspect.doctor.finding import Finding, pretty_events
from rtinspect.doctor.rule import Rule, Scope
from rtinspect.protocol import Dialect
from rtinspect.protocol.session import input_format
from rtinspect.tap import AudioRun, Tapped

_MS = re.compile(r"only has ([0-9.]+)\s*ms")
COMMIT = {"type": "input_audio_buffer.commit"}
RESPONSE_CREATE = {"type": "response.create"}
APPEND = {"type": "input_audio_buffer.append", "audio": "<base64 audio, at least 100 ms>"}


class CommitRule(Rule):
    """Commit errors (empty, too small, racing server VAD) and manual commits never answered."""

    HANDLES = {
        "input_audio_buffer.commit": "on_commit",
        "input_audio_buffer.committed": "on_committed",
        "response.create": "on_response_create",
        "error": "on_error",
    }

    def __init__(self) -> None:
        self.last_manual: int | None = None  # latest manual commit the server accepted
        self.waiting: list[int] = []  # manual commits not yet answered by the server
        self.last_create: int | None = None  # latest client response.create
        self.vad_seen = False

    def on_commit(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        self.waiting.append(pos)
        ms = scope.state.buffer.pending_ms
        if ms >= 100:
            return None
        return [self._finding(scope, pos, None, ms, "warning")]

    def on_committed(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        if not self.waiting:
            self.vad_seen = True  # a commit nobody asked for: server VAD
            return None
        commit = self.last_manual = self.waiting.pop(0)
        if not scope.vad_on():
            return None
        # The manual commit SUCCEEDED under server VAD: it made a user item of whatever was buffered
        # since VAD's own commit (often just trailing silence), a second turn the model will answer.
        item = rec.event.get("item_id")
        ms = scope.state.buffer.pending_ms
        return [
            Finding(
                "warning",
                "commit-under-server-vad",
                "manual commit while server VAD is on created an extra user item",
                f"Server VAD commits the buffer itself when speech stops; this client also committed (#{commit}) "
                f"and the server accepted it, making user item {item} of the {ms:.0f} ms buffered since VAD's last "
                "commit (often only trailing silence or noise). That is a second user turn the model may answer. "
                "Either let VAD commit (send no commit), or turn VAD off with turn_detection null and commit + "
                "response.create yourself.",
                (commit, pos),
                pretty_events(
                    [
                        APPEND,
                        "no commit: server VAD commits when speech stops; wait for input_audio_buffer.committed",
                    ]
                ),
                key=str(commit),
            )
        ]

    def on_response_create(self, scope: Scope, pos: int, rec: Tapped) -> None:
        self.last_create = pos

    def on_error(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        err = rec.event.get("error") or {}
        if err.get("code") != "input_audio_buffer_commit_empty":  # the live code (docs/protocol.md §8)
            return None
        target = scope.error_target(err, "input_audio_buffer.commit")
        if target is None:
            return None
        scope.claimed.add(pos)
        if target in self.waiting:
            self.waiting.remove(target)
        m = _MS.search(str(err.get("message") or ""))
        ms = float(m.group(1)) if m else 0.0
        return [self._finding(scope, target, pos, ms, "error", str(err.get("message") or ""))]

    def _finding(
        self, scope: Scope, commit: int, error: int | None, ms: float, sev: str, msg: str = ""
    ) -> Finding:
        events = (commit,) if error is None else (commit, error)
        said = f" The server said: {msg}" if msg else ""
        if scope.vad_on():
            return Finding(
                sev,
                "commit-under-server-vad",
                "manual commit while server VAD is on",
                "Server VAD commits the buffer itself when speech stops, so a manual commit right after finds it "
                f"empty ({ms:.0f} ms).{said} Either let VAD commit (send no commit), or turn VAD off with "
                "turn_detection null and then commit + response.create yourself.",
                events,
                pretty_events(
                    [
                        APPEND,
                        "no commit: server VAD commits when speech stops; "
                        "wait for input_audio_buffer.committed",
                    ]
                ),
                key=str(commit),
            )
        code, title = (
            ("commit-empty", "commit of an empty input buffer")
            if ms <= 0
            else ("commit-too-small", "commit of less than 100 ms of audio")
        )
        return Finding(
            sev,
            code,
            title,
            f"The input buffer held {ms:.0f} ms when it was committed; the server needs at least 100 ms "
            f"(4,800 bytes of pcm16 at 24 kHz).{said} Append audio first, and commit once per turn.",
            events,
            pretty_events([APPEND, COMMIT, RESPONSE_CREATE]),
            key=str(commit),
        )

    def finish(self, scope: Scope) -> list[Finding] | None:
        # A response.create sent after the client's commit counts even when it reaches the log before
        # the server's committed (a client that sends both at once is right).
        asked = (
            self.last_create is not None
            and self.last_manual is not None
            and self.last_create > self.last_manual
        )
        if self.last_manual is None or asked or scope.creates_response():
            return None
        if (scope.session or {}).get("type") == "transcription":
            return None
        return [
            Finding(
                "error",
                "commit-without-response",
                "audio committed but no response.create followed",
                "With turn_detection null (or create_response false) the server does nothing after a commit: the "
                "client must send response.create. No response.create came after the commit, so no answer came.",
                (self.last_manual,),
                pretty_events([COMMIT, RESPONSE_CREATE]),
            )
        ]


class SpeechRule(Rule):
    """Speech that never stops, and speech starting right after the assistant starts talking (echo)."""

    HANDLES = {
        "input_audio_buffer.speech_started": "on_started",
        "input_audio_buffer.speech_stopped": "on_stopped",
        "input_audio_buffer.append": "on_append",
        "response.output_audio.delta": "on_audio",
        "response.audio.delta": "on_audio",
        "response.created": "on_response",
    }
    RUNS = {
        "input_audio_buffer.append": "on_append_run",
        "response.output_audio.delta": "on_audio_run",
        "response.audio.delta": "on_audio_run",
    }
    NEVER_STOPPED_MS = 15_000  # a long sentence has pauses well before this
    ECHO_WINDOW_S = 1.5

    def __init__(self) -> None:
        self.started: int | None = None
        self.started_at_ms = 0.0
        self.reported_for: int | None = None
        self.reported: Finding | None = None
        self.response_audio_t: float | None = None
        self.audio_started_for = False
        self.echoes: list[int] = []

    def on_started(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        self.started = pos
        self.started_at_ms = scope.state.buffer.total_ms
        if self.response_audio_t is not None and 0 <= rec.t - self.response_audio_t <= self.ECHO_WINDOW_S:
            self.echoes.append(pos)
            if len(self.echoes) in (2, 3, 5, 10, 20):  # re-render rarely: it can happen every turn
                return [
                    Finding(
                        "warning",
                        "echo-self-interruption",
                        "the assistant keeps interrupting itself (echo)",
                        f"Speech started {len(self.echoes)} times within {self.ECHO_WINDOW_S:.1f} s of response audio "
                        "starting: the microphone hears the speaker, server VAD takes it for the user and cuts the "
                        "response. Use headphones or echo cancellation, set noise_reduction, raise the VAD threshold, or "
                        "set interrupt_response false.",
                        tuple(self.echoes[:20]),
                        pretty_events(
                            [
                                {
                                    "type": "session.update",
                                    "session": {
                                        "type": "realtime",
                                        "audio": {
                                            "input": {
                                                "noise_reduction": {"type": "near_field"},
                                                "turn_detection": {
                                                    "type": "server_vad",
                                                    "threshold": 0.7,
                                                    "interrupt_response": False,
                                                },
                                            }
                                        },
                                    },
                                }
                            ]
                        ),
                    )
                ]
        return None

    def on_stopped(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        started, self.started = self.started, None
        if started is None or self.reported_for != started:
            return None
        if self.reported is None:
            return None
        ms = scope.state.buffer.total_ms - self.started_at_ms
        return [
            self.reported.resolved(pos, f"speech_stopped came at #{pos}, after {ms / 1000:.1f} s of audio")
        ]

    def on_response(self, scope: Scope, pos: int, rec: Tapped) -> None:
        self.audio_started_for = False

    def on_audio(self, scope: Scope, pos: int, rec: Tapped) -> None:
        if not self.audio_started_for:
            self.audio_started_for = True
            self.response_audio_t = rec.t

    def on_audio_run(self, scope: Scope, pos: int, run: AudioRun) -> None:
        if not self.audio_started_for:  # only the first counts (``on_audio``)
            self.audio_started_for = True
            self.response_audio_t = float(run.times[0])

    def on_append(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        return self._heard(scope.state.buffer.total_ms)

    def on_append_run(self, scope: Scope, pos: int, run: AudioRun) -> list[Finding] | None:
        """Each append with the buffer total just before it (the state's own running sum)."""
        if self.started is None or self.reported_for == self.started:
            return None
        b = scope.state.buffer
        total, bpm = b.total_ms, b.bytes_per_ms
        sizes = run.sizes.tolist() if hasattr(run.sizes, "tolist") else run.sizes
        # most runs end well short of the limit: one bound (1 ms to spare for rounding) decides
        if total + sum(sizes) / bpm - self.started_at_ms < self.NEVER_STOPPED_MS - 1.0:
            return None
        for n in sizes:
            found = self._heard(total)
            if found:
                return found
            total += n / bpm
        return None

    def _heard(self, total_ms: float) -> list[Finding] | None:
        """An append arriving with ``total_ms`` of input audio before it."""
        if self.started is None or self.reported_for == self.started:
            return None
        if total_ms - self.started_at_ms < self.NEVER_STOPPED_MS:
            return None
        self.reported_for = self.started
        self.reported = self._never_stopped(total_ms, self.started)
        return [self.reported]

    def _never_stopped(self, total_ms: float, start: int) -> Finding:
        ms = total_ms - self.started_at_ms
        return Finding(
            "warning",
            "speech-never-stopped",
            "speech started and never stopped",
            f"Server VAD heard speech start and then {ms / 1000:.1f} s of audio without speech_stopped, so the turn "
            "never ended. Usual causes: background noise above the threshold, audio in the wrong format or rate "
            "(noise to the VAD), a threshold too low, or no silence after the speech.",
            (start,),
            pretty_events(
                [
                    {
                        "type": "session.update",
                        "session": {
                            "type": "realtime",
                            "audio": {
                                "input": {
                                    "turn_detection": {
                                        "type": "server_vad",
                                        "threshold": 0.6,
                                        "silence_duration_ms": 500,
                                    }
                                }
                            },
                        },
                    }
                ]
            ),
            key=str(start),
        )

    def finish(self, scope: Scope) -> list[Finding] | None:
        if self.started is None or self.reported_for == self.started:
            return None
        if scope.state.buffer.total_ms - self.started_at_ms >= self.NEVER_STOPPED_MS:
            return [self._never_stopped(scope.state.buffer.total_ms, self.started)]
        return None


class FormatOrderRule(Rule):
    """Audio appended before the ``session.updated`` that changed the input format."""

    HANDLES = {"session.updated": "on_updated", "input_audio_buffer.append": "on_append"}
    RUNS = {"input_audio_buffer.append": "on_append_run"}

    def __init__(self) -> None:
        self.first_append: int | None = None

    def on_append(self, scope: Scope, pos: int, rec: Tapped) -> None:
        if self.first_append is None:
            self.first_append = pos

    def on_append_run(self, scope: Scope, pos: int, run: AudioRun) -> None:
        self.on_append(scope, pos, Tapped(float(run.times[0]), run.dir, run.events[0]))

    def on_updated(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        session: Any = rec.event.get("session")
        if not isinstance(session, dict):
            return None
        new = input_format(session, scope.dialect or Dialect.GA)
        old = scope.state.buffer.format
        first = self.first_append
        if new == old or first is None:
            return None
        self.first_append = None
        pending = scope.state.pending_updates
        asked = pending[0] if pending else None
        upd = asked.pos if asked is not None else None
        return [
            Finding(
                "warning",
                "audio-before-format-update",
                "audio was appended before the input format changed",
                f"Audio appended from #{first} was read as {old.encoding} at {old.rate} Hz; the format became "
                f"{new.encoding} at {new.rate} Hz only at session.updated #{pos}. Send session.update, wait for session.updated, then "
                "stream.",
                tuple(p for p in (first, upd, pos) if p is not None),
                pretty_events(
                    [
                        {"type": asked.type, "session": asked.session}
                        if asked is not None
                        else {"type": "session.update", "session": {}},
                        "wait for session.updated",
                        APPEND,
                    ]
                ),
                key=str(pos),
            )
        ]


RULES: list[type[Rule]] = [CommitRule, SpeechRule, FormatOrderRule]
