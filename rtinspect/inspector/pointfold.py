"""The one fold of a session the inspector keeps: state, doctor, status-bar numbers, input levels
and the events findings flag, after the first ``upto`` events. No Textual.

Why one class: the live session, the recorded log's background fold and the state at the cursor
all fold the same way, so they must not disagree. A fold is owned by one thread at a time: the UI
thread folds a live session; a worker folds a recorded log on its own fold and hands the UI copies
(and the final fold itself when done), never a fold it is still changing.

Stepping through a recorded log, the panels show the session at the selected event: moving forward
folds on from the current point; moving back starts again from the nearest checkpoint (a pickled
copy taken every ``CHECKPOINT_EVERY`` events by the background fold, within ``CHECKPOINT_BUDGET``
bytes) or from the start. Pickle gives a deep copy and its exact size in one go, so the budget is real.
"""

from __future__ import annotations

import bisect
import pickle
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rtinspect.doctor import Doctor
from rtinspect.doctor.finding import Finding
from rtinspect.inspector.index import EventIndex, ReaderIndex
from rtinspect.inspector.stats import Stats
from rtinspect.inspector.summary import dbfs
from rtinspect.session.state import SessionState
from rtinspect.tap import AudioRun, Tapped

CHECKPOINT_EVERY = 20_000  # events between checkpoints (doubled when the budget is exceeded)
CHECKPOINT_BUDGET = 48 << 20  # bytes of pickled checkpoints kept at most (RSS: see bench/README.md)
LEVELS_KEPT = 4_000  # input levels a fold shows (the sparkline): those of the last appends
_APPEND = "input_audio_buffer.append"
CANCEL_CHECK = 512  # events folded between two looks at the cancel flag
FOLD_BATCH = 4_000  # events a log fold folds between two looks at the clock (a divisor of CHECKPOINT_EVERY)
# events after which the status bar's numbers (read from the state) may have changed
_STATUS_TYPES = frozenset(
    {
        "session.created",
        "session.updated",
        "response.done",
        "rtinspect.connection.opened",
        "rtinspect.connection.closed",
    }
)


