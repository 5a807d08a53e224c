"""RtInspectApp: composes the main screen and routes events from the source to it.

The app only routes: the live controller's queue is drained on a ~30 Hz timer and the model is
updated in one batch per frame, followed by ONE coalesced refresh of the changed areas. A recorded
log is indexed and folded in thread workers that report progress back; nothing blocks the UI.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, get_current_worker

from rtinspect.inspector.live import LiveController
from rtinspect.inspector.model import SessionModel
from rtinspect.inspector.pointfold import FoldReport, fold_log
from rtinspect.log.reader import LogReader
from rtinspect.tui.screens.main import MainScreen

FRAME_S = 1 / 30


class RtInspectApp(App[int]):
    TITLE = "rtinspect"
    NOTIFICATION_TIMEOUT = 4  # toasts sit at the top right and go quickly: the status bar stays readable
    CSS_PATH = "rtinspect.tcss"
    BINDINGS = [
        Binding("question_mark,f1", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+p", "command_palette", "Commands", show=False),
    ]

    def __init__(
        self,
        model: SessionModel,
        *,
        controller: LiveController | None = None,
        reader: LogReader | None = None,
        endpoint: str = "",
        warning: str | None = None,
    ) -> None:
        super().__init__()
        self.model = model
        self.controller = controller
        self.reader = reader  # a LogReader still being indexed, for recorded logs
        self.endpoint = endpoint
        self.warning = warning
        self.main: MainScreen | None = None
        self.fold_done = False
        self._started = False

    def get_default_screen(self) -> Screen[Any]:
        self.main = MainScreen(self.model)
        return self.main

    def screen_ready(self) -> None:
        """Called by MainScreen once mounted: start the source (socket, indexer or fold)."""
        if self._started:
            return
        self._started = True
        status = self.main.status_bar if self.main else None
        if status is not None:
            status.endpoint = self.endpoint
        self.sync_recording()
        if self.warning:
            self.notify(self.warning, severity="warning", timeout=8)
        if self.controller is not None:
            self.notify(
                "a: stream an audio file · u: edit the session · r: ask for a response · ?: help",
                title="Live session",
                timeout=5,
            )
            self.set_interval(FRAME_S, self.drain)
            self.set_interval(1.0, self._tick)
            self.connect()
        elif self.reader is not None:
            self.index_log()
        else:
            self.fold_log()

    # ---- live ------------------------------------------------------------------------------------
    @work(exclusive=True, group="connect")
    async def connect(self) -> None:
        from rtinspect.errors import UserError

        try:
            await self.controller.connect()
        except UserError as err:
            self.notify(str(err), severity="error", timeout=10)

    def drain(self) -> None:
        """One frame: take everything queued, fold it, refresh the changed areas once."""
        batch = self.controller.drain()
        progress = self.controller.stream_progress
        status = self.main.status_bar if self.main is not None and self.main.is_attached else None
        if status is not None and status.progress != progress:
            status.progress = progress
            status.refresh_status()
        if batch:
            self.apply(batch)

    def apply(self, batch: Iterable[Any]) -> None:
        changed = self.model.ingest(batch)
        if self.main is not None and self.main.is_mounted:
            self.main.refresh_areas(changed)
            for screen in self.screen_stack:
                on_events = getattr(screen, "on_model_events", None)
                if on_events is not None:
                    on_events()

    def _tick(self) -> None:
        if self.main is not None:
            self.main.status_bar.refresh_status()

    @property
    def exit_note(self) -> str | None:
        """Printed after the terminal is restored: where a live session was recorded."""
        ctl = self.controller
        if ctl is None or ctl.record_path is None:
            return None
        return f"rtinspect: session recorded to {ctl.record_path} (rtinspect open {ctl.record_path})"

    def sync_recording(self) -> None:
        if self.main is None:
            return
        status = self.main.status_bar
        ctl = self.controller
        status.recording = str(ctl.record_path) if ctl is not None and ctl.writer is not None else None
        status.refresh_status()

    async def on_unmount(self) -> None:
        if self.controller is not None:
            await self.controller.close()

    # ---- recorded --------------------------------------------------------------------------------
    class Indexed(Message):
        """A worker indexed more of the log (the reader publishes its columns under its own lock)."""

        def __init__(self, model: SessionModel, progress: float, done: bool) -> None:
            super().__init__()
            self.model = model  # a message of a log the user has since closed is dropped
            self.progress = progress
            self.done = done

    class Folded(Message):
        """A worker's fold report: a fold the UI now owns (a copy, or the finished one)."""

        def __init__(self, model: SessionModel, report: FoldReport) -> None:
            super().__init__()
            self.model = model
            self.report = report

    @work(thread=True, exclusive=True, group="index")
    def index_log(self) -> None:
        """Index the rest of a big log in chunks, publishing each step, then fold it."""
        worker = get_current_worker()
        reader, model = self.reader, self.model
        assert reader is not None
        while not worker.is_cancelled:
            done = reader.index_more(32 * 1024 * 1024)
            self.post_message(self.Indexed(model, reader.progress, done))
            if done:
                break
        if not worker.is_cancelled:
            self._fold(worker)

    @on(Indexed)
    def _indexed(self, message: Indexed) -> None:
        if message.model is not self.model:
            return
        self.model.index.refresh_columns()
        self.model.extend_rows()
        self._progress(f"indexing {message.progress:.0%}" if not message.done else "")
        if self.main is not None:
            self.main.refresh_areas({"events"})

    @work(thread=True, exclusive=True, group="fold")
    def fold_log(self) -> None:
        self._fold(get_current_worker())

    def _fold(self, worker: Worker[None]) -> None:
        """Fold the log on a fold of the worker's own; the UI gets copies as messages (posting
        does not wait for the UI, so the fold and the UI never take turns)."""
        model = self.model
        for report in fold_log(model.index, model.checkpoints, cancelled=lambda: worker.is_cancelled):
            self.post_message(self.Folded(model, report))

    @on(Folded)
    def _folded(self, message: Folded) -> None:
        if message.model is not self.model:
            return
        report = message.report
        changed = self.model.adopt(report)
        if report.done:
            self.fold_done = True
        self._progress("" if report.done else f"analysing {report.fraction:.0%}")
        if self.main is not None and self.main.is_mounted:
            self.main.refresh_areas(changed - {"events"} | {"session", "buffer", "findings"})
            if report.done:
                self.main.show_findings_if_errors()

    def _progress(self, text: str) -> None:
        if self.main is not None and self.main.is_mounted:
            status = self.main.status_bar
            status.progress = text
            status.refresh_status()

    def open_log(self, path: Path) -> None:
        """Open another recorded log in a new process-equivalent: a fresh app would be cleaner, but
        keeping one app lets the user come back; here we simply replace the model and screen."""
        from rtinspect.errors import UserError
        from rtinspect.inspector.loader import open_model

        try:
            model, reader = open_model(path)
        except UserError as err:
            self.notify(str(err), severity="error")
            return
        self.workers.cancel_group(self, "index")
        self.workers.cancel_group(self, "fold")
        self.model = model
        self.reader = reader
        self.endpoint = str(path)
        self.controller_closed_for_log()
        self._started = False  # the new screen's mount starts indexing (screen_ready)
        self.main = MainScreen(model)
        # the default screen cannot be switched away; a pushed one can (and is, on the next open)
        if len(self.screen_stack) > 1:
            self.switch_screen(self.main)
        else:
            self.push_screen(self.main)

    def controller_closed_for_log(self) -> None:
        if self.controller is not None:
            self.run_worker(self.controller.close(), exclusive=True, group="connect")
            self.controller = None

    # ---- help and command palette -----------------------------------------------------------------
    def action_help(self) -> None:
        from rtinspect.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(live=self.controller is not None))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's own entries, then the registry's (``rtinspect.tui.commands``) that apply here."""
        yield from super().get_system_commands(screen)
        from rtinspect.tui.commands import applicable

        for cmd in applicable(live=self.controller is not None):
            yield SystemCommand(cmd.title, cmd.help, lambda a=cmd.action: self.run_action(a))
