"""Run a Textual app so that an internal error never puts a traceback on screen.

Textual's default on an unhandled exception prints a traceback with local variables and the
command still exits 0. ``run_app`` replaces that: the scrubbed details go to a file
(``rtinspect.crash``), the app exits with status 70 and prints one line naming that file.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from textual.app import App

from rtinspect.crash import INTERNAL_ERROR_EXIT, one_line, write_details


def guard(app: App[Any]) -> App[Any]:
    """Route ``app``'s unhandled exceptions to a details file and a one-line exit."""
    if os.environ.get("RTINSPECT_DEBUG"):
        return app  # developers keep Textual's traceback
    default = app._handle_exception

    def handle(error: Exception) -> None:
        if app._exception is not None or app._exit_renderables:
            return default(error)  # already exiting on an earlier error
        details = write_details(error, "tui")
        app._exception = error
        app._exception_event.set()
        app.crash_line = one_line(error, details)  # type: ignore[attr-defined]
        app.exit(return_code=INTERNAL_ERROR_EXIT)

    app._handle_exception = handle  # type: ignore[method-assign]
    return app


def run_app(app: App[Any], *, headless: bool = False) -> int:
    """``app.run()`` under ``guard``; the exit status (0, the app's own code, or 70). The crash line
    is printed here, after the terminal is restored, so that nothing wraps or hides it."""
    guard(app).run(headless=headless)
    line = getattr(app, "crash_line", None)
    if line:
        print(line, file=sys.stderr)
    note = getattr(app, "exit_note", None)  # e.g. where the session was recorded
    if note:
        print(note, file=sys.stderr)
    return int(app.return_code or 0)
