"""How two sessions' events line up: turn k across from turn k, then row by row within a turn.

The one owner of the alignment both comparisons show: ``replay --compare`` (the replay's server
events against the original's) and ``open BROKEN --compare HEALTHY`` (``inspector/compare.py``).

- **Turns** are the fold's (``SessionState.turns``, ``rtinspect/session/turns.py``): a turn's
  events end at its response's ``response.done``; the events after the last one are the tail
  (turn 0). ``TurnCutter`` finds the ends while the events stream past, so nothing but the fold
  is kept.
- **Rows**: one per event, except audio and delta events, whose number and chunking differ between
  any two runs: consecutive ones of one type fold into one row per type per stretch, even when
  interleaved with other audio/delta types (appends streamed while output deltas arrive). A row's
  ``signature`` says when two rows are the same event: its direction and type, and with
  ``Policy.content`` its content with ids, times and ``obfuscation`` renamed or dropped
  (``replay.normalize``; ids are renamed per turn, so a turn's rows do not depend on the turns
  before it and can be rebuilt alone from its event range).
- **Within a turn**, ``difflib`` on the signatures, but never on more than ``WINDOW`` rows a side
  at once: a longer turn is aligned window by window, each window cut after its last matching
  block, so the cost is linear in the turn's length (``WINDOW`` rows squared per window) instead of
  quadratic. A window with no good anchor is taken as aligned as difflib saw it.

Rows carry event indexes, never payloads; a log is read through ``LogReader.iter_fold``, so a bare
audio append's payload is never parsed.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import orjson

from rtinspect.log.reader import LogReader
from rtinspect.protocol import AUDIO_FIELDS
from rtinspect.replay.normalize import IdNamer, normalize
from rtinspect.session.state import SessionState
from rtinspect.session.turns import Turn
from rtinspect.tap import AudioRun, Tapped

Status = Literal["same", "differ", "only"]
Record = Tapped | AudioRun
WINDOW = 1000  # rows per side that difflib sees at once


def folded_type(type_: str) -> bool:
    """Types whose events vary in number and chunking from run to run: one row per run of them."""
    return type_ in AUDIO_FIELDS or type_.endswith(".delta")


@dataclass(frozen=True, slots=True)
class Policy:
    """Which events become rows and what makes two rows equal."""

    dirs: frozenset[str] = frozenset({"client", "server", "meta"})
    content: bool = True  # compare normalized content (else direction and type only)


VIEW = Policy()  # open --compare: every event, by content
SERVER_TYPES = Policy(frozenset({"server"}), content=False)  # replay --compare: the server's answers


@dataclass(slots=True)
class Row:
    """One event, or a run of same-type audio/delta events, of one session."""

    first: int  # event index of the first event in the row
    last: int
    dir: str
    type: str
    signature: str  # equal signatures are the same event for the comparison
    n: int = 1  # events in the row

    @property
    def count(self) -> int:
        return self.n

    def label(self) -> str:
        return f"{self.type} ×{self.n}" if self.n > 1 else self.type


@dataclass(slots=True)
class Segment:
    """The rows of one turn (``turn`` 1-based; 0 is the events after the last turn) and its event
    range ``start..stop``; ``also``: its rows under each further policy asked of ``segments``."""

    turn: int
    start: int
    stop: int
    rows: list[Row] = field(default_factory=list)
    also: list[list[Row]] = field(default_factory=list)


@dataclass(slots=True)
class Pair:
    """A line of the side-by-side view: a row of each session (None: nothing across from it)."""

    left: Row | None
    right: Row | None
    status: Status
    turn: int  # 1-based; 0 is the events after the last turn


class RowBuilder:
    """Rows of one stretch of a session, fed one record (or audio run) at a time."""

    def __init__(self, policy: Policy = VIEW) -> None:
        self.policy = policy
        self.rows: list[Row] = []
        self._block = 0  # rows[_block:] are the current stretch of audio/delta rows
        self._ids = IdNamer()

    def reset(self) -> list[Row]:
        """The rows so far; the builder starts a new stretch with fresh id names (a new turn)."""
        rows, self.rows, self._block, self._ids = self.rows, [], 0, IdNamer()
        return rows

    def add(self, pos: int, rec: Record) -> None:
        if rec.dir not in self.policy.dirs:
            return  # not compared: it neither makes a row nor breaks a stretch
        type_ = rec.type
        if rec.__class__ is AudioRun:
            self._fold(pos, pos + len(rec) - 1, rec.dir, type_, len(rec))  # type: ignore[arg-type]
            return
        if folded_type(type_):
            self._fold(pos, pos, rec.dir, type_, 1)
            return
        self._block = len(self.rows) + 1  # the next stretch of audio/delta rows starts after this row
        if rec.dir == "meta" or not self.policy.content:
            signature = f"{rec.dir}:{type_}"  # our notes (urls with ports, paths) are not the session
        else:
            body = orjson.dumps(normalize(rec.event, self._ids), option=orjson.OPT_SORT_KEYS)  # type: ignore[union-attr]
            signature = f"{rec.dir}:{type_}:{hashlib.blake2b(body, digest_size=12).hexdigest()}"
        self.rows.append(Row(pos, pos, rec.dir, type_, signature))

    def _fold(self, first: int, last: int, dir_: str, type_: str, n: int) -> None:
        for prev in reversed(self.rows[self._block :]):
            if prev.type == type_ and prev.dir == dir_:
                prev.last, prev.n = last, prev.n + n
                return
        self.rows.append(Row(first, last, dir_, type_, f"{dir_}:{type_}", n))


class TurnCutter:
    """Says, record by record, where a turn of the fold ends (its response's ``response.done``).

    It folds the session (``SessionState``) and watches the turns it opens; only the turns whose
    response has not ended yet are looked at, so the check costs nothing per event. Runs of client
    audio (appends) are not folded: the turn model reads VAD, commits, ``response.create`` and the
    responses, never an append, and the buffer keeps three columns per append (~100 bytes each in
    Python lists), which would be most of the fold's memory on a long session."""

    def __init__(self, dialect: str | None = None) -> None:
        self.state = SessionState(dialect=dialect)
        self._seen = 0
        self._open: list[Turn] = []

    def feed(self, rec: Record) -> bool:
        """Fold ``rec``; True when a turn ended with it."""
        st = self.state
        if rec.__class__ is AudioRun:
            if rec.dir != "client":
                st.apply_run(rec)  # type: ignore[arg-type]
            return False
        st.apply(rec)  # type: ignore[arg-type]
        turns = st.turns
        if len(turns) > self._seen:
            self._open.extend(turns[self._seen :])
            self._seen = len(turns)
        if rec.type != "response.done" or not self._open:
            return False
        still = [t for t in self._open if t.response.done_pos is None]
        ended = len(still) < len(self._open)
        self._open = still
        return ended


def indexed(reader: LogReader, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, Record]]:
    """``reader.iter_fold`` with each record's event index (damaged lines, which it skips, are
    stepped over by their type in the index)."""
    stop = len(reader) if stop is None else min(stop, len(reader))
    names, codes = reader.type_names, reader.type_codes
    pos = start
    for rec in reader.iter_fold(start, stop):
        if rec.__class__ is AudioRun:
            yield rec.start, rec  # type: ignore[union-attr]
            pos = rec.start + len(rec)  # type: ignore[union-attr]
            continue
        type_ = rec.type
        while pos < stop - 1 and names[int(codes[pos])] != type_:
            pos += 1
        yield pos, rec
        pos += 1