class PointFold:
    """State, doctor, stats, levels and flagged events after the first ``upto`` events."""

    def __init__(
        self,
        state: SessionState,
        doctor: Doctor,
        upto: int = 0,
        levels: list[float | None] | None = None,
        flagged: dict[int, str] | None = None,
        pending: list[int | str | None] | None = None,
    ) -> None:
        if doctor.state is not state:  # the doctor folds the state: two states would disagree
            raise ValueError("PointFold needs the doctor built on its state: Doctor(state=state)")
        self.state = state
        self.doctor = doctor
        self.upto = upto
        # one entry per append, latest last (None: no level, e.g. not a base64 string); trimmed
        self._levels: list[float | None] = levels if levels is not None else []
        # appends of a log fold not measured yet, only the last LEVELS_KEPT (older ones would never
        # show): a log position to read the payload from, or a whole record's payload
        self._pending: deque[int | str | None] = deque(pending or (), maxlen=LEVELS_KEPT)
        self.stats = Stats(state)  # a view of the state's numbers, never a second fold
        self.flagged: dict[int, str] = flagged if flagged is not None else {}  # event -> severity
        self.error: str | None = None
        self._findings: list[Finding] = []
        self._findings_dirty = True

    @classmethod
    def fresh(cls) -> PointFold:
        state = SessionState()
        return cls(state, Doctor(state=state))  # the doctor folds the state the panels read

    @property
    def levels(self) -> list[float]:
        """Input levels (dBFS) of the last ``LEVELS_KEPT`` appends folded, oldest first (those with
        no level left out). A log fold measures them only when asked for (``measure_levels``)."""
        return [v for v in self._levels[-LEVELS_KEPT:] if v is not None]

    @property
    def findings(self) -> list[Finding]:
        """The doctor's findings, errors first (re-read only after a fold changed them)."""
        if self._findings_dirty:
            self._findings = list(self.doctor.findings)
            self._findings_dirty = False
        return self._findings

    # ---- folding -------------------------------------------------------------------------------
    def apply(self, rec: Tapped) -> set[str]:
        """Fold one event; returns the areas it changed. A reducer or rule bug is noted in
        ``error``, never raised (the viewer stays up)."""
        changed: set[str] = set()
        try:  # the rules read the state before rec, then the doctor folds rec into it: one fold
            areas, new = self.doctor.step(rec)
            changed |= areas
        except Exception as err:  # noqa: BLE001
            self.error = f"doctor: {type(err).__name__}: {err}"
            new = []
        if new:
            self._flag(new)
            changed.add("findings")
        changed |= self._stats_one(rec)
        self.upto += 1
        return changed

    def apply_run(self, run: AudioRun) -> set[str]:
        """Fold a recorded log's run of audio events (``LogReader.iter_fold``: payloads unread),
        as ``apply`` on each of its records would; the appends' levels wait for ``measure_levels``."""
        changed: set[str] = set()
        try:
            new = self.doctor.feed_run(run)
            changed |= self.doctor.changed
        except Exception as err:  # noqa: BLE001
            self.error = f"doctor: {type(err).__name__}: {err}"
            new = []
        if new:
            self._flag(new)
            changed.add("findings")
        n = len(run)
        if run.type == _APPEND:
            self._pending.extend(range(run.start, run.start + n))
            changed.add("buffer")
        elif run.dir == "server" and run.type.startswith("response.") and run.type.endswith(".delta"):
            turns = self.state.turns
            if turns and turns[-1].first_output_t in run.times:  # a delta gave the turn its latency
                changed.add("status")
        self.upto += n
        return changed

    def advance(self, index: EventIndex, stop: int, cancelled: Callable[[], bool] | None = None) -> bool:
        """Fold events ``[upto, stop)`` of ``index``; False when ``cancelled()`` said stop first."""
        stop = min(stop, len(index))
        apply, apply_run = self.apply, self.apply_run
        for k, rec in enumerate(records(index, self.upto, stop)):
            if cancelled is not None and k % CANCEL_CHECK == CANCEL_CHECK - 1 and cancelled():
                return False
            if isinstance(rec, AudioRun):
                apply_run(rec)
            else:
                apply(rec)
        self.upto = max(self.upto, stop)  # damaged lines are skipped by the reader: still counted
        self.measure_levels(index)
        return True

    def measure_levels(self, index: EventIndex) -> None:
        """Levels of the appends a log fold left unmeasured (at most the last ``LEVELS_KEPT``),
        their payloads read by offset: a fold of a million events reads a few thousand payloads."""
        pending = self._pending
        if not pending:
            return
        reader = index.reader if isinstance(index, ReaderIndex) else None
        cols = reader.columns() if reader is not None else None
        out = self._levels
        while pending:
            item = pending.popleft()
            text: str | None = item if isinstance(item, str) else None
            if isinstance(item, int) and reader is not None and cols is not None:
                # a run's append: the indexer measured its payload span (ASCII base64 characters
                # only) and the reader checked it
                text = reader.raw(item)[int(cols["audio_off"][item]) : int(cols["audio_end"][item])].decode(
                    "ascii"
                )
            out.append(dbfs(text, 9600) if text is not None else None)
        if len(out) > 2 * LEVELS_KEPT:
            del out[:-LEVELS_KEPT]

    def finish(self) -> set[str]:
        """End of a recorded log: the doctor's whole-session rules."""
        try:
            self._flag(self.doctor.finish())
        except Exception as err:  # noqa: BLE001 - a rule's bug must not take the viewer down
            self.error = f"doctor: {err}"
        return {"findings"}

    def _flag(self, new: list[Finding]) -> None:
        """Mark the events new findings point at (info findings point at healthy events: not flagged)."""
        self._findings_dirty = True
        for f in new:
            if f.severity not in ("error", "warning"):
                continue
            for ev in f.events:
                if self.flagged.get(ev) != "error":
                    self.flagged[ev] = f.severity

    def _stats_one(self, rec: Tapped) -> set[str]:
        """Input levels for the sparkline, and which events change the status bar's numbers."""
        typ = rec.type
        if typ == _APPEND:
            audio = rec.event.get("audio")
            if self._pending:  # after unmeasured appends of a log fold: keep the order
                self._pending.append(audio if isinstance(audio, str) else None)
            else:
                out = self._levels
                out.append(dbfs(audio, 9600) if isinstance(audio, str) else None)
                if len(out) > 2 * LEVELS_KEPT:
                    del out[:LEVELS_KEPT]
            return {"buffer"}
        if typ in _STATUS_TYPES:
            return {"status", "connection"} if typ.startswith("rtinspect.") else {"status"}
        if rec.dir == "server" and typ.startswith("response.") and typ.endswith(".delta"):
            turns = self.state.turns
            if turns and turns[-1].first_output_t == rec.t:  # this delta gave the turn its latency
                return {"status"}
        return set()

    # ---- copies -----------------------------------------------------------------------------------
    def freeze(self) -> bytes:
        """A deep copy as bytes (its size is what a checkpoint costs)."""
        return pickle.dumps(
            (
                self.state,
                self.doctor,
                self.upto,
                self._levels[-LEVELS_KEPT:],
                self.flagged,
                list(self._pending),
            ),
            protocol=pickle.HIGHEST_PROTOCOL,
        )

    @classmethod
    def thaw(cls, blob: bytes) -> PointFold:
        state, doctor, upto, levels, flagged, pending = pickle.loads(blob)
        return cls(state, doctor, upto, levels, flagged, pending)

    def copy(self) -> PointFold:
        return PointFold.thaw(self.freeze())


def records(index: EventIndex, start: int, stop: int) -> Iterator[Tapped | AudioRun]:
    """Events ``[start, stop)``: a log reader streams them in blocks (thread-safe, no LRU churn),
    its audio as runs whose payloads are never read (``LogReader.iter_fold``, most of a log)."""
    if isinstance(index, ReaderIndex):
        return index.reader.iter_fold(start, stop)
    return _each(index, start, stop)


