"""SessionModel: the one model behind every TUI view, live or recorded alike.

It holds the event index (a live in-memory index or a recorded log), the folded SessionState, the
Doctor, the filtered positions and the rows of the event list (runs of audio events folded into one
row). Filters and folds are numpy operations over columns, so a 1M-event log filters in milliseconds
and only the rows on screen are ever parsed. No Textual here: it is unit-testable and the views
only read it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import numpy as np

from rtinspect.doctor import Doctor
from rtinspect.doctor.finding import Finding
from rtinspect.inspector.filterlang import Matcher, Node, parse
from rtinspect.inspector.index import DIR_CODE, EventIndex, LiveIndex
from rtinspect.inspector.pointfold import Checkpoints, FoldReport, PointFold
from rtinspect.inspector.stats import Stats
from rtinspect.inspector.summary import AUDIO_TYPES, b64_len_to_bytes, summarize
from rtinspect.protocol.audio import INPUT_AUDIO_TYPES
from rtinspect.session.state import SessionState
from rtinspect.tap import Tapped

ERROR_TYPES = ("error", "rtinspect.transport.error")
FILTER_CHUNK = 32_768  # events a filter worker tests between progress reports and cancel checks


class SessionModel:
    """Index + the session's fold + list rows, read and changed on the UI thread only.

    A live session is folded here event by event (``ingest``); a recorded log is folded by a worker
    on a fold of its own (``pointfold.fold_log``) whose reports the UI hands to ``adopt``.
    """

    def __init__(
        self, index: EventIndex | None = None, *, dialect: str = "ga", label: str = "", live: bool = False
    ) -> None:
        self.index: EventIndex = index if index is not None else LiveIndex()
        self.dialect = dialect
        self.label = label
        self.live = live
        self.fold = PointFold.fresh()  # the session as far as folded (the end, once a log is folded)
        # recorded logs: the panels can show the session AT an event (``point``) instead of the end
        self.checkpoints = Checkpoints()
        self.point: PointFold | None = None
        # list filter and rows
        self.dirs_shown: set[str] = {"client", "server", "meta"}
        self.filter_text = ""  # what the user typed in the filter bar (the filter language)
        self.filter: Node | None = None
        self.fold_audio = True
        self.expanded: set[int] = set()  # event index of the first event of an expanded run
        self.positions = np.zeros(0, dtype=np.int64)
        self.rows = np.zeros(0, dtype=np.int64)  # index into positions where each row starts
        self._filtered_upto = 0
        self._run_cache: dict[tuple[int, int], str] = {}
        self._errors_cache: tuple[tuple[int, int], np.ndarray] | None = None
        self.rebuild()

    # ---- ingest and fold -------------------------------------------------------------------
    def ingest(self, recs: Iterable[Tapped]) -> set[str]:
        """Append live events to the index and fold them; returns the changed areas."""
        if not isinstance(self.index, LiveIndex):
            raise TypeError("ingest is for live sessions; a recorded log is folded by fold_log")
        changed: set[str] = {"events"}
        for rec in recs:
            self.index.append(rec)
            changed |= self.fold.apply(rec)
        self.extend_rows()
        return changed

    def adopt(self, report: FoldReport) -> set[str]:
        """Take a recorded log's fold report: its fold becomes the one the panels read."""
        self.fold = report.fold
        return set(report.changed)

    # the fold's parts, as the views read them
    @property
    def state(self) -> SessionState:
        return self.fold.state

    @property
    def doctor(self) -> Doctor:
        return self.fold.doctor

    @property
    def stats(self) -> Stats:
        return self.fold.stats

    @property
    def levels(self) -> list[float]:
        return self.fold.levels

    @property
    def flagged(self) -> dict[int, str]:
        return self.fold.flagged

    @property
    def folded(self) -> int:
        return self.fold.upto

    @property
    def fold_error(self) -> str | None:
        return self.fold.error

    @property
    def findings(self) -> list[Finding]:
        """The doctor's findings, errors first."""
        return self.fold.findings

    # ---- what the panels show: the final state, or the state at a point --------------------------
    @property
    def view_state(self) -> SessionState:
        return self.point.state if self.point is not None else self.state

    @property
    def view_findings(self) -> list[Finding]:
        return self.point.findings if self.point is not None else self.findings

    @property
    def view_levels(self) -> list[float]:
        return self.point.levels if self.point is not None else self.levels

    # ---- rows of the event list -------------------------------------------------------------
    def _mask(self, start: int, stop: int) -> np.ndarray:
        return self._mask_for(self.filter, self.dirs_shown, start, stop)

    def _mask_for(self, node: Node | None, dirs_shown: set[str], start: int, stop: int) -> np.ndarray:
        idx = self.index
        dirs = idx.dirs[start:stop]
        mask = np.zeros(stop - start, dtype=bool)
        for d in dirs_shown:
            mask |= dirs == DIR_CODE[d]
        if node is not None and mask.any():
            sub = Matcher(node, idx, self.error_events).mask(start, stop)
            mask &= sub
        return mask

    def filtered_positions(
        self,
        node: Node | None,
        dirs_shown: set[str],
        *,
        cancelled: Callable[[], bool] = lambda: False,
        progress: Callable[[int, int], None] | None = None,
        chunk: int = FILTER_CHUNK,
    ) -> tuple[np.ndarray, int] | None:
        """The events that pass ``dirs_shown`` and ``node``, and how many were looked at; computed
        a chunk at a time so a thread can say how far it got and stop when a newer filter replaces
        it (``None`` then). Reads the index only: the caller adopts the result (``adopt_filter``)."""
        n = len(self.index)
        parts: list[np.ndarray] = []
        for start in range(0, n, chunk):
            if cancelled():
                return None
            stop = min(n, start + chunk)
            parts.append(
                np.flatnonzero(self._mask_for(node, dirs_shown, start, stop)).astype(np.int64) + start
            )
            if progress is not None:
                progress(stop, n)
        return (np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)), n

    def adopt_filter(
        self, text: str, node: Node | None, dirs_shown: set[str], positions: np.ndarray, upto: int
    ) -> None:
        """Take a filter and its positions computed by ``filtered_positions`` (over ``upto``
        events); events appended since are filtered here."""
        self.filter_text, self.filter = text.strip(), node
        self.dirs_shown = set(dirs_shown)
        self.positions = positions
        self.rows = self._row_starts(positions, 0)
        self._filtered_upto = upto
        self._run_cache.clear()
        self.extend_rows()

    def set_filter(self, text: str) -> Node | None:
        """Parse and apply a filter (see ``filterlang``); raises FilterError and keeps the old one
        when it does not parse. The caller rebuilds the rows."""
        node = parse(text)
        self.filter_text, self.filter = text.strip(), node
        return node

    def matching_codes(self, text: str) -> np.ndarray:
        text = text.lower()
        return np.array([i for i, n in enumerate(self.index.type_names) if text in n.lower()], dtype=np.int32)

    def _foldable(self) -> np.ndarray:
        names = self.index.type_names
        out = np.zeros(max(1, len(names)), dtype=bool)
        if self.fold_audio:
            for i, n in enumerate(names):
                out[i] = n in AUDIO_TYPES
        return out

    def _row_starts(self, pos: np.ndarray, base: int) -> np.ndarray:
        """Row starts (indices into ``pos``, offset by ``base``): consecutive audio events of the
        filtered view fold into one row, appends and output deltas alike (they interleave while
        the user talks over the answer, and would otherwise flood the list one row each)."""
        if len(pos) == 0:
            return np.zeros(0, dtype=np.int64)
        codes = self.index.type_codes[pos]
        fold = self._foldable()[codes]
        cont = np.zeros(len(pos), dtype=bool)
        cont[1:] = fold[1:] & fold[:-1]
        starts = np.flatnonzero(~cont)
        if self.expanded:
            extra = [
                np.arange(s + 1, (starts[k + 1] if k + 1 < len(starts) else len(pos)))
                for k, s in enumerate(starts)
                if int(pos[s]) in self.expanded
            ]
            if extra:
                starts = np.union1d(starts, np.concatenate(extra))
        return starts.astype(np.int64) + base

    def rebuild(self) -> None:
        """Recompute positions and rows from scratch (after a filter or fold change)."""
        n = len(self.index)
        self.positions = np.flatnonzero(self._mask(0, n)).astype(np.int64)
        self.rows = self._row_starts(self.positions, 0)
        self._filtered_upto = n
        self._run_cache.clear()

    def extend_rows(self) -> int:
        """Take in events appended since the last call; the last row may grow. Returns new row count."""
        n = len(self.index)
        if n == self._filtered_upto:
            return len(self.rows)
        new = np.flatnonzero(self._mask(self._filtered_upto, n)).astype(np.int64) + self._filtered_upto
        self._filtered_upto = n
        if len(new) == 0:
            return len(self.rows)
        keep_rows = max(0, len(self.rows) - 1)
        tail_from = int(self.rows[-1]) if len(self.rows) else 0
        self.positions = np.concatenate([self.positions, new])
        tail = self._row_starts(self.positions[tail_from:], tail_from)
        self.rows = np.concatenate([self.rows[:keep_rows], tail])
        self._run_cache = {k: v for k, v in self._run_cache.items() if k[0] < tail_from}
        return len(self.rows)

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def row_span(self, row: int) -> tuple[int, int]:
        """Positions ``[a, b)`` (indices into ``positions``) covered by a row."""
        a = int(self.rows[row])
        b = int(self.rows[row + 1]) if row + 1 < len(self.rows) else len(self.positions)
        return a, b

    def row_event(self, row: int) -> int:
        """Event index of the first event of a row."""
        return int(self.positions[self.rows[row]])

    def row_of_event(self, event: int) -> int | None:
        """The row showing event ``event`` (None when filtered out)."""
        p = int(np.searchsorted(self.positions, event))
        if p >= len(self.positions) or self.positions[p] != event:
            return None
        r = int(np.searchsorted(self.rows, p, side="right")) - 1
        return max(r, 0)

    def nearest_row(self, event: int) -> int:
        """The row at or just before ``event``, for jumping to an event hidden by a filter."""
        if not len(self.rows):
            return 0
        p = int(np.searchsorted(self.positions, event, side="right")) - 1
        return max(0, int(np.searchsorted(self.rows, max(p, 0), side="right")) - 1)

    def run_label(self, row: int) -> str | None:
        """``42 x input_audio_buffer.append, 1.68 s`` for a folded run of one type; a mixed run
        counts each type: ``30 audio: 20 x input_audio_buffer.append 0.80 s, 10 x response.output_audio.delta 1.00 s``."""
        a, b = self.row_span(row)
        if b - a <= 1:
            return None
        key = (a, b)
        hit = self._run_cache.get(key)
        if hit is None:
            ev = self.positions[a:b]
            codes = self.index.type_codes[ev]
            parts = []
            for code in dict.fromkeys(int(c) for c in codes):  # in order of first appearance
                mine = ev[codes == code]
                name = self.index.type_names[code]
                ms = self._run_ms(name, mine)
                if ms is not None:
                    dur = f"{ms / 1000:.2f} s"
                else:
                    span = float(self.index.times[mine[-1]] - self.index.times[mine[0]])
                    dur = f"over {span:.2f} s"
                parts.append(f"{len(mine)} x {name}, {dur}")
            hit = (
                parts[0]
                if len(parts) == 1
                else f"{b - a} audio: " + " · ".join(p.replace(",", "") for p in parts)
            )
            self._run_cache[key] = hit
        return hit

    def _run_ms(self, name: str, ev: np.ndarray) -> float | None:
        """Milliseconds of audio in a run of events: the fold's own sum for input appends (each in the
        format it was appended under), else payload sizes in the format in effect."""
        state = self.fold.state
        if name in INPUT_AUDIO_TYPES:
            ms = state.buffer.appended_ms(int(ev[0]), int(ev[-1]))
            if ms is not None:
                return ms
        sizes = self.index.sizes
        if sizes is None or len(sizes) <= int(ev[-1]):
            return None
        nbytes = sum(b64_len_to_bytes(int(s)) for s in sizes[ev])
        return nbytes / self.bytes_per_ms_at(int(ev[-1]), name)

    def bytes_per_ms_at(self, event: int, type_: str) -> float:
        """Bytes per ms of the audio in event ``event``: the input format it was appended under, or
        the session's output format (``protocol.audio`` arithmetic; never a fixed 48)."""
        state = self.fold.state
        if type_ in INPUT_AUDIO_TYPES:
            return state.buffer.format_at(event).bytes_per_ms
        return state.output_format.bytes_per_ms

    def toggle_run(self, row: int) -> bool:
        """Expand or collapse the audio run at ``row``; True when something changed."""
        a, b = self.row_span(row)
        first = int(self.positions[a])
        if b - a > 1:
            self.expanded.add(first)
        else:
            # collapse: find the run start this event belongs to
            starts = [s for s in self.expanded if s <= first]
            if not starts:
                return False
            self.expanded.discard(max(starts))
        self.rebuild()
        return True

    # ---- reading events -----------------------------------------------------------------------
    def type_of(self, event: int) -> str:
        return self.index.type_names[int(self.index.type_codes[event])]

    def summary(self, event: int) -> str:
        try:
            rec = self.index.rec(event)
        except Exception as err:  # noqa: BLE001 - a broken line shows as such, never crashes the list
            return f"<unreadable: {err}>"
        return summarize(rec.type, rec.event, self.bytes_per_ms_at(event, rec.type))

    def is_error(self, event: int) -> bool:
        name = self.type_of(event)
        return name in ERROR_TYPES or name.endswith(".failed")

    def error_events(self) -> np.ndarray:
        """Sorted indices of errors, failures and events an error finding points at (numpy, no parse)."""
        key = (len(self.index), len(self.flagged))
        if self._errors_cache is not None and self._errors_cache[0] == key:
            return self._errors_cache[1]
        names = self.index.type_names
        codes = np.array(
            [i for i, n in enumerate(names) if n in ERROR_TYPES or n.endswith(".failed")], dtype=np.int32
        )
        hits = np.flatnonzero(np.isin(self.index.type_codes, codes))
        flagged = np.fromiter((k for k, v in self.flagged.items() if v == "error"), dtype=np.int64)
        out = np.union1d(hits, flagged)
        self._errors_cache = (key, out)
        return out

    def error_times(self, limit: int = 400) -> list[float]:
        """Times of up to ``limit`` error events spread over the session, for the timeline marks."""
        hits = self.error_events()
        hits = hits[hits < len(self.index)]
        if len(hits) > limit:
            hits = hits[np.linspace(0, len(hits) - 1, limit).astype(np.int64)]
        return [float(t) for t in self.index.times[hits]]

    def next_error(self, after_event: int, backwards: bool = False) -> int | None:
        """Next (or previous) event that is an error, a failure or flagged by an error finding."""
        hits = self.error_events()
        if backwards:
            prev = hits[hits < after_event]
            return int(prev[-1]) if len(prev) else None
        nxt = hits[hits > after_event]
        return int(nxt[0]) if len(nxt) else None

    def search(
        self,
        text: str,
        from_row: int,
        limit: int = 200_000,
        backwards: bool = False,
        cancelled: Callable[[], bool] | None = None,
    ) -> int | None:
        """First row at/after ``from_row`` whose type or raw line contains ``text`` (case-insensitive).

        A plain substring test on bytes: no regex ever runs over a base64 payload.
        """
        # one view for the whole scan: it runs in a thread while a filter may swap the rows
        positions, rows = self.positions, self.rows
        if not text or not len(rows) or len(positions) <= int(rows[-1]):
            return None
        from_row = min(from_row, len(rows) - 1)
        needle = text.lower().encode()
        wanted = set(self.matching_codes(text).tolist())
        rng = range(from_row, -1, -1) if backwards else range(from_row, len(rows))
        for k, row in enumerate(rng):
            if k > limit or (cancelled is not None and k % 4096 == 0 and cancelled()):
                break  # a newer keystroke's search replaces this one: stop reading lines
            ev = int(positions[rows[row]])
            if int(self.index.type_codes[ev]) in wanted:
                return row
            try:
                if needle in self.index.raw(ev).lower():
                    return row
            except Exception:  # noqa: BLE001
                continue
        return None

    def time_left(self, now: float | None = None) -> float | None:
        """Seconds before the session's ``expires_at`` (live sessions only)."""
        if self.stats.expires_at is None:
            return None
        return self.stats.expires_at - (time.time() if now is None else now)