def segments(
    records: Iterable[tuple[int, Record]],
    policy: Policy = VIEW,
    *more: Policy,
    dialect: str | None = None,
) -> Iterator[Segment]:
    """The session's turns, one ``Segment`` at a time (rows built while the fold finds the turns),
    then the tail (turn 0, maybe empty). ``records``: ``indexed(reader)``, or ``enumerate`` of a
    list of records. Each policy in ``more`` builds a further set of rows in the same pass
    (``Segment.also``)."""
    cutter = TurnCutter(dialect)
    builders = [RowBuilder(p) for p in (policy, *more)]
    turn, start, pos = 0, 0, -1
    for pos, rec in records:
        for builder in builders:
            builder.add(pos, rec)
        if cutter.feed(rec):
            turn += 1
            rows = [b.reset() for b in builders]
            yield Segment(turn, start, pos + 1, rows[0], rows[1:])
            start = pos + 1
    rows = [b.reset() for b in builders]
    yield Segment(0, start, max(start, pos + 1), rows[0], rows[1:])


def rows_of(reader: LogReader, start: int, stop: int, policy: Policy = VIEW) -> list[Row]:
    """The rows of events ``start..stop`` (one turn's range, from ``segments``), rebuilt alone."""
    builder = RowBuilder(policy)
    for pos, rec in indexed(reader, start, stop):
        builder.add(pos, rec)
    return builder.rows


