"""FindingsPanel: the doctor's findings as they appear; select one to jump to its events.

A small DataTable (findings are few) over an explanation pane that shows the fix ready to paste.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.widgets import DataTable, Static

from rtinspect.doctor.finding import Finding
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

    class ApplyFix(Message):
        """Enter on a finding with a fix: apply it (the screen decides how: editor or file)."""

        def __init__(self, finding: Finding) -> None:
            self.finding = finding
            super().__init__()

    BINDINGS = [Binding("j", "jump", "Jump")]

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
            if f.resolved_by is None:
                sev = Content.from_markup(f"[{SEV_STYLE.get(f.severity, 'b')}]{f.severity}[/]")
                title = f.title  # a plain string: DataTable measures it for the column width
            else:  # cured by a later event: kept (it shows what went wrong first) and marked
                sev = Content.styled("✓ fixed", "$success")
                title = f"{f.title} (resolved by #{f.resolved_by})"
            table.add_row(sev, title, ev_text, f.code)
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
        if f.resolved_by is not None:
            how = f": {escape(f.resolution)}" if f.resolution else ""
            text = f"[$success]✓ resolved by event #{f.resolved_by}{how}[/]\n" + text
        if f.fix:
            how = "open it in the editor" if self.model.live else "save it beside the log"
            text += f"\n[b]Fix[/] (Enter: {how}; j: jump to the event):\n{escape(f.fix)}"
        self.query_one("#finding-text", Static).update(Content.from_markup(text))

    @on(DataTable.RowHighlighted, "#findings-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._explain(event.cursor_row)

    @on(DataTable.RowSelected, "#findings-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        """Enter: apply the finding's fix when it has one, else jump to its first event."""
        row = event.cursor_row
        if 0 <= row < len(self._shown):
            finding = self._shown[row]
            if finding.fix:
                self.post_message(self.ApplyFix(finding))
            else:
                self._jump_to(finding)

    def action_jump(self) -> None:
        row = self.query_one("#findings-table", DataTable).cursor_row
        if 0 <= row < len(self._shown):
            self._jump_to(self._shown[row])

    def _jump_to(self, finding: Finding) -> None:
        if finding.events:
            self.post_message(self.Jump(int(finding.events[0])))
