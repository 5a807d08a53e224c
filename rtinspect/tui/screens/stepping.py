"""StateAtCursor: in a recorded log, the panels show the session AT the selected event (a mixin of
MainScreen).

Stepping (``,`` ``.``), seeking (``<`` ``>``, the timeline) or ``F`` switch the panels from the
final state to the state at the cursor, with the marker ``state at #N / total`` on the panels'
border; from then on every cursor move refolds. A short step forward folds on the UI thread from
the current point; anything else (backward, long jumps) runs in a thread worker (exclusive: the
next move cancels it) from the nearest checkpoint. ``F`` goes back to the final state.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.binding import Binding
from textual.message import Message
from textual.worker import get_current_worker

from rtinspect.inspector.pointfold import PointFold, point_at

SYNC_STEPS = 500  # forward moves at most this long fold on the UI thread (a few ms)


class PointReady(Message):
    """A worker folded the state at a cursor: the point is the UI's from now on."""

    def __init__(self, gen: int, point: PointFold) -> None:
        super().__init__()
        self.gen = gen
        self.point = point


class StateAtCursor:
    """Mixin: the at-cursor state of a recorded log and its marker."""

    STEPPING_BINDINGS = [Binding("F", "toggle_final", "State at cursor/final", show=False)]

    app: Any
    model: Any
    events: Any

    def init_stepping(self) -> None:
        self.at_cursor = False
        self._point_gen = 0  # bumped by every request; a worker's result counts only if still current
        self._point_pending = False
        self._kept_point: PointFold | None = None  # the point to reuse when F switches back

    # ---- mode ---------------------------------------------------------------------------------------
    def enter_at_cursor(self, fold_now: bool = True) -> None:
        """Called by step and seek (which move the cursor next, so they pass ``fold_now=False``)
        and by F: from now on the panels follow the cursor."""
        if self.model.live or self.at_cursor:
            return
        self.at_cursor = True
        self.model.point, self._kept_point = self._kept_point, None
        event = self.events.selected_event
        if fold_now and event is not None:
            self.state_to(event)

    def action_toggle_final(self) -> None:
        if self.model.live:
            return
        if self.at_cursor:
            self.at_cursor = False
            self._point_gen += 1  # whatever is folding now is not wanted any more
            if self._point_pending:
                self.workers.cancel_group(self, "point")  # type: ignore[attr-defined]
                self._point_pending = False
                self._kept_point = None  # a cancelled worker may still be copying it
            else:
                self._kept_point = self.model.point
            self.model.point = None
            self._point_changed()
        else:
            self.enter_at_cursor()

    # ---- folding to the cursor -------------------------------------------------------------------------
    def state_to(self, event: int) -> None:
        """Make the panels show the session just after event ``event``."""
        if not self.at_cursor:
            return
        upto = event + 1
        point = self.model.point
        self._point_gen += 1
        if point is not None and point.upto == upto and not self._point_pending:
            self._point_changed()
            return
        if point is not None and not self._point_pending and 0 <= upto - point.upto <= SYNC_STEPS:
            point.advance(self.model.index, upto)
            self._point_changed()
            return
        self._point_pending = True
        self._set_marker(upto, busy=True)
        self._fold_to(upto, self._point_gen, point)

    @work(thread=True, exclusive=True, group="point")
    def _fold_to(self, upto: int, gen: int, current: PointFold | None) -> None:
        worker = get_current_worker()
        point = point_at(self.model.index, upto, self.model.checkpoints, current, lambda: worker.is_cancelled)
        if point is not None and not worker.is_cancelled:
            self.post_message(PointReady(gen, point))  # type: ignore[attr-defined]

    def on_point_ready(self, message: PointReady) -> None:
        gen, point = message.gen, message.point
        if gen != self._point_gen or not self.at_cursor:
            return  # the cursor moved on (or F was pressed) while this one folded
        self._point_pending = False
        self.model.point = point
        self._point_changed()

    # ---- showing it -------------------------------------------------------------------------------------
    def _point_changed(self) -> None:
        point = self.model.point
        self._set_marker(point.upto if point is not None else None, busy=False)
        self.panels_changed()

    def _set_marker(self, upto: int | None, busy: bool) -> None:
        total = len(self.model.index)
        if upto is None or self.model.live:
            text = "final state (F: state at cursor)" if not self.model.live else ""
        else:
            text = f"state at #{upto - 1:,} / {total:,}" + (" …" if busy else "") + " (F: final)"
        panels = self.query_one("#panels")  # type: ignore[attr-defined]
        if panels.border_title != text:
            panels.border_title = text

    @property
    def marker(self) -> str:
        return str(self.query_one("#panels").border_title or "")  # type: ignore[attr-defined]

    def panels_changed(self) -> None:  # provided by MainScreen
        raise NotImplementedError
