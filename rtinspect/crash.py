"""Internal errors: one line for the user, the details in a file.

Why: a traceback on screen (Textual prints one with local variables) can show a key, an event's
content or a path, and tells the user nothing they can act on. An internal error instead writes
the traceback, scrubbed by ``rtinspect.secrets`` and without local variables, to a details file,
and the user sees one line with that file's path, to attach to a bug report.
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
import tempfile
import traceback
from pathlib import Path

from rtinspect import __version__
from rtinspect.secrets import redact_text

INTERNAL_ERROR_EXIT = 70  # EX_SOFTWARE


def details_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "rtinspect" / "crashes"


def write_details(error: BaseException, context: str = "") -> Path | None:
    """Write the scrubbed traceback of ``error`` to a new details file; its path, or None if no
    folder could take it (the one line is still shown)."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    body = (
        f"rtinspect {__version__} internal error ({redact_text(context) or 'command'})\n"
        f"python {sys.version.split()[0]} on {sys.platform}\n\n{redact_text(text)}"
    )
    for folder in (details_dir(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f"rtinspect-crash-{stamp}-", suffix=".txt", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(body)
            return Path(name)
        except OSError:
            continue
    return None


def one_line(error: BaseException, details: Path | None) -> str:
    """``rtinspect: internal error: KeyError: 'x' (details: /path)``, scrubbed, on one line."""
    what = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    what = redact_text(what).splitlines()[0][:300] if what.strip() else type(error).__name__
    where = f"details: {details}" if details else "set RTINSPECT_DEBUG=1 for the traceback"
    return f"rtinspect: internal error: {what} ({where})"
