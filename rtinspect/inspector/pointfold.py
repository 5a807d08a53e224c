"""The session AT a given event: state and doctor folded over events ``[0, upto)``. No Textual.

Why: stepping through a recorded log, the panels must show what the session looked like at the
selected event, not at the end. Moving forward folds on from the current point; moving back
starts again from the nearest checkpoint (a pickled copy of state + doctor taken every
``CHECKPOINT_EVERY`` events by the background fold, within ``CHECKPOINT_BUDGET`` bytes) or from
the start. Pickle gives a deep copy and its exact size in one go, so the budget is real.
"""

from __future__ import annotations

import bisect
import pickle
import threading
from collections.abc import Callable
from typing import Any

from rtinspect.inspector.summary import dbfs
from rtinspect.tap import Tapped

CHECKPOINT_EVERY = 20_000  # events between checkpoints (doubled when the budget is exceeded)
CHECKPOINT_BUDGET = 256 << 20  # bytes of pickled checkpoints kept at most
LEVELS_KEPT = 4_000  # input levels a point keeps (what the sparkline shows)
CANCEL_CHECK = 512  # events folded between two looks at the cancel flag


def _fresh_state() -> Any:
    from rtinspect.inspector.model import _make_state

    return _make_state()


def _fresh_doctor() -> Any:
    from rtinspect.inspector.model import _make_doctor

    return _make_doctor()


class PointFold:
    """State, doctor and input levels after the first ``upto`` events of a session."""

    def __init__(self, state: Any, doctor: Any, upto: int = 0, levels: list[float] | None = None) -> None:
        self.state = state
        self.doctor = doctor
        self.upto = upto
        self.levels: list[float] = levels if levels is not None else []
        self.error: str | None = None

    @classmethod
    def fresh(cls) -> PointFold:
        return cls(_fresh_state(), _fresh_doctor())

    @property
    def findings(self) -> list[Any]:
        return list(self.doctor.findings) if self.doctor is not None else []

    # ---- folding -------------------------------------------------------------------------------
    def apply(self, rec: Tapped) -> None:
        """Fold one event; a reducer or rule bug is noted, never raised (the viewer stays up)."""
        try:
            if self.state is not None:
                self.state.apply(rec)
            if self.doctor is not None:
                self.doctor.feed(rec)
        except Exception as err:  # noqa: BLE001
            self.error = f"{type(err).__name__}: {err}"
        if rec.type == "input_audio_buffer.append":
            audio = rec.event.get("audio")
            level = dbfs(audio, 9600) if isinstance(audio, str) else None
            if level is not None:
                self.levels.append(level)
                if len(self.levels) > 2 * LEVELS_KEPT:
                    del self.levels[:LEVELS_KEPT]
        self.upto += 1

    def advance(self, index: Any, stop: int, cancelled: Callable[[], bool] | None = None) -> bool:
        """Fold events ``[upto, stop)`` of ``index``; False when ``cancelled()`` said stop first."""
        stop = min(stop, len(index))
        for k, rec in enumerate(records(index, self.upto, stop)):
            if cancelled is not None and k % CANCEL_CHECK == CANCEL_CHECK - 1 and cancelled():
                return False
            self.apply(rec)
        self.upto = max(self.upto, stop)  # damaged lines are skipped by the reader: still counted
        return True

    # ---- copies -----------------------------------------------------------------------------------
    def freeze(self) -> bytes:
        return freeze(self.state, self.doctor, self.upto, self.levels)

    @classmethod
    def thaw(cls, blob: bytes) -> PointFold:
        state, doctor, upto, levels = pickle.loads(blob)
        return cls(state, doctor, upto, levels)

    def copy(self) -> PointFold:
        return PointFold.thaw(self.freeze())


def freeze(state: Any, doctor: Any, upto: int, levels: list[float]) -> bytes:
    return pickle.dumps((state, doctor, upto, list(levels[-LEVELS_KEPT:])), protocol=pickle.HIGHEST_PROTOCOL)


def records(index: Any, start: int, stop: int) -> Any:
    """Events ``[start, stop)``: a log reader streams them in blocks (thread-safe, no LRU churn)."""
    reader = getattr(index, "reader", None)
    iter_records = getattr(reader, "iter_records", None)
    if iter_records is not None:
        return iter_records(start, stop)
    return _each(index, start, stop)


def _each(index: Any, start: int, stop: int) -> Any:
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
    index: Any,
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
