"""Apply a finding's fix (Enter in Findings): live, the editor opens prefilled with it, validated
and ready to send; in a recorded log, the fix is saved beside the log. A fix that is a sequence
of events opens its first event and says what follows. Kept apart so the main screen only routes."""

from __future__ import annotations

from pathlib import Path

from textual.screen import Screen

from rtinspect.doctor.finding import Finding
from rtinspect.inspector.fixes import fix_events, save_fix
from rtinspect.inspector.index import ReaderIndex
from rtinspect.inspector.model import SessionModel


def apply_fix(screen: Screen[None], finding: Finding) -> None:
    app = screen.app
    model: SessionModel = screen.model  # type: ignore[attr-defined]
    events = fix_events(finding.fix or "")
    controller = getattr(app, "controller", None)
    if controller is not None and not getattr(app, "read_only_reason", None):
        if not events:
            screen.notify("this fix has no event to send; it is shown below the finding", severity="warning")
            return
        from rtinspect.tui.screens.editor import EditorScreen

        first = events[0]
        more = f" (1 of {len(events)}: send, then Enter again for the next)" if len(events) > 1 else ""
        mode = "session" if first.get("type") == "session.update" else "event"
        title = f"fix for {finding.code}: {first.get('type', 'event')}{more}"
        app.push_screen(EditorScreen(model, controller, mode=mode, initial=first, title=title))
        return
    if isinstance(model.index, ReaderIndex):
        try:
            path = save_fix(model.index.path, finding)
        except OSError as err:
            screen.notify(f"cannot save the fix: {err.strerror or err}", severity="error")
            return
        screen.notify(f"fix saved beside the log: {Path(path).name}")
        return
    app.copy_to_clipboard(finding.fix or "")
    screen.notify("fix copied (your app owns this connection: send it from your app)")
