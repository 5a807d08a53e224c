"""Informational findings: transcript ordering, latency per turn, usage and estimated cost.

Summaries are rebuilt only at a bounded cadence (the first turns, then at powers of two, and at
the end) so a long session costs O(1) per event.
"""

from __future__ import annotations

import statistics

from rtinspect.doctor.finding import Finding
from rtinspect.doctor.rule import Rule, Scope
from rtinspect.session.model import Item
from rtinspect.session.turns import Turn
from rtinspect.session.usage import PRICES_DATE
from rtinspect.tap import Tapped


def _every(n: int) -> bool:
    """Re-render a summary for the first turns, then at 32, 64, 128...: O(log n) renders live."""
    return n <= 20 or n & (n - 1) == 0


class TurnRule(Rule):
    """Latency per turn (``SessionState.turns``, the one turn model), and transcripts that arrive
    after the response they belong to. Runs after the fold so the turn and its response are in it."""

    AFTER = {
        "response.done": "on_done",
        "conversation.item.input_audio_transcription.completed": "on_transcript",
    }

    def __init__(self) -> None:
        self.late: list[int] = []
        self.rendered = 0

    def on_done(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        n = len(scope.state.turns)
        if n == self.rendered or not _every(n):
            return None
        self.rendered = n
        return [_latency(scope.state.turns)]

    def on_transcript(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        item = rec.event.get("item_id")
        turn = next((t for t in reversed(scope.state.turns[-50:]) if t.item_id == item), None)
        if turn is None or turn.response.done_pos is None or turn.response.done_pos > pos:
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
        return [_latency(scope.state.turns)] if scope.state.turns else None


def _transcript_t(turn: Turn, items: dict[str, Item]) -> float | None:
    item = items.get(turn.item_id) if turn.item_id else None
    return item.transcript.completed_t if item is not None and item.transcript is not None else None


def _latency(turns: list[Turn]) -> Finding:
    def ms(a: float | None, b: float | None) -> str:
        return f"{(b - a) * 1000:6.0f}" if a is not None and b is not None else "     -"

    lines = ["turn  response               input end->created  ->1st output  ->done (ms)"]
    for i, t in enumerate(turns[:20]):
        r = t.response
        lines.append(
            f"{i + 1:4d}  {r.id[:22]:22s} {ms(t.input_end_t, r.created_t):>19s} "
            f"{ms(r.created_t, t.first_output_t):>12s} {ms(r.created_t, r.done_t):>7s}"
        )
    if len(turns) > 20:
        lines.append(f"... {len(turns) - 20} more turns")
    waits = [x for x in (t.latency for t in turns) if x is not None]
    if waits:
        lines.append(f"median end of input -> first output: {statistics.median(waits) * 1000:.0f} ms")
    first = turns[0].response.created_pos
    return Finding(
        "info",
        "turn-latency",
        f"latency of {len(turns)} turn(s)",
        "\n".join(lines),
        (first,) if first is not None else (),
        None,
    )


class UsageRule(Rule):
    """Tokens and estimated cost per response and in total: the fold's own figures (``session.usage``
    prices each ``response.done``), so the status bar and this finding cannot disagree."""

    AFTER = {"response.done": "on_done"}

    def __init__(self) -> None:
        self.first: int | None = None
        self.rendered = 0

    def on_done(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        n = scope.state.usage.responses
        if n == self.rendered:
            return None  # no usage on this response.done
        if self.first is None:
            self.first = pos
        if not _every(n):
            return None
        self.rendered = n
        return [self._finding(scope)]

    def finish(self, scope: Scope) -> list[Finding] | None:
        return [self._finding(scope)] if scope.state.usage.responses else None

    def _finding(self, scope: Scope) -> Finding:
        u = scope.state.usage
        priced = [r for r in scope.state.responses.values() if r.usage is not None]
        lines = []
        for r in priced[:20]:
            usage = r.usage or {}
            tin, tout = int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)
            lines.append(f"{r.id[:24]:24s} in {tin:7d}  out {tout:7d}  ~${r.cost or 0.0:.4f}")
        if u.responses > 20:
            lines.append(f"... {u.responses - 20} more responses")
        lines.append(
            f"total: {u.input_tokens} input + {u.output_tokens} output tokens, estimated ${u.cost:.4f} "
            f"at {u.priced_as or 'default'} prices of {PRICES_DATE} (an estimate; check current pricing)"
        )
        return Finding(
            "info",
            "usage-cost",
            f"usage of {u.responses} response(s): ~${u.cost:.4f} (estimate)",
            "\n".join(lines),
            (self.first,) if self.first is not None else (),
            None,
        )


RULES: list[type[Rule]] = [TurnRule, UsageRule]
