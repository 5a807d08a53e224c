"""FindingsPanel: the doctor's findings as they appear; select one to jump to its events.

A small DataTable (findings are few) over an explanation pane that shows the fix ready to paste.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.widgets import DataTable, Static

from rtinspect.inspector.model import SessionModel

MAX_ROWS = 500  # a synthetic log can yield 10^5 findings; a table of them helps nobody
SEV_STYLE = {"error": "bold $error", "warning": "$warning", "info": "$text-muted"}


class FindingsPanel(Vertical):
    DEFAULT_CSS = """
    FindingsPanel > DataTable { height: 1fr; min-height: 3; }
    FindingsPanel > VerticalScroll { height: 1fr; padding: 0 1; border-top: solid $panel-lighten-2; }
    """

    class Jump(Message):
        """Show event ``event`` (the first event a finding points at)."""

        def __init__(self, event: int) -> None:
            self.event = event
            super().__init__()

    def __init__(self, model: SessionModel, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.model = model
        self._shown: list[Any] = []

    def compose(self) -> ComposeResult:
        table: DataTable[Any] = DataTable(id="findings-table", cursor_type="row")
        table.add_column("sev", width=7)  # Content cells are not measured by DataTable
        # the title first: it is what a reader needs; the stable code goes last (scripts match on it)
        table.add_columns("title", "events", "code")
        yield table
        with VerticalScroll():
            yield Static("no findings yet", id="finding-text")

    def refresh_panel(self) -> None:
        findings = self.model.view_findings[:MAX_ROWS]  # already sorted by the doctor, errors first
        if findings == self._shown:
            return
        self._shown = findings
        table = self.query_one("#findings-table", DataTable)
        row = table.cursor_row
        table.clear()
        for f in findings:
            evs = list(getattr(f, "events", ()) or ())
            ev_text = ", ".join(f"#{e}" for e in evs[:3]) + (" …" if len(evs) > 3 else "")
            sev = Content.from_markup(f"[{SEV_STYLE.get(f.severity, 'b')}]{f.severity}[/]")
            table.add_row(sev, f.title, ev_text, f.code)
        if findings:
            table.move_cursor(row=min(max(row, 0), len(findings) - 1))
            self._explain(table.cursor_row)
        else:
            self.query_one("#finding-text", Static).update("no findings yet")

    def _explain(self, row: int) -> None:
        if not (0 <= row < len(self._shown)):
            return
        f = self._shown[row]
        text = f"[{SEV_STYLE.get(f.severity, 'b')}]{escape(f.title)}[/]\n{escape(f.explanation)}\n"
        if getattr(f, "fix", None):
            text += f"\n[b]Fix:[/]\n{escape(f.fix)}"
        self.query_one("#finding-text", Static).update(Content.from_markup(text))

    @on(DataTable.RowHighlighted, "#findings-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._explain(event.cursor_row)

    @on(DataTable.RowSelected, "#findings-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        row = event.cursor_row
        if 0 <= row < len(self._shown):
            evs = list(getattr(self._shown[row], "events", ()) or ())
            if evs:
                self.post_message(self.Jump(int(evs[0])))
