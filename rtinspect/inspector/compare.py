"""Two recorded sessions side by side: aligned by turn, their differences, where they first diverge.

No Textual here (the compare screen only draws what this computes). The turn model is the fold's
(``SessionState.turns``, ``rtinspect/session/turns.py``): a turn's events end at its response's
``response.done``. The differences are ``rtinspect.replay.compare``'s, the comparer ``replay
--compare`` uses, so one session pair gets one list of differences wherever it is compared.

Within a turn the events are aligned with ``difflib`` on a signature per row: consecutive audio
and delta events of one type fold into one row (chunking differs between any two runs), and other
events are compared by their content with ids, times and ``obfuscation`` renamed or dropped
(``replay.normalize``). The first row that is not equal is where the sessions diverge.

Memory: both logs are read in streaming passes (``LogReader.iter_fold`` for the fold, which never
reads a bare append's payload; ``iter_records`` one record at a time for the signatures and the
profile); what is kept is one small row per non-audio event and per audio run, never a payload.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import orjson

from rtinspect.errors import UserError
from rtinspect.inspector.summary import summarize
from rtinspect.log.reader import LogReader
from rtinspect.protocol import AUDIO_FIELDS
from rtinspect.replay.compare import Difference, compare
from rtinspect.replay.normalize import IdNamer, normalize
from rtinspect.session.state import fold
from rtinspect.tap import Tapped

Status = Literal["same", "differ", "only"]


@dataclass(slots=True)
class Row:
    """One event, or a run of same-type audio/delta events, of one session."""

    first: int  # event index of the first event in the row
    last: int
    dir: str
    type: str
    summary: str
    signature: str  # equal signatures are the same event for the comparison
    n: int = 1  # events in the row

    @property
    def count(self) -> int:
        return self.n

    def label(self) -> str:
        return f"{self.type} ×{self.count}" if self.count > 1 else self.type


@dataclass(slots=True)
class Side:
    """One session: its rows and where each turn's rows end."""

    name: str
    rows: list[Row]
    turn_ends: list[int]  # index into rows after the last row of each turn (its response.done)
    events: int

    def segments(self) -> list[list[Row]]:
        """The rows of each turn, then the rows after the last turn (maybe empty)."""
        out, start = [], 0
        for end in self.turn_ends:
            out.append(self.rows[start:end])
            start = end
        out.append(self.rows[start:])
        return out


@dataclass(slots=True)
class Pair:
    """A line of the side-by-side view: a row of each session (None: nothing across from it)."""

    left: Row | None
    right: Row | None
    status: Status
    turn: int  # 1-based; 0 is the events after the last turn


@dataclass(slots=True)
class Comparison:
    left: Side
    right: Side
    pairs: list[Pair]
    differences: list[Difference]
    first_divergence: int | None  # index into pairs
    turns: int = 0
    headers: list[int] = field(default_factory=list)  # index into pairs where each turn starts


def _folded_type(type_: str) -> bool:
    """Types whose events vary in number and chunking from run to run: one row per run of them."""
    return type_ in AUDIO_FIELDS or type_.endswith(".delta")


