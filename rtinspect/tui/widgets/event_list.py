"""EventList: the virtual event stream. A Line-API ScrollView over the model's rows.

Why not DataTable/ListView: they build a widget or a row object per event and stall near 10^4-10^5 rows.
Here ``render_line`` draws only the visible rows, parses only their events (the index caches
them) and keeps a small cache of rendered strips, so 1M events scroll like 100.
"""

from __future__ import annotations

from collections import OrderedDict

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from rtinspect.inspector.model import SessionModel

ARROWS = {0: "→", 1: "←", 2: "·"}  # client, server, meta
TYPE_MIN = 20  # the type column never gets narrower than this
SUMMARY_MIN = 18  # ... and leaves the summary at least this much, when the list is wide enough
PREFIX = 12  # time (9 + space) and direction mark (2)


def type_width(names: list[str], width: int) -> int:
    """The type column: as wide as the longest type present, within what the list leaves it."""
    longest = max(map(len, names), default=TYPE_MIN)
    return max(TYPE_MIN, min(longest, width - PREFIX - 1 - SUMMARY_MIN))


def fit_type(name: str, width: int) -> str:
    """A type name cut in the middle, keeping its last part (``.delta``, ``.completed``) readable."""
    if len(name) <= width:
        return name
    last = name.rsplit(".", 1)[-1]
    keep = width - len(last) - 2
    return name[:keep] + "…." + last if keep > 4 else name[: width - 1] + "…"


