"""MainScreen: the event stream beside the event detail and the session/buffer/findings panels.

The screen owns the bindings for reading a session (navigation, filter, search, errors, seeking);
the live actions (send, stream, record) live in ``LiveActions`` so each file keeps one job.
Panels are refreshed only for the areas the model says changed, at most once per frame.
"""

from __future__ import annotations

import time

import numpy as np
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.events import DescendantFocus
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Input, TabbedContent, TabPane
from textual.worker import get_current_worker

from rtinspect.inspector.filterlang import FilterError, Node, needs_text, parse
from rtinspect.inspector.model import SessionModel
from rtinspect.tui.screens.actions import LiveActions
from rtinspect.tui.screens.stepping import StateAtCursor
from rtinspect.tui.widgets.buffer_panel import BufferPanel
from rtinspect.tui.widgets.detail import EventDetail
from rtinspect.tui.widgets.event_list import EventList
from rtinspect.tui.widgets.findings_panel import FindingsPanel
from rtinspect.tui.widgets.session_panel import SessionPanel
from rtinspect.tui.widgets.status import StatusBar
from rtinspect.tui.widgets.timeline import Timeline

NARROW = 100  # below: one pane at a time
WIDE = 150
PANES = ("left", "detail", "panels")
PANE_IDS = {"left": "left", "detail": "detail-pane", "panels": "panels"}
FILTER_HINT = 'response.*  client  error  id:item_1  "text"  /regex/  and or not ( ) — ? help'
SESSION_AREAS = {"session", "connection"}


class SearchResult(Message):
    """A search worker's answer: the row of the next match (None: no match)."""

    def __init__(self, text: str, row: int | None, wrapped: bool = False) -> None:
        super().__init__()
        self.text = text
        self.row = row
        self.wrapped = wrapped  # found only by going round the end


BUFFER_AREAS = {"buffer", "items", "responses"}
DEBOUNCE_EVENTS = 100_000  # from this many events a filter waits for a pause in the typing
FILTER_DEBOUNCE_S = 0.25


class FilterProgress(Message):
    """A filter worker's progress over the index."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


class FilterDone(Message):
    """A filter worker's result: the positions that pass, over the first ``upto`` events."""

    def __init__(
        self, text: str, node: Node | None, dirs: set[str], positions: np.ndarray, upto: int
    ) -> None:
        super().__init__()
        self.text = text
        self.node = node
        self.dirs = dirs
        self.positions = positions
        self.upto = upto


