"""CompareScreen: a broken session beside a healthy one, aligned by turn (``rtinspect open
BROKEN --compare HEALTHY``).

It only draws ``rtinspect.inspector.compare.Comparison``: the alignment, the differences and the
first divergence are computed there, without Textual. The first divergence is selected when the
screen opens, since that is the question a user brings ("what changed?").
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from rtinspect.inspector.compare import Comparison, Pair, Row

STYLE = {"same": "", "differ": "yellow", "only": "magenta"}
AREA_ORDER = {"errors": 0, "session": 1, "transcripts": 2, "audio": 3, "events": 4, "close": 5}
MARK = {"same": " ", "differ": "≠", "only": "+"}


class CompareScreen(Screen[None]):
    BINDINGS = [
        Binding("d", "divergence", "First divergence"),
        Binding("n", "next_difference(1)", "Next diff"),
        Binding("N", "next_difference(-1)", "Prev diff", show=False),
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

    def compose(self) -> ComposeResult:
        c = self.cmp
        yield Static(
            f"{c.left.name} vs {c.right.name} · {c.turns} turn(s) · {len(c.differences)} difference(s)",
            id="title",
        )
        yield Static(self._differences(), id="diffs")
        yield DataTable(id="pairs", cursor_type="row", zebra_stripes=False)
        yield Static("", id="picked")
        yield Footer()

    def _differences(self) -> Text:
        c = self.cmp
        out = Text()
        if c.first_divergence is None:
            out.append("the sessions do not diverge", style="green")
        else:
            p = c.pairs[c.first_divergence]
            out.append("first divergence: ", style="bold red")
            out.append(f"{_cell(p.left) or '—'}  ↔  {_cell(p.right) or '—'}", style="red")
        # errors and the session first: they are the cause more often than the event sequence
        for d in sorted(c.differences, key=lambda d: AREA_ORDER.get(d.area, len(AREA_ORDER))):
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
        headers = set(self.cmp.headers)
        for i, pair in enumerate(self.cmp.pairs):
            if i in headers:
                turn = pair.turn
                label = f"── turn {turn} ──" if turn else "── after the last turn ──"
                table.add_row("", Text(label, style="bold cyan"), "", "", Text(label, style="bold cyan"))
                self.rows.append(None)
            self.rows.append(pair)
            first = i == self.cmp.first_divergence
            style = "bold white on red" if first else STYLE[pair.status]
            table.add_row(
                _num(pair.left),
                Text(_cell(pair.left), style=style, no_wrap=True, overflow="ellipsis"),
                Text(MARK[pair.status] if not first else "▶", style="bold red" if first else style),
                _num(pair.right),
                Text(_cell(pair.right), style=style, no_wrap=True, overflow="ellipsis"),
            )
        table.focus()
        self.action_divergence()

    def _row_of(self, pair_index: int) -> int:
        seen = -1
        for r, pair in enumerate(self.rows):
            if pair is not None:
                seen += 1
                if seen == pair_index:
                    return r
        return 0

    def action_divergence(self) -> None:
        if self.cmp.first_divergence is None:
            self.notify("the two sessions do not diverge", timeout=3)
            return
        self.query_one(DataTable).move_cursor(row=self._row_of(self.cmp.first_divergence), scroll=True)

    def action_next_difference(self, direction: int) -> None:
        table = self.query_one(DataTable)
        r = table.cursor_row + direction
        while 0 <= r < len(self.rows):
            pair = self.rows[r]
            if pair is not None and pair.status != "same":
                table.move_cursor(row=r, scroll=True)
                return
            r += direction
        self.notify("no more differences" if direction > 0 else "no earlier difference", timeout=2)

    def action_help(self) -> None:
        from rtinspect.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(live=False, compare=True))

    @on(DataTable.RowHighlighted)
    def _picked(self, message: DataTable.RowHighlighted) -> None:
        pair = self.rows[message.cursor_row] if 0 <= message.cursor_row < len(self.rows) else None
        text = Text()
        if pair is not None:
            for side, row in (("left ", pair.left), ("right", pair.right)):
                text.append(f"{side} ", style="bold")
                text.append(f"{_cell(row)}  {row.summary}" if row is not None else "—", style="")
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