class EventList(ScrollView, can_focus=True):
    """Time, direction, type and one-line summary of every event; audio runs folded into one row."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last (follow)", show=False),
        Binding("enter", "toggle_run", "Expand run", show=False),
    ]

    COMPONENT_CLASSES = {
        "event-list--time",
        "event-list--client",
        "event-list--server",
        "event-list--meta",
        "event-list--error",
        "event-list--warning",
        "event-list--run",
        "event-list--summary",
        "event-list--cursor",
    }

    DEFAULT_CSS = """
    EventList { overflow-x: hidden; }
    EventList > .event-list--time { color: $text-muted; }
    EventList > .event-list--client { color: $accent; }
    EventList > .event-list--server { color: $success; }
    EventList > .event-list--meta { color: $text-muted; text-style: italic; }
    EventList > .event-list--error { color: $error; text-style: bold; }
    EventList > .event-list--warning { color: $warning; }
    EventList > .event-list--run { color: $secondary; }
    EventList > .event-list--summary { color: $foreground; }
    EventList > .event-list--cursor { background: $block-cursor-background; }
    EventList:focus > .event-list--cursor { background: $block-cursor-background; text-style: bold; }
    """

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class Selected(Message):
        """The cursor moved to a row whose first event is ``event``."""

        def __init__(self, event: int, row: int) -> None:
            self.event = event
            self.row = row
            super().__init__()

    def __init__(self, model: SessionModel, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.model = model
        self.follow = model.live  # a live stream follows its tail; a recorded log opens at the top
        self._announced = False
        self._strips: OrderedDict[tuple[int, int, int, bool], Strip] = OrderedDict()
        self._type_width: tuple[int, int, int] = (-1, -1, TYPE_MIN)  # (names, width) -> column width

    # ---- sizing and refresh ------------------------------------------------------------------
    def on_mount(self) -> None:
        self.rows_changed()

    def rows_changed(self, *, rebuilt: bool = False) -> None:
        """The model's rows grew or were rebuilt: resize the virtual area, follow the tail if asked."""
        if rebuilt:
            self._strips.clear()
        count = self.model.row_count
        self.virtual_size = Size(self.size.width or 80, count)
        if count == 0:
            self.refresh()
            return
        if self.follow or self.cursor >= count:
            self.cursor = count - 1
        elif not self._announced:
            self.cursor = self.cursor  # always_update: tells the detail which event is selected
        else:
            # the last row (a growing audio run) may have changed text
            self._forget_row(count - 1)
            self.refresh()

    def restyle(self) -> None:
        """Drop the rendered rows (findings flagged some events) and repaint the visible page."""
        self._strips.clear()
        self.refresh()

    def _forget_row(self, row: int) -> None:
        for key in [k for k in self._strips if k[0] == row]:
            del self._strips[key]

    def watch_cursor(self, old: int, new: int) -> None:
        count = self.model.row_count
        if count == 0:
            return
        clamped = max(0, min(new, count - 1))
        if clamped != new:
            self.cursor = clamped
            return
        self.follow = new == count - 1
        self.scroll_to_row(new)
        self._forget_row(old)
        self._forget_row(new)
        self.refresh()
        event = self.model.row_event(new)
        self._announced = True
        self.post_message(self.Selected(event, new))

    def scroll_to_row(self, row: int) -> None:
        height = self.scrollable_content_region.height or self.size.height or 1
        top = int(self.scroll_y)
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True)

    def select_event(self, event: int) -> bool:
        """Move the cursor to the row showing ``event`` (or the nearest row before it)."""
        if not self.model.row_count:
            return False
        row = self.model.row_of_event(event)
        self.cursor = self.model.nearest_row(event) if row is None else row
        return row is not None

    @property
    def selected_event(self) -> int | None:
        return self.model.row_event(self.cursor) if self.model.row_count else None

    # ---- actions -------------------------------------------------------------------------------
    def action_cursor(self, delta: int) -> None:
        self.cursor = self.cursor + delta

    def action_page(self, direction: int) -> None:
        self.cursor = self.cursor + direction * max(1, self.scrollable_content_region.height - 1)

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = max(0, self.model.row_count - 1)

    def action_toggle_run(self) -> None:
        event = self.selected_event
        if event is None:
            return
        if self.model.toggle_run(self.cursor):
            self.rows_changed(rebuilt=True)
            self.select_event(event)

    def on_click(self, event: object) -> None:
        y = getattr(event, "y", None)
        if y is not None:
            self.cursor = int(self.scroll_y) + int(y)

    def _on_mouse_scroll_up(self, event: object) -> None:
        self.follow = False

    # ---- rendering -------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        row = int(self.scroll_y) + y
        width = self.scrollable_content_region.width or self.size.width
        if row >= self.model.row_count:
            if y == 0 and self.model.row_count == 0 and len(self.model.index):
                return self._nothing_shown(width)
            return Strip.blank(width, self.rich_style)
        cursor = row == self.cursor
        event = self.model.row_event(row)
        key = (row, event, width, cursor)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_row(row, event, width, cursor)
            self._strips[key] = strip
            if len(self._strips) > 400:
                self._strips.popitem(last=False)
        return strip

    def _render_row(self, row: int, event: int, width: int, cursor: bool) -> Strip:
        m = self.model
        idx = m.index
        style = self.get_component_rich_style
        base = self.rich_style
        t = float(idx.times[event])
        d = int(idx.dirs[event])
        name = m.type_of(event)
        run = m.run_label(row)
        flag = m.flagged.get(event)
        if m.is_error(event) or flag == "error":
            type_style = style("event-list--error")
        elif flag:
            type_style = style("event-list--warning")
        else:
            type_style = style(("event-list--client", "event-list--server", "event-list--meta")[min(d, 2)])
        mark = "!" if flag else " "
        segs = [
            Segment(f"{t:9.3f} ", style("event-list--time")),
            Segment(f"{ARROWS.get(d, '?')}{mark}", type_style),
        ]
        if run is not None:
            segs.append(Segment("▸ " + run, style("event-list--run")))
        else:
            tw = self._type_col(width)
            segs.append(Segment(f"{fit_type(name, tw):<{tw}} ", type_style))
            segs.append(Segment(m.summary(event), style("event-list--summary")))
        strip = Strip(segs).apply_style(base).crop_extend(0, width, base)
        if cursor:
            strip = strip.apply_style(style("event-list--cursor") + Style(bold=self.has_focus))
        return strip

    def _nothing_shown(self, width: int) -> Strip:
        """Say why the list is empty: every event is filtered out (never a blank pane)."""
        total = len(self.model.index)
        text = f" no event matches the filter: 0 of {total:,} shown (f: change it, 1 2 3: directions)"
        style = self.get_component_rich_style("event-list--warning")
        return (
            Strip([Segment(text, style)]).apply_style(self.rich_style).crop_extend(0, width, self.rich_style)
        )

    def _type_col(self, width: int) -> int:
        names = self.model.index.type_names
        n, w, tw = self._type_width
        if n != len(names) or w != width:
            tw = type_width(names, width)
            if tw != self._type_width[2]:
                self._strips.clear()
            self._type_width = (len(names), width, tw)
        return tw

    def notify_style_update(self) -> None:
        self._strips.clear()
        super().notify_style_update()