def paired_turns(left: Iterable[Segment], right: Iterable[Segment]) -> Iterator[tuple[Segment, Segment]]:
    """Turn k of one session with turn k of the other (an empty segment where a session has fewer
    turns), then the two tails."""
    it_l, it_r = iter(left), iter(right)
    a, b = next(it_l, None), next(it_r, None)
    while a is not None or b is not None:
        a_tail = a is None or a.turn == 0
        b_tail = b is None or b.turn == 0
        turn = 0 if a_tail and b_tail else (b if a_tail else a).turn  # type: ignore[union-attr]
        sa = a if a is not None and a.turn == turn else _empty(turn, a, b)
        sb = b if b is not None and b.turn == turn else _empty(turn, b, a)
        yield sa, sb
        if turn == 0:
            return
        if sa is a:
            a = next(it_l, None)
        if sb is b:
            b = next(it_r, None)


def _empty(turn: int, seg: Segment | None, other: Segment | None) -> Segment:
    """A turn the shorter session lacks: no events, at the start of its tail."""
    at = 0 if seg is None else seg.start
    return Segment(turn, at, at, [], [[] for _ in (other.also if other is not None else [])])


def opcodes(a: Sequence[str], b: Sequence[str], window: int = WINDOW) -> list[tuple[str, int, int, int, int]]:
    """``difflib`` opcodes of ``a`` against ``b``, window by window when either is longer than
    ``window`` (see the module's docstring): linear in the lengths, exact for shorter ones."""
    if len(a) <= window and len(b) <= window:
        return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    out: list[tuple[str, int, int, int, int]] = []
    i = j = 0
    while i < len(a) or j < len(b):
        wa, wb = a[i : i + window], b[j : j + window]
        ops = difflib.SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes()
        if i + len(wa) < len(a) or j + len(wb) < len(b):
            # cut after the window's last matching block, if that is far enough in to progress;
            # what follows it is aligned again with the next window's rows
            last = max((k for k, op in enumerate(ops) if op[0] == "equal"), default=-1)
            if last >= 0 and ops[last][2] + ops[last][4] >= window // 2:
                ops = ops[: last + 1]
        for op, i1, i2, j1, j2 in ops:
            if out and out[-1][0] == op == "equal":
                _, p1, _, q1, _ = out.pop()
                out.append((op, p1, i + i2, q1, j + j2))
            else:
                out.append((op, i + i1, i + i2, j + j1, j + j2))
        i, j = out[-1][2], out[-1][4]
    return out


def align(left: Sequence[Row], right: Sequence[Row], turn: int, window: int = WINDOW) -> list[Pair]:
    """The pairs of one turn: equal signatures across from each other, the rest side by side."""
    pairs: list[Pair] = []
    for op, i1, i2, j1, j2 in opcodes([r.signature for r in left], [r.signature for r in right], window):
        if op == "equal":
            pairs.extend(
                Pair(left[i], right[j], "same", turn)
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            )
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            x = left[i1 + k] if i1 + k < i2 else None
            y = right[j1 + k] if j1 + k < j2 else None
            pairs.append(Pair(x, y, "differ" if x is not None and y is not None else "only", turn))
    return pairs


def first_divergence(pairs: Iterable[Pair]) -> int | None:
    """Index of the first pair that is not the same event on both sides."""
    return next((i for i, p in enumerate(pairs) if p.status != "same"), None)
