"""CompareScreen: a broken session beside a healthy one, aligned by turn (``rtinspect open
BROKEN --compare HEALTHY``).

It only draws ``rtinspect.inspector.compare.Comparison``: the alignment, the differences and the
first divergence are computed there, without Textual. The first divergence is selected when the
screen opens, since that is the question a user brings ("what changed?").

Two small logs are compared before the screen opens and shown whole, as one page. Big ones are
scanned by a worker thread while the screen is up: the title says how far it got, the first turns
show at once, and the first divergence is selected as soon as the scan reaches it (unless the user
has moved by then). Their turns are shown a page at a time (whole turns, a few hundred rows; ``[``
``]`` and ``n``/``N`` past a page's end turn the page), each built from the logs when shown.
"""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import get_current_worker

from rtinspect.inspector.compare import Comparison, Page, Pair, Row

STYLE = {"same": "", "differ": "yellow", "only": "magenta"}
AREA_ORDER = {"errors": 0, "session": 1, "transcripts": 2, "audio": 3, "events": 4, "close": 5}
MARK = {"same": " ", "differ": "≠", "only": "+"}
PROGRESS_EVERY_S = 0.25
SMALL_EVENTS = 20_000  # two logs this small show all their turns at once


class CompareScreen(Screen[None]):
    BINDINGS = [
        Binding("d", "divergence", "First divergence"),
        Binding("n", "next_difference(1)", "Next diff"),
        Binding("N", "next_difference(-1)", "Prev diff", show=False),
        Binding("right_square_bracket", "page(1)", "Next turns", show=False),
        Binding("left_square_bracket", "page(-1)", "Previous turns", show=False),
        Binding("question_mark,f1", "help", "Help"),
        Binding("q", "app.quit", "Quit"),
    ]
    DEFAULT_CSS = """
    CompareScreen #title { height: 1; padding: 0 1; text-style: bold; background: $panel; }
    CompareScreen #diffs { height: auto; max-height: 12; padding: 0 1; border-bottom: solid $panel-lighten-2; }
    CompareScreen.-small #diffs { max-height: 5; }
    CompareScreen #pairs { height: 1fr; }
    CompareScreen #picked { height: 2; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, comparison: Comparison) -> None:
        super().__init__()
        self.cmp = comparison
        self.rows: list[Pair | None] = []  # the table's rows: None is a turn header
        self.shown: Page | None = None
        self._moved = False  # the user moved before the scan found the divergence: stay there

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="title")
        yield Static(self._differences(), id="diffs")
        yield DataTable(id="pairs", cursor_type="row", zebra_stripes=False)
        yield Static("", id="picked")
        yield Footer()

    def _title(self) -> str:
        c = self.cmp
        diffs = f"{len(c.differences)} difference(s)" if c.differences is not None else "differences: …"
        text = f"{c.left.name} vs {c.right.name} · {c.turns} turn(s) · {diffs}"
        if not c.scanned:
            text += f" · reading {c.progress:.0%}"
        page = self.shown
        if page is not None and page.turns and (not c.scanned or len(page.turns) < len(c.order())):
            first, last = ("end" if t == 0 else str(t) for t in (page.turns[0], page.turns[-1]))
            text += f" · turns {first}–{last} shown ([ ] more)"
        return text

    def _differences(self) -> Text:
        c = self.cmp
        out = Text()
        pair = c.divergence_pair()
        if pair is None:
            if c.scanned:
                out.append("the sessions do not diverge", style="green")
            else:
                out.append("looking for the first divergence…", style="yellow")
        else:
            out.append("first divergence: ", style="bold red")
            out.append(f"{_cell(pair.left) or '—'}  ↔  {_cell(pair.right) or '—'}", style="red")
        # errors and the session first: they are the cause more often than the event sequence
        for d in sorted(c.differences or [], key=lambda d: AREA_ORDER.get(d.area, len(AREA_ORDER))):
            out.append(f"\n• {d.area}: ", style="bold")
            out.append(d.message)
        return out

    def on_mount(self) -> None:
        self.set_class(self.size.height < 30, "-small")
        table = self.query_one(DataTable)
        half = max(20, (self.size.width - 8) // 2 - 7)
        table.add_column("#", key="ln", width=5)
        table.add_column(self.cmp.left.name, key="left", width=half)
        table.add_column(" ", key="mark", width=1)
        table.add_column("#", key="rn", width=5)
        table.add_column(self.cmp.right.name, key="right", width=half)
        self._show(self._start_page())
        table.focus()
        if self.cmp.scanned:
            self.action_divergence()
        else:
            self._scan()

    def _start_page(self) -> Page:
        """All turns of two small logs (they look whole), else the divergence's page (the first
        turns while the scan has not reached it)."""
        c = self.cmp
        if c.scanned and c.left.events + c.right.events <= SMALL_EVENTS:
            return c.page(1, rows=10**9)
        first = c.first_divergence
        return c.page(first[0] if first else 1)

    def _show(self, page: Page) -> None:
        self.shown = page
        table = self.query_one(DataTable)
        table.clear()
        self.rows = []
        headers = set(page.headers)
        for i, pair in enumerate(page.pairs):
            if i in headers:
                turn = pair.turn
                label = f"── turn {turn} ──" if turn else "── after the last turn ──"
                table.add_row("", Text(label, style="bold cyan"), "", "", Text(label, style="bold cyan"))
                self.rows.append(None)
            self.rows.append(pair)
            first = i == page.divergence
            style = "bold white on red" if first else STYLE[pair.status]
            table.add_row(
                _num(pair.left),
                Text(_cell(pair.left), style=style, no_wrap=True, overflow="ellipsis"),
                Text(MARK[pair.status] if not first else "▶", style="bold red" if first else style),
                _num(pair.right),
                Text(_cell(pair.right), style=style, no_wrap=True, overflow="ellipsis"),
            )
        self.query_one("#title", Static).update(self._title())

    # ------------------------------------------------------------------ the scan of big logs
    @work(thread=True, exclusive=True)
    def _scan(self) -> None:
        last = 0.0
        found = False
        worker = get_current_worker()
        try:
            for _ in self.cmp.scan():
                if worker.is_cancelled:  # the app is quitting: stop reading (a 1M-event scan takes minutes)
                    return
                now = time.monotonic()
                if not found and self.cmp.first_divergence is not None:
                    found = True
                    self.app.call_from_thread(self._found)
                elif now - last > PROGRESS_EVERY_S:
                    last = now
                    self.app.call_from_thread(self._refresh_text)
        except (OSError, ValueError, RuntimeError):
            if worker.is_cancelled:
                return  # the logs were closed, or the app stopped, under a quitting app
            raise
        self.app.call_from_thread(self._refresh_text)

    def _refresh_text(self) -> None:
        c = self.cmp
        if not self._moved and c.turns and (self.shown is None or not self.shown.pairs):
            self._show(c.page(1))  # the first turns, while the scan goes on
        self.query_one("#title", Static).update(self._title())
        self.query_one("#diffs", Static).update(self._differences())

    def _found(self) -> None:
        self._refresh_text()
        if not self._moved:
            self.action_divergence()

    # ------------------------------------------------------------------ keys
    def _row_of(self, pair_index: int) -> int:
        seen = -1
        for r, pair in enumerate(self.rows):
            if pair is not None:
                seen += 1
                if seen == pair_index:
                    return r
        return 0

    def action_divergence(self) -> None:
        c = self.cmp
        if c.first_divergence is None:
            self.notify(
                "the two sessions do not diverge" if c.scanned else "no divergence found yet", timeout=3
            )
            return
        if self.shown is None or self.shown.divergence is None:
            self._show(c.page(c.first_divergence[0]))
        assert self.shown is not None and self.shown.divergence is not None
        self.query_one(DataTable).move_cursor(row=self._row_of(self.shown.divergence), scroll=True)

    def action_next_difference(self, direction: int) -> None:
        self._moved = True
        table = self.query_one(DataTable)
        r = table.cursor_row + direction
        if self._move_to_difference(r, direction):
            return
        # past the page: the next (previous) turn with a difference, on its own page
        page, c = self.shown, self.cmp
        if page is not None:
            order = c.order()
            edge = order.index(page.turns[-1 if direction > 0 else 0])
            wanted = [
                t for t in c.differing if (order.index(t) > edge if direction > 0 else order.index(t) < edge)
            ]
            if wanted:
                turn = wanted[0] if direction > 0 else wanted[-1]
                self._show(c.page(turn, backwards=direction < 0))
                start = 0 if direction > 0 else len(self.rows) - 1
                if self._move_to_difference(start, direction):
                    return
        self.notify("no more differences" if direction > 0 else "no earlier difference", timeout=2)

    def _move_to_difference(self, r: int, direction: int) -> bool:
        while 0 <= r < len(self.rows):
            pair = self.rows[r]
            if pair is not None and pair.status != "same":
                self.query_one(DataTable).move_cursor(row=r, scroll=True)
                return True
            r += direction
        return False

    def action_page(self, direction: int) -> None:
        self._moved = True
        page, c = self.shown, self.cmp
        if page is None:
            return
        order = c.order()
        k = order.index(page.turns[-1 if direction > 0 else 0]) + direction
        if not 0 <= k < len(order):
            self.notify("no more turns" if direction > 0 else "this is the first turn", timeout=2)
            return
        self._show(c.page(order[k], backwards=direction < 0))
        self.query_one(DataTable).move_cursor(row=0 if direction > 0 else len(self.rows) - 1, scroll=True)

    def action_help(self) -> None:
        from rtinspect.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(live=False, compare=True))

    @on(DataTable.RowHighlighted)
    def _picked(self, message: DataTable.RowHighlighted) -> None:
        pair = self.rows[message.cursor_row] if 0 <= message.cursor_row < len(self.rows) else None
        text = Text()
        if pair is not None:
            for label, side, row in (
                ("left ", self.cmp.left, pair.left),
                ("right", self.cmp.right, pair.right),
            ):
                text.append(f"{label} ", style="bold")
                text.append(f"{_cell(row)}  {side.summary(row)}" if row is not None else "—", style="")
                text.append("\n")
        self.query_one("#picked", Static).update(text)


def _num(row: Row | None) -> str:
    return "" if row is None else f"#{row.first}"


def _cell(row: Row | None) -> str:
    if row is None:
        return ""
    arrow = {"client": "→", "server": "←"}.get(row.dir, "·")
    return f"{arrow} {row.label()}"


class CompareApp(App[int]):
    """The compare view as its own app: two recorded logs, nothing live."""

    TITLE = "rtinspect compare"

    def __init__(self, comparison: Comparison) -> None:
        super().__init__()
        self.comparison = comparison

    def get_default_screen(self) -> Screen[Any]:
        return CompareScreen(self.comparison)