def rows_of(reader: LogReader) -> list[Row]:
    """The log as compact rows (one pass, one record at a time; payloads never kept)."""
    ids = IdNamer()
    rows: list[Row] = []
    names = reader.type_names
    codes = reader.type_codes
    pos = 0
    block = 0  # rows[block:] are the current stretch of audio/delta rows
    for rec in reader.iter_records():
        # iter_records skips damaged lines: find the record's index by its type from the index
        while pos < len(codes) and names[int(codes[pos])] != rec.type:
            pos += 1
        type_ = rec.type
        if _folded_type(type_):
            # a run of audio/delta events folds even when interleaved with other audio/delta types
            # (appends streamed while output deltas arrive): it is one row per type per stretch
            for prev in reversed(rows[block:]):
                if prev.type == type_ and prev.dir == rec.dir:
                    prev.last, prev.n = pos, prev.n + 1
                    break
            else:
                rows.append(Row(pos, pos, rec.dir, type_, "", f"{rec.dir}:{type_}"))
        else:
            block = len(rows) + 1  # the next stretch of audio/delta rows starts after this row
            if rec.dir == "meta":
                signature = f"meta:{type_}"  # our notes (urls with ports, paths) are not the session
            else:
                body = orjson.dumps(normalize(rec.event, ids), option=orjson.OPT_SORT_KEYS)
                signature = f"{rec.dir}:{type_}:{hashlib.blake2b(body, digest_size=12).hexdigest()}"
            rows.append(Row(pos, pos, rec.dir, type_, summarize(type_, rec.event), signature))
        pos += 1
    return rows


def turn_ends(reader: LogReader, rows: list[Row]) -> list[int]:
    """For each turn of the fold, the index into ``rows`` just after its response.done."""
    state = fold(reader.iter_fold())
    ends: list[int] = []
    r = 0
    for turn in state.turns:
        done = turn.response.done_pos
        if done is None:
            continue  # a response that never ended: its events stay with the next turn
        while r < len(rows) and rows[r].first <= done:
            r += 1
        if not ends or r > ends[-1]:
            ends.append(r)
    return ends


def open_side(path: str | os.PathLike[str]) -> tuple[Side, LogReader]:
    p = Path(path)
    if not p.is_file():
        raise UserError(f"{p}: no such file" if not p.exists() else f"{p} is a folder, not a log file")
    try:
        reader = LogReader.open(p)
    except UserError:
        raise
    except (OSError, ValueError) as err:
        raise UserError(f"cannot open {p}: {err}") from None
    rows = rows_of(reader)
    return Side(p.name, rows, turn_ends(reader, rows), len(reader)), reader


def align(left: Side, right: Side) -> tuple[list[Pair], list[int]]:
    """Turn k of one session across from turn k of the other; inside a turn, difflib on signatures."""
    pairs: list[Pair] = []
    headers: list[int] = []
    segs_l, segs_r = left.segments(), right.segments()
    tail_l, tail_r = segs_l.pop(), segs_r.pop()
    n = max(len(segs_l), len(segs_r))
    turns = [
        (segs_l[k] if k < len(segs_l) else [], segs_r[k] if k < len(segs_r) else [], k + 1) for k in range(n)
    ]
    for a, b, turn in [*turns, (tail_l, tail_r, 0)]:
        headers.append(len(pairs))
        matcher = difflib.SequenceMatcher(
            None, [r.signature for r in a], [r.signature for r in b], autojunk=False
        )
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                pairs.extend(
                    Pair(a[i], b[j], "same", turn) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                )
                continue
            for k in range(max(i2 - i1, j2 - j1)):
                x = a[i1 + k] if i1 + k < i2 else None
                y = b[j1 + k] if j1 + k < j2 else None
                pairs.append(Pair(x, y, "differ" if x is not None and y is not None else "only", turn))
    return pairs, headers


def compare_logs(broken: str | os.PathLike[str], healthy: str | os.PathLike[str]) -> Comparison:
    """The comparison the compare view shows: ``broken`` on the left, ``healthy`` on the right."""
    left, lr = open_side(broken)
    right, rr = open_side(healthy)
    try:
        # the differences as replay --compare words them, the healthy session as the reference
        diffs = compare(_stream(rr), _stream(lr), labels=("healthy", "broken"))
    finally:
        lr.close()
        rr.close()
    pairs, headers = align(left, right)
    first = next((i for i, p in enumerate(pairs) if p.status != "same"), None)
    return Comparison(
        left, right, pairs, diffs, first, max(len(left.turn_ends), len(right.turn_ends)), headers
    )


def _stream(reader: LogReader) -> Iterator[Tapped]:
    return reader.iter_records()
