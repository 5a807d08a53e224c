"""Open a recorded log as a SessionModel: the first MB indexed now, the rest in a worker.

Why lazy: a 1M-event log takes a few seconds to index; the first page shows at once and the
status bar shows the indexing progress. A file that is not a log fails here with one line.
"""

from __future__ import annotations

import os
from pathlib import Path

from rtinspect.errors import UserError
from rtinspect.inspector.index import ReaderIndex
from rtinspect.inspector.model import SessionModel
from rtinspect.log.reader import LogReader


def open_model(path: str | os.PathLike[str]) -> tuple[SessionModel, LogReader]:
    """``(model, reader)`` for ``path``; raises ``UserError`` (one line) for anything unreadable."""
    p = Path(path)
    if not p.exists():
        raise UserError(f"{p}: no such file")
    if p.is_dir():
        raise UserError(f"{p} is a folder, not a log file")
    try:
        reader = LogReader.open(p, lazy=True)
    except UserError:
        raise
    except (OSError, ValueError) as err:
        raise UserError(f"cannot open {p}: {err}") from None
    header = reader.header
    dialect = str(header.get("dialect") or "ga")
    model = SessionModel(ReaderIndex(reader), dialect=dialect, label=p.name, live=False)
    return model, reader
