"""Informational findings: transcript ordering, latency per turn, usage and estimated cost.

Summaries are rebuilt only at a bounded cadence (the first turns, then at powers of two, and at
the end) so a long session costs O(1) per event.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from rtinspect.doctor.finding import Finding
from rtinspect.doctor.rule import Rule, Scope
from rtinspect.session.usage import PRICES_DATE, cost_of, price_for
from rtinspect.tap import Tapped

# Prices and cost are the session package's (one table; docs/protocol.md §13).


def _every(n: int) -> bool:
    """Re-render a summary for the first turns, then at 32, 64, 128...: O(log n) renders live."""
    return n <= 20 or n & (n - 1) == 0


@dataclass
class _Turn:
    response: str
    stopped_t: float | None
    created_t: float
    pos: int
    audio_t: float | None = None
    done_t: float | None = None
    item: str | None = None
    transcript_t: float | None = None


@dataclass
class _Stats:
    turns: list[_Turn] = field(default_factory=list)
    by_response: dict[str, _Turn] = field(default_factory=dict)
    by_item: dict[str, _Turn] = field(default_factory=dict)


class TurnRule(Rule):
    """Latency per turn, and transcripts that arrive after the response they belong to."""

    HANDLES = {
        "input_audio_buffer.speech_stopped": "on_stopped",
        "input_audio_buffer.committed": "on_committed",
        "response.created": "on_created",
        "response.output_audio.delta": "on_audio",
        "response.audio.delta": "on_audio",
        "response.done": "on_done",
        "conversation.item.input_audio_transcription.completed": "on_transcript",
    }

    def __init__(self) -> None:
        self.s = _Stats()
        self.stopped_t: float | None = None
        self.item: str | None = None
        self.late: list[int] = []

    def on_stopped(self, scope: Scope, pos: int, rec: Tapped) -> None:
        self.stopped_t = rec.t

    def on_committed(self, scope: Scope, pos: int, rec: Tapped) -> None:
        item = rec.event.get("item_id")
        self.item = item if isinstance(item, str) else None

    def on_created(self, scope: Scope, pos: int, rec: Tapped) -> None:
        rid = str((rec.event.get("response") or {}).get("id") or pos)
        turn = _Turn(rid, self.stopped_t, rec.t, pos, item=self.item)
        self.stopped_t = None
        self.s.turns.append(turn)
        self.s.by_response[rid] = turn
        if self.item:
            self.s.by_item[self.item] = turn
        self.item = None

    def on_audio(self, scope: Scope, pos: int, rec: Tapped) -> None:
        turn = self.s.by_response.get(str(rec.event.get("response_id")))
        if turn is not None and turn.audio_t is None:
            turn.audio_t = rec.t

    def on_done(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        turn = self.s.by_response.get(str((rec.event.get("response") or {}).get("id")))
        if turn is None:
            return None
        turn.done_t = rec.t
        return [self._latency()] if _every(len(self.s.turns)) else None

    def on_transcript(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        turn = self.s.by_item.get(str(rec.event.get("item_id")))
        if turn is None:
            return None
        turn.transcript_t = rec.t
        if turn.done_t is None:
            return None
        self.late.append(pos)
        if not _every(len(self.late)):
            return None
        return [
            Finding(
                "info",
                "transcript-after-response",
                "transcripts arrive after the response",
                f"{len(self.late)} input transcript(s) completed after response.done of the turn they belong to. "
                "Transcription runs asynchronously beside the response: place items by previous_item_id (from "
                "input_audio_buffer.committed / conversation.item.added), not by arrival order.",
                tuple(self.late[:20]),
                None,
            )
        ]

    def finish(self, scope: Scope) -> list[Finding] | None:
        return [self._latency()] if self.s.turns else None

    def _latency(self) -> Finding:
        def ms(a: float | None, b: float | None) -> str:
            return f"{(b - a) * 1000:6.0f}" if a is not None and b is not None else "     -"

        lines = ["turn  response               stop->created  ->1st audio  ->done  ->transcript (ms)"]
        for i, t in enumerate(self.s.turns[:20]):
            lines.append(
                f"{i + 1:4d}  {t.response[:22]:22s} {ms(t.stopped_t, t.created_t):>13s} "
                f"{ms(t.created_t, t.audio_t):>11s} {ms(t.created_t, t.done_t):>7s} "
                f"{ms(t.stopped_t or t.created_t, t.transcript_t):>12s}"
            )
        firsts = [t.audio_t - t.created_t for t in self.s.turns if t.audio_t is not None]
        if len(self.s.turns) > 20:
            lines.append(f"... {len(self.s.turns) - 20} more turns")
        if firsts:
            lines.append(f"median response.created -> first audio: {statistics.median(firsts) * 1000:.0f} ms")
        return Finding(
            "info",
            "turn-latency",
            f"latency of {len(self.s.turns)} turn(s)",
            "\n".join(lines),
            (self.s.turns[0].pos,),
            None,
        )


class UsageRule(Rule):
    """Tokens and estimated cost per response and in total."""

    HANDLES = {"response.done": "on_done"}

    def __init__(self) -> None:
        self.rows: list[tuple[str, int, int, float]] = []
        self.total_in = 0
        self.total_out = 0
        self.total_cost = 0.0
        self.first: int | None = None

    def on_done(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        resp = rec.event.get("response") or {}
        usage = resp.get("usage")
        if not isinstance(usage, dict):
            return None
        model = (scope.session or {}).get("model")
        cost = cost_of(usage, model)
        tin, tout = int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)
        self.rows.append((str(resp.get("id") or pos), tin, tout, cost))
        self.total_in += tin
        self.total_out += tout
        self.total_cost += cost
        if self.first is None:
            self.first = pos
        return [self._finding(model)] if _every(len(self.rows)) else None

    def finish(self, scope: Scope) -> list[Finding] | None:
        return [self._finding((scope.session or {}).get("model"))] if self.rows else None

    def _finding(self, model: Any) -> Finding:
        priced, _ = price_for(model)
        lines = [
            f"{rid[:24]:24s} in {tin:7d}  out {tout:7d}  ~${cost:.4f}"
            for rid, tin, tout, cost in self.rows[:20]
        ]
        if len(self.rows) > 20:
            lines.append(f"... {len(self.rows) - 20} more responses")
        lines.append(
            f"total: {self.total_in} input + {self.total_out} output tokens, estimated ${self.total_cost:.4f} "
            f"at {priced} prices of {PRICES_DATE} (an estimate; check current pricing)"
        )
        return Finding(
            "info",
            "usage-cost",
            f"usage of {len(self.rows)} response(s): ~${self.total_cost:.4f} (estimate)",
            "\n".join(lines),
            (self.first,) if self.first is not None else (),
            None,
        )


RULES: list[type[Rule]] = [TurnRule, UsageRule]
