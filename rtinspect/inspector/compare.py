"""Two recorded sessions side by side: aligned by turn, their differences, where they first diverge.

No Textual here (the compare screen only draws what this computes). The alignment is
``rtinspect.replay.align``'s, the one ``replay --compare`` uses: turns from the fold
(``SessionState.turns``: a turn's events end at its response's ``response.done``), then within a
turn ``difflib`` on a content signature per row (audio and delta events of one type folded into one
row per stretch, ids, times and ``obfuscation`` renamed or dropped), at most a window of rows at a
time. The differences are ``rtinspect.replay.compare``'s, so one session pair gets one list of
differences wherever it is compared.

Memory stays flat whatever the logs' size: ``scan`` reads both logs once, turn by turn, side by
side (``LogReader.iter_fold``: a bare append's payload is never parsed), and keeps of each turn only
where it ends in each log and whether it differs; the rows of a turn are built again from its event
range when it is shown (``turn_pairs``, a few turns cached). A big pair of logs opens at once
(``LogReader.open(lazy=True)``) and is indexed and scanned as it goes, so a view can show the first
turns, and the first divergence as soon as the scan reaches it.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rtinspect.errors import UserError
from rtinspect.inspector.summary import summarize
from rtinspect.log.reader import LogReader
from rtinspect.replay.align import (
    SERVER_TYPES,
    VIEW,
    Pair,
    Record,
    Row,
    Status,
    align,
    folded_type,
    indexed,
    paired_turns,
    rows_of,
    segments,
)
from rtinspect.replay.compare import Comparer, Difference, profiled

__all__ = ["Comparison", "Page", "Pair", "Row", "Side", "Status", "compare_logs"]

PAGE_ROWS = 400  # pairs shown at once for a big comparison (whole turns; small ones show all)
INDEX_STEP = 64 << 20  # bytes indexed at a time while scanning a lazily opened log
CACHED_TURNS = 64


@dataclass(slots=True)
class Side:
    """One session: its log and where each of its turns ends (an event index, filled by the scan)."""

    name: str
    reader: LogReader
    ends: list[int] = field(default_factory=list)  # event index after each turn's response.done
    tail_start: int | None = None  # where the events after the last turn start (once scanned)

    @property
    def events(self) -> int:
        return len(self.reader)

    def turn_range(self, turn: int) -> tuple[int, int]:
        """Event range of ``turn`` (0: after the last turn); empty for a turn this side lacks."""
        if turn == 0:
            start = self.tail_start if self.tail_start is not None else (self.ends[-1] if self.ends else 0)
            return start, len(self.reader)
        if turn > len(self.ends):
            end = self.ends[-1] if self.ends else 0
            return end, end
        return (self.ends[turn - 2] if turn > 1 else 0), self.ends[turn - 1]

    def summary(self, row: Row) -> str:
        """The event's one-line summary (read from the log now); none for a folded run."""
        if folded_type(row.type):
            return ""
        try:
            return summarize(row.type, self.reader[row.first].event)
        except (IndexError, ValueError):
            return ""


@dataclass(slots=True)
class Page:
    """Whole turns shown at once: their pairs, where each turn's pairs start, the first divergence
    when it is on this page."""

    turns: list[int]
    pairs: list[Pair]
    headers: list[int]  # index into pairs where each of ``turns`` starts
    divergence: int | None = None  # index into pairs