def _each(index: EventIndex, start: int, stop: int) -> Iterator[Tapped]:
    for i in range(start, stop):
        try:
            yield index.rec(i)
        except Exception:  # noqa: BLE001 - a damaged line is skipped, as the reader does
            continue


class Checkpoints:
    """Frozen points every ``every`` events, thinned (every other one dropped) over budget.

    Written by the fold thread, read by point workers: guarded by a lock.
    """

    def __init__(self, every: int | None = None, budget: int | None = None) -> None:
        self.every = every or CHECKPOINT_EVERY
        self.budget = budget or CHECKPOINT_BUDGET
        self._lock = threading.Lock()
        self._at: list[int] = []
        self._blobs: list[bytes] = []
        self.size = 0

    def __len__(self) -> int:
        return len(self._at)

    def due(self, upto: int) -> bool:
        return upto > 0 and upto % self.every == 0

    def add(self, upto: int, blob: bytes) -> None:
        with self._lock:
            if self._at and upto <= self._at[-1]:
                return
            self._at.append(upto)
            self._blobs.append(blob)
            self.size += len(blob)
            while self.size > self.budget and len(self._at) > 1:
                self.every *= 2
                keep = [k for k, n in enumerate(self._at) if n % self.every == 0] or [len(self._at) - 1]
                self._at = [self._at[k] for k in keep]
                self._blobs = [self._blobs[k] for k in keep]
                self.size = sum(map(len, self._blobs))

    def positions(self) -> list[int]:
        with self._lock:
            return list(self._at)

    def best(self, upto: int) -> tuple[int, bytes] | None:
        """The latest checkpoint at or before ``upto`` events."""
        with self._lock:
            k = bisect.bisect_right(self._at, upto) - 1
            return (self._at[k], self._blobs[k]) if k >= 0 else None


def point_at(
    index: EventIndex,
    upto: int,
    checkpoints: Checkpoints,
    current: PointFold | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> PointFold | None:
    """A new point after ``upto`` events, started from the nearest of: the current point (when it
    is not past ``upto``), a checkpoint, the start. ``current`` is copied, never changed.
    None when cancelled."""
    base: PointFold | None = None
    cp = checkpoints.best(upto)
    if current is not None and current.upto <= upto and (cp is None or current.upto >= cp[0]):
        base = current.copy()
    elif cp is not None:
        base = PointFold.thaw(cp[1])
    else:
        base = PointFold.fresh()
    if cancelled is not None and cancelled():
        return None
    return base if base.advance(index, upto, cancelled) else None


@dataclass(frozen=True, slots=True)
class FoldReport:
    """What a recorded log's fold tells the UI. ``fold`` is the UI's to keep: a copy while the fold
    goes on, the finished fold itself at the end (the folding thread lets go of it first)."""

    fold: PointFold
    changed: frozenset[str]
    fraction: float
    done: bool


def fold_log(
    index: EventIndex,
    checkpoints: Checkpoints,
    *,
    report_every_s: float = 1.0,
    cancelled: Callable[[], bool] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[FoldReport]:
    """Fold a whole log on a fold of its own (run it in a thread), taking checkpoints on the way.

    Yields a copy after ``report_every_s``, then after twice as long each time (a report per batch
    would make the fold and the UI take turns, and a copy of a big state costs more than folding
    the events between two reports), then the finished fold, with the doctor's whole-session rules run. Stops
    quietly when ``cancelled()`` says so.
    """
    fold = PointFold.fresh()
    n = len(index)
    pending: set[str] = set()
    last, every_s = clock(), report_every_s
    while fold.upto < n:
        if cancelled is not None and cancelled():
            return
        every = checkpoints.every
        next_cp = (fold.upto // every + 1) * every
        before = fold.upto
        stop = min(n, before + FOLD_BATCH, next_cp)
        for rec in records(index, before, stop):
            if isinstance(rec, AudioRun):
                pending |= fold.apply_run(rec)
            else:
                pending |= fold.apply(rec)
        fold.upto = stop  # damaged lines the reader skipped still count as positions
        if checkpoints.due(stop):
            try:  # the levels' appends stay pending in it: a point measures them when it is asked for
                checkpoints.add(stop, fold.freeze())
            except Exception as err:  # noqa: BLE001 - stepping back is slower without it, nothing more
                fold.error = f"checkpoint: {type(err).__name__}: {err}"
        if clock() - last >= every_s and fold.upto < n:
            fold.measure_levels(index)
            yield FoldReport(fold.copy(), frozenset(pending), fold.upto / n, False)
            pending = set()
            last = clock()
            every_s *= 2  # a copy costs the state's size, which grows: doubling keeps copies O(n)
    fold.measure_levels(index)
    pending |= fold.finish()
    yield FoldReport(fold, frozenset(pending), 1.0, True)