class MainScreen(StateAtCursor, LiveActions, Screen[None]):
    BINDINGS = [
        # first, so the footer keeps them when it runs out of room (80 columns)
        Binding("question_mark,f1", "app.help", "Help"),
        Binding("q", "app.quit", "Quit"),
        Binding("slash", "search", "Search"),
        Binding("n", "search_next(1)", "Next match", show=False),
        Binding("N", "search_next(-1)", "Prev match", show=False),
        Binding("f", "filter", "Filter"),
        Binding("1", "toggle_dir('client')", "Client", show=False),
        Binding("2", "toggle_dir('server')", "Server", show=False),
        Binding("3", "toggle_dir('meta')", "Meta", show=False),
        Binding("e", "next_error(1)", "Next error"),
        Binding("E", "next_error(-1)", "Prev error", show=False),
        Binding("y", "copy_event", "Copy JSON"),
        Binding("Y", "save_event", "Save event", show=False),
        Binding("left_square_bracket", "resize(-5)", "Narrower list", show=False),
        Binding("right_square_bracket", "resize(5)", "Wider list", show=False),
        Binding("comma", "step(-1)", "Step back", show=False),
        Binding("full_stop", "step(1)", "Step", show=False),
        Binding("less_than_sign", "seek(-0.05)", "Seek back", show=False),
        Binding("greater_than_sign", "seek(0.05)", "Seek fwd", show=False),
        Binding("t", "next_tab", "Panels"),
        Binding("v", "next_pane", "Pane"),
        Binding("z", "toggle_tree", "Tree/JSON", show=False),
        Binding("escape", "close_bar", "Close bar", show=False),
        *LiveActions.LIVE_BINDINGS,
        *StateAtCursor.STEPPING_BINDINGS,
    ]

    # Three layouts (``_layout_for``): wide puts the list on the left, the detail over the panels on
    # the right ([ ] widen the list); medium (100-149 columns) puts the list beside the detail and
    # the panels across the whole width below, so the session comparison (field, held, asked) reads
    # without maximising; narrow (< 100 columns) shows ONE pane at a time, the focused one, full
    # size, with the others one key away (v: next pane, Esc: back to the list).
    DEFAULT_CSS = """
    MainScreen #main { grid-size: 2 2; grid-columns: 50% 1fr; grid-rows: 2fr 3fr; height: 1fr; }
    MainScreen #left { row-span: 2; }
    MainScreen.-medium #main { grid-rows: 1fr 1fr; }
    MainScreen.-medium #left { row-span: 1; }
    MainScreen.-medium #panels { column-span: 2; }
    MainScreen.-narrow #main { grid-size: 1 1; grid-columns: 1fr; grid-rows: 1fr; }
    MainScreen.-narrow #left { row-span: 1; }
    MainScreen.-narrow #left, MainScreen.-narrow #detail-pane, MainScreen.-narrow #panels { display: none; }
    MainScreen.-narrow.-pane-left #left, MainScreen.-narrow.-pane-detail #detail-pane,
    MainScreen.-narrow.-pane-panels #panels { display: block; }
    MainScreen #left, MainScreen #detail-pane, MainScreen #panels { border: round $panel-lighten-2; }
    MainScreen #left:focus-within, MainScreen #detail-pane:focus-within, MainScreen #panels:focus-within {
        border: heavy $accent; border-title-style: bold; border-title-color: $accent;
    }
    MainScreen #left { border-title-align: left; }
    MainScreen .bar { display: none; height: 3; border: tall $accent; padding: 0 1; }
    MainScreen .bar.-shown { display: block; }
    MainScreen .bar.-error { border: tall $error; }
    MainScreen EventList { height: 1fr; }
    MainScreen TabbedContent { height: 1fr; }
    MainScreen TabPane { padding: 0; }
    """

    def __init__(self, model: SessionModel) -> None:
        super().__init__()
        self.model = model
        self.list_width = 55
        # the widgets the app routes to, kept as attributes: a frame must not pay for queries
        self.events = EventList(model, id="events")
        self.detail = EventDetail(model, id="detail")
        self.session_panel = SessionPanel(model, id="session")
        self.buffer_panel = BufferPanel(model, id="buffer")
        self.findings_panel = FindingsPanel(model, id="findings")
        self.status_bar = StatusBar(model, id="status")
        self.timeline = Timeline(model, id="timeline")
        self._ready = False
        self._subtitle = ""
        self._stale: set[str] = set()  # panels whose areas changed while their tab was hidden
        self._search_text = ""
        self._filtering = ""  # "filtering… N of M" while a filter worker runs
        self._filter_timer: Timer | None = None
        self.init_stepping()

    # ---- layout ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        m = self.model
        with Grid(id="main"):
            with Vertical(id="left"):
                yield Input(
                    placeholder="search type or text (enter: next, esc: close)", id="search", classes="bar"
                )
                yield Input(
                    placeholder="filter, e.g. response.* and not error (empty: all; ? help)",
                    id="filter",
                    classes="bar",
                )
                yield self.events
            with Vertical(id="detail-pane"):
                yield self.detail
            with TabbedContent(id="panels"):
                with TabPane("Session", id="tab-session"):
                    yield self.session_panel
                with TabPane("Buffer", id="tab-buffer"):
                    yield self.buffer_panel
                with TabPane("Findings", id="tab-findings"):
                    yield self.findings_panel
        if not m.live:
            yield self.timeline
        yield self.status_bar
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#left").border_title = "events"
        self.query_one("#detail-pane").border_title = "event"
        self._set_marker(None, busy=False)
        self._layout_for(self.size.width)
        self.events.focus()
        # the tabbed panels compose their tabs a moment after this mount: start routing after that
        self.call_after_refresh(self._start)

    def _start(self) -> None:
        self._ready = True
        self.refresh_areas({"all"})
        ready = getattr(self.app, "screen_ready", None)
        if ready is not None:
            ready()

    def on_resize(self, event: object) -> None:
        self._layout_for(self.size.width)

    def _layout_for(self, width: int) -> None:
        narrow = width < NARROW
        self.set_class(narrow, "-narrow")
        self.set_class(not narrow and width < WIDE, "-medium")
        if narrow and not any(self.has_class(f"-pane-{p}") for p in PANES):
            self._show_pane("left")
        grid = self.query_one("#main", Grid)
        list_width = self.list_width + (5 if width < WIDE else 0)  # a medium screen gives the list more
        grid.styles.grid_columns = "1fr" if narrow else f"{list_width}% 1fr"

    def action_resize(self, delta: int) -> None:
        self.list_width = max(25, min(75, self.list_width + delta))
        self._layout_for(self.size.width)

    # ---- one pane at a time on a narrow terminal ------------------------------------------------------
    def _show_pane(self, pane: str) -> None:
        for p in PANES:
            self.set_class(p == pane, f"-pane-{p}")

    def action_next_pane(self) -> None:
        """v: the next pane (list, detail, panels); on a wide screen it moves the focus alike."""
        current = next((p for p in PANES if self.has_class(f"-pane-{p}")), "left")
        if not self.has_class("-narrow"):
            focused = self.focused
            current = next(
                (
                    p
                    for p in PANES
                    if focused is not None
                    and self.query_one(f"#{PANE_IDS[p]}") in focused.ancestors_with_self
                ),
                current,
            )
        pane = PANES[(PANES.index(current) + 1) % len(PANES)]
        self.focus_pane(pane)

    def focus_pane(self, pane: str) -> None:
        self._show_pane(pane)
        self.call_after_refresh(self._focus_in, pane)

    def _focus_in(self, pane: str) -> None:
        if pane == "left":
            self.events.focus()
            return
        container = self.query_one(f"#{PANE_IDS[pane]}")
        if pane == "panels":
            tabs = self.query_one(TabbedContent)
            container = tabs.get_pane(tabs.active) if tabs.active else container
        target: Widget | None = next((w for w in container.query("*") if w.focusable), None)
        if target is not None:
            target.focus()

    @on(DescendantFocus)
    def _pane_follows_focus(self, message: DescendantFocus) -> None:
        """Tab (or a click) into another pane shows it on a narrow terminal, and keeps ``v`` in step."""
        widget = message.widget
        for pane in PANES:
            if self.query_one(f"#{PANE_IDS[pane]}") in widget.ancestors_with_self:
                self._show_pane(pane)
                break

    # ---- refresh routing --------------------------------------------------------------------------
    def refresh_areas(self, changed: set[str]) -> None:
        """Refresh only the widgets whose areas changed (``all`` refreshes everything)."""
        if not self._ready or not self.is_attached:
            return  # not composed yet, or shutting down: the widgets are not there
        every = "all" in changed
        events = self.events
        if every or "events" in changed:
            events.rows_changed(rebuilt="rebuilt" in changed or every)
            self._set_subtitle()
        # panels in hidden tabs are only marked stale; they refresh when their tab is shown
        self._stale |= {"session"} if every or changed & SESSION_AREAS else set()
        self._stale |= {"buffer"} if every or changed & BUFFER_AREAS else set()
        if every or "findings" in changed:
            self._stale.add("findings")
            events.restyle()  # rows flagged by new findings change colour
            self._findings_label()
            if not self.model.live:
                self._mark_timeline_errors()
        self._refresh_visible_panel()
        self.status_bar.refresh_status()

    def _findings_label(self) -> None:
        n = len(self.model.view_findings)
        self.query_one(TabbedContent).get_tab("tab-findings").label = f"Findings ({n})" if n else "Findings"

    def panels_changed(self) -> None:
        """The state the panels show was swapped (state at cursor / final): refresh them."""
        if not self._ready or not self.is_attached:
            return
        self._stale |= {"session", "buffer", "findings"}
        self._findings_label()
        self._refresh_visible_panel()

    def _refresh_visible_panel(self) -> None:
        active = self.query_one(TabbedContent).active.removeprefix("tab-")
        if active not in self._stale:
            return
        self._stale.discard(active)
        panel = {"session": self.session_panel, "buffer": self.buffer_panel, "findings": self.findings_panel}[
            active
        ]
        panel.refresh_panel()

    def action_toggle_tree(self) -> None:
        """The event detail as foldable tree or as JSON text."""
        tree = self.detail.toggle_view()
        self.query_one("#detail-pane").border_title = "event (tree: z for JSON)" if tree else "event"

    def action_next_tab(self) -> None:
        tabs = self.query_one(TabbedContent)
        order = ["tab-session", "tab-buffer", "tab-findings"]
        tabs.active = order[(order.index(tabs.active) + 1) % len(order)] if tabs.active in order else order[0]
        focused = self.focused
        if focused is not None and tabs in focused.ancestors_with_self:
            # the focus stays in the tab it was in, and TabbedContent shows that tab again: t from
            # a focused Findings table stuck there; take the focus along to the new tab
            self.call_after_refresh(self._focus_in, "panels")

    def show_findings_if_errors(self) -> None:
        """A recorded log whose analysis found problems opens on the Findings tab: that is the diagnosis."""
        if any(getattr(f, "severity", "") in ("error", "warning") for f in self.model.findings[:50]):
            self.query_one(TabbedContent).active = "tab-findings"

    @on(TabbedContent.TabActivated)
    def _tab_shown(self) -> None:
        self._refresh_visible_panel()

    def _set_subtitle(self) -> None:
        text = self._list_subtitle()
        if text != self._subtitle:  # a border change costs a layout pass: only when it changed
            self._subtitle = text
            # a screen being replaced (proxy mode switches sessions) can still get a frame after its
            # children went: the next screen sets its own subtitle
            for left in self.query("#left"):
                left.border_subtitle = text

    def _list_subtitle(self) -> str:
        m = self.model
        shown = len(m.positions)
        total = len(m.index)
        parts = [f"{shown:,} of {total:,} shown" if shown != total else f"{total:,}"]
        hidden = {"client", "server", "meta"} - m.dirs_shown
        if hidden:
            parts.append("hiding " + ",".join(sorted(hidden)))
        if m.filter_text:
            parts.append(f"filter: {m.filter_text}")
        if self._filtering:
            parts.append(self._filtering)
        if m.live and not self.events.follow:
            parts.append("paused (End: follow)")
        return "  ".join(parts)

    def _mark_timeline_errors(self) -> None:
        self.timeline.mark_errors(self.model.error_times())

    # ---- selection ---------------------------------------------------------------------------------
    @on(EventList.Selected)
    def _selected(self, message: EventList.Selected) -> None:
        self.detail.show(message.event)
        if not self.model.live:
            self.timeline.set_position(float(self.model.index.times[message.event]))
            self.state_to(message.event)
        self._set_subtitle()

    @on(FindingsPanel.ApplyFix)
    def _apply_fix(self, message: FindingsPanel.ApplyFix) -> None:
        from rtinspect.tui.screens.applyfix import apply_fix

        apply_fix(self, message.finding)

    @on(FindingsPanel.Jump)
    def _jump(self, message: FindingsPanel.Jump) -> None:
        if not self.events.select_event(message.event):
            self.notify(
                f"event #{message.event} is hidden by the filter; showing the nearest", severity="warning"
            )
        self.events.focus()

    @on(Timeline.Seek)
    def _seek(self, message: Timeline.Seek) -> None:
        self.enter_at_cursor(fold_now=False)
        self._seek_to_time(message.t)

    def _seek_to_time(self, t: float) -> None:
        import numpy as np

        times = self.model.index.times
        if len(times):
            event = int(min(len(times) - 1, np.searchsorted(times, t)))
            self.events.select_event(event)

    def action_seek(self, fraction: float) -> None:
        tl = self.timeline if not self.model.live else None
        if tl is None:
            return
        a, b = tl.span
        self.enter_at_cursor(fold_now=False)
        before = self.events.cursor
        m = self.model
        if m.row_count:  # from the row's last event going forward: a folded run is passed, not re-entered
            first, end = m.row_span(before)
            now = float(m.index.times[int(m.positions[end - 1 if fraction > 0 else first])])
        else:
            now = tl.position_t
        self._seek_to_time(now + fraction * (b - a))
        if self.events.cursor == before:  # a folded run spans the whole jump: go past it
            self.events.cursor = before + (1 if fraction > 0 else -1)

    def action_step(self, delta: int) -> None:
        self.enter_at_cursor(fold_now=False)
        self.events.action_cursor(delta)

    # ---- filter and search -------------------------------------------------------------------------
    def _bar(self, bar_id: str, show: bool) -> Input:
        bar = self.query_one(f"#{bar_id}", Input)
        bar.set_class(show, "-shown")
        if show:
            bar.focus()
        else:
            self.events.focus()
        return bar

    def action_search(self) -> None:
        self._bar("filter", False)
        self._bar("search", True)
        self.query_one("#search", Input).select_all()

    def action_filter(self) -> None:
        self._bar("search", False)
        bar = self._bar("filter", True)
        bar.value = self.model.filter_text
        bar.border_title = FILTER_HINT

    def action_close_bar(self) -> None:
        """Escape: close the search/filter bar; on a narrow terminal, back to the list."""
        for bar_id in ("search", "filter"):
            self._bar(bar_id, False)
        if self.has_class("-narrow"):
            self.focus_pane("left")

    def action_toggle_dir(self, direction: str) -> None:
        shown = set(self.model.dirs_shown)
        if direction in shown and len(shown) > 1:
            shown.discard(direction)
        else:
            shown.add(direction)
        self._start_filter(self.model.filter_text, self.model.filter, shown)

    def _start_filter(self, text: str, node: Node | None, dirs: set[str] | None = None) -> None:
        """Filter in a thread: over a 1M-event log a text term reads every line, and even a type
        glob is a pass over the index; the keys keep echoing meanwhile, the list's border says
        "filtering… N of M", and the result comes back as a message (``FilterDone``)."""
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        self._filter_worker(text, node, set(self.model.dirs_shown if dirs is None else dirs))

    @work(thread=True, exclusive=True, group="filter")
    def _filter_worker(self, text: str, node: Node | None, dirs: set[str]) -> None:
        worker = get_current_worker()
        last = 0.0

        def progress(done: int, total: int) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last > 0.5 and done < total:  # two a second: each redraws the list's border
                last = now
                self.post_message(FilterProgress(done, total))

        result = self.model.filtered_positions(
            node, dirs, cancelled=lambda: worker.is_cancelled, progress=progress
        )
        if result is not None and not worker.is_cancelled:
            self.post_message(FilterDone(text, node, dirs, *result))

    @on(FilterProgress)
    def _filter_progress(self, message: FilterProgress) -> None:
        self._filtering = f"filtering… {message.done:,} of {message.total:,}"
        self._set_subtitle()

    @on(FilterDone)
    def _filter_done_in(self, message: FilterDone) -> None:
        self._filtering = ""
        events = self.events
        keep = events.selected_event
        self.model.adopt_filter(message.text, message.node, message.dirs, message.positions, message.upto)
        events.follow = False
        self.refresh_areas({"events", "rebuilt"})
        if keep is not None and self.model.row_count:
            events.select_event(keep)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, message: Input.Changed) -> None:
        """As you type: a filter over types, directions and errors applies at once (numpy over the
        index; debounced on a big log); one that reads event text waits for Enter (it reads lines);
        a broken one says why on the bar and leaves the list as it was."""
        self._apply_filter(message.value, typing=True)

    @on(Input.Submitted, "#filter")
    def _filter_done(self, message: Input.Submitted) -> None:
        if self._apply_filter(message.value, typing=False):
            self._bar("filter", False)

    def _apply_filter(self, text: str, *, typing: bool) -> bool:
        bar = self.query_one("#filter", Input)
        try:
            node = parse(text)
        except FilterError as err:
            bar.border_title = f"filter: {err}"
            bar.add_class("-error")
            return False
        bar.remove_class("-error")
        if typing and needs_text(node):
            bar.border_title = "Enter applies it (it reads event text)"
            return True
        bar.border_title = FILTER_HINT
        if typing and len(self.model.index) >= DEBOUNCE_EVENTS:  # a pass costs more than a frame
            if self._filter_timer is not None:
                self._filter_timer.stop()
            self._filter_timer = self.set_timer(FILTER_DEBOUNCE_S, lambda: self._start_filter(text, node))
            return True
        self._start_filter(text, node)
        return True

    @on(Input.Changed, "#search")
    def _search_changed(self, message: Input.Changed) -> None:
        self._search_text = message.value
        self._run_search(self.events.cursor, forward=True)

    @on(Input.Submitted, "#search")
    def _search_submitted(self, message: Input.Submitted) -> None:
        """Enter: the next match, and the keys go back to the list (n / N step, / edits the query);
        the bar stays up showing what is searched."""
        self.action_search_next(1)
        self.events.focus()

    def action_search_next(self, direction: int) -> None:
        cursor = self.events.cursor
        self._run_search(cursor + direction, forward=direction > 0)

    @work(thread=True, exclusive=True, group="search")
    def _run_search(self, start_row: int, forward: bool) -> None:
        """Scan in a thread: a search over a 1M-event log reads lines from disk."""
        text = self._search_text
        if not text:
            return
        worker = get_current_worker()
        stop = lambda: worker.is_cancelled  # noqa: E731 - each keystroke starts a search: the last one counts
        row = self.model.search(text, max(0, start_row), backwards=not forward, cancelled=stop)
        wrapped = False
        if row is None and not stop():  # round the end, like e / E: a match behind the cursor counts
            start = 0 if forward else self.model.row_count - 1
            row = self.model.search(text, start, backwards=not forward, cancelled=stop)
            wrapped = row is not None
        if not stop():
            self.post_message(SearchResult(text, row, wrapped))

    def on_search_result(self, message: SearchResult) -> None:
        text, row = message.text, message.row
        if row is None:
            self.notify(f"no match for {text!r}", timeout=2)
        else:
            if message.wrapped:
                self.notify(f"search wrapped round for {text!r}", timeout=2)
            self.events.cursor = row

    def action_next_error(self, direction: int) -> None:
        events = self.events
        current = events.selected_event if events.selected_event is not None else -1
        target = self.model.next_error(current, backwards=direction < 0)
        if target is None:  # wrap around, and say so
            target = self.model.next_error(
                -1 if direction > 0 else len(self.model.index), backwards=direction < 0
            )
            if target is None:
                self.notify("no errors", timeout=2)
                return
            self.notify(
                "wrapped to the first error" if direction > 0 else "wrapped to the last error", timeout=2
            )
        if not events.select_event(target):
            self.notify(f"error #{target} is hidden by the filter; showing the nearest", severity="warning")

    # ---- copy ----------------------------------------------------------------------------------------
    def action_copy_event(self) -> None:
        try:
            text = self.detail.event_json()
        except Exception as err:  # noqa: BLE001 - a damaged line (bad UTF-8, deep nesting) is said, not raised
            self.notify(
                f"cannot copy event #{self.detail.event_index}: {type(err).__name__}", severity="error"
            )
            return
        if text is None:
            return
        self.app.copy_to_clipboard(text)
        self.notify(f"copied event #{self.detail.event_index} as JSON ({len(text):,} chars)")

    def action_save_event(self) -> None:
        from pathlib import Path

        detail = self.detail
        text = detail.event_json()
        if text is None:
            return
        path = Path.cwd() / f"rtinspect-event-{detail.event_index}.json"
        try:
            path.write_text(text + "\n", encoding="utf-8")
        except OSError as err:
            self.notify(f"cannot write {path}: {err.strerror}", severity="error")
            return
        self.notify(f"wrote {path}")