class Comparison:
    """``left`` (the broken session) against ``right`` (the healthy one), filled by ``scan``."""

    def __init__(self, left: Side, right: Side) -> None:
        self.left, self.right = left, right
        self.turns = 0  # turns paired so far (the longer session's count once scanned)
        self.differing: list[int] = []  # turns with a difference, in order (0, the tail, last)
        self.first_divergence: tuple[int, int] | None = None  # (turn, index into its pairs)
        self.differences: list[Difference] | None = None  # None until computed
        self.scanned = False  # every turn aligned
        self.done = False  # and the differences computed
        self._cache: OrderedDict[int, list[Pair]] = OrderedDict()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ scanning
    def scan(self) -> Iterator[int]:
        """Index, fold and align both logs turn by turn; yields the turn just aligned (0 last),
        so a caller can report progress. The differences are ready when it ends."""
        left, right = self.left, self.right
        # one pass over each log: the view's rows and, beside them, the rows and profile of the
        # differences as replay --compare words them (the healthy session as the reference)
        comparer = Comparer(labels=("healthy", "broken"))
        for sa, sb in paired_turns(
            segments(profiled(_grown(left.reader), comparer.replay), VIEW, SERVER_TYPES),
            segments(profiled(_grown(right.reader), comparer.original), VIEW, SERVER_TYPES),
        ):
            turn = sa.turn
            comparer.add_turn(turn, sb.also[0], sa.also[0])
            for side, seg in ((left, sa), (right, sb)):
                if turn == 0:
                    side.tail_start = seg.start
                elif seg.stop > seg.start:  # a real turn, not the filler of the shorter session
                    side.ends.append(seg.stop)
            pairs = align(sa.rows, sb.rows, turn)
            first = next((i for i, p in enumerate(pairs) if p.status != "same"), None)
            if first is not None:
                self.differing.append(turn)
                if self.first_divergence is None:
                    self.first_divergence = (turn, first)
                    self._remember(turn, pairs)
            if turn:
                self.turns = turn
            yield turn
        self.scanned = True
        self.differences = comparer.result()
        self.done = True

    def run(self) -> Comparison:
        """The whole scan at once (tests, small logs)."""
        for _ in self.scan():
            pass
        return self

    @property
    def progress(self) -> float:
        """Fraction of the two logs indexed so far."""
        return (self.left.reader.progress + self.right.reader.progress) / 2

    # ------------------------------------------------------------------ turns and pages
    def order(self) -> list[int]:
        """The turns in the order shown: 1..N, then 0 (the events after the last turn, once the
        scan has found where they start)."""
        return [*range(1, self.turns + 1), *([0] if self.scanned else [])]

    def turn_pairs(self, turn: int) -> list[Pair]:
        """The pairs of one turn, built from its event ranges (a few recent turns are kept)."""
        with self._lock:
            pairs = self._cache.get(turn)
            if pairs is not None:
                self._cache.move_to_end(turn)
                return pairs
        rows = [rows_of(side.reader, *side.turn_range(turn), VIEW) for side in (self.left, self.right)]
        pairs = align(rows[0], rows[1], turn)
        self._remember(turn, pairs)
        return pairs

    def _remember(self, turn: int, pairs: list[Pair]) -> None:
        with self._lock:  # the scan's thread and the view's both fill it
            self._cache[turn] = pairs
            while len(self._cache) > CACHED_TURNS:
                self._cache.popitem(last=False)

    def page(self, turn: int = 1, *, rows: int | None = None, backwards: bool = False) -> Page:
        """Whole turns from ``turn`` on (``backwards``: up to ``turn``) until about ``rows`` pairs."""
        rows = PAGE_ROWS if rows is None else rows
        order = self.order()
        if not order:
            return Page([], [], [])
        k = order.index(turn) if turn in order else 0
        picked: list[int] = []
        count = 0
        step = -1 if backwards else 1
        while 0 <= k < len(order) and (not picked or count < rows):
            count += len(self.turn_pairs(order[k]))
            picked.append(order[k])
            k += step
        if backwards:
            picked.reverse()
        page = Page(picked, [], [])
        for t in picked:
            page.headers.append(len(page.pairs))
            if self.first_divergence is not None and self.first_divergence[0] == t:
                page.divergence = len(page.pairs) + self.first_divergence[1]
            page.pairs.extend(self.turn_pairs(t))
        return page

    def divergence_pair(self) -> Pair | None:
        if self.first_divergence is None:
            return None
        turn, i = self.first_divergence
        return self.turn_pairs(turn)[i]

    def close(self) -> None:
        self.left.reader.close()
        self.right.reader.close()


def _grown(reader: LogReader) -> Iterator[tuple[int, Record]]:
    """``indexed(reader)`` over a lazily opened log, indexing more as the records are used."""
    pos = 0
    while True:
        n = len(reader)
        if pos < n:
            yield from indexed(reader, pos, n)
            pos = n
        if reader.complete:
            return
        reader.index_more(INDEX_STEP)


def open_side(path: str | os.PathLike[str]) -> Side:
    p = Path(path)
    if not p.is_file():
        raise UserError(f"{p}: no such file" if not p.exists() else f"{p} is a folder, not a log file")
    try:
        reader = LogReader.open(p, lazy=True)
    except UserError:
        raise
    except (OSError, ValueError) as err:
        raise UserError(f"cannot open {p}: {err}") from None
    return Side(p.name, reader)


def compare_logs(broken: str | os.PathLike[str], healthy: str | os.PathLike[str]) -> Comparison:
    """The comparison the compare view shows: ``broken`` on the left, ``healthy`` on the right.

    Both logs are opened at once (a bad one raises ``UserError``); two small logs are scanned here
    too, bigger ones by ``Comparison.scan`` (the view runs it in a worker thread)."""
    left = open_side(broken)
    try:
        right = open_side(healthy)
    except BaseException:
        left.reader.close()
        raise
    comparison = Comparison(left, right)
    if left.reader.complete and right.reader.complete:
        comparison.run()
    return comparison
