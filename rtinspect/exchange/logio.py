"""The session log as replay, import, export and the proxy use it: write a new one, read one whole.

Thin layer over ``rtinspect.log`` (crash-safe, redacting writer; indexed reader) that adds what
these commands need: parent folders created, and a whole session in memory (replay and export
walk every event anyway; sessions are minutes long).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from rtinspect.errors import UserError
from rtinspect.log import LogReader, LogWriter
from rtinspect.log.writer import scrub_for_log
from rtinspect.tap import Tapped


class Recorder(Protocol):
    def __call__(self, rec: Tapped) -> None: ...

    def close(self) -> None: ...


def open_writer(
    path: str | Path,
    *,
    url: str | None = None,
    dialect: str | None = None,
    model: str | None = None,
    headers: dict[str, str] | None = None,
    on_stopped: Callable[[str], None] | None = None,
) -> LogWriter:
    """A tap sink that records to ``path`` (parent folders are created). ``on_stopped``: see
    ``LogWriter`` (disk full: said once, the session goes on)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"cannot create the folder for {path}: {err.strerror}") from None
    return LogWriter(path, url=url, dialect=dialect, model=model, headers=headers, on_stopped=on_stopped)


@dataclass
class SessionLog:
    """A whole recorded session in memory: header fields and the tapped events in order."""

    path: Path
    header: dict[str, Any]
    records: list[Tapped] = field(default_factory=list)
    warning: str | None = None

    @property
    def url(self) -> str | None:
        return self.header.get("url")

    @property
    def dialect(self) -> str | None:
        return self.header.get("dialect")

    @property
    def model(self) -> str | None:
        return self.header.get("model")

    @property
    def headers(self) -> dict[str, str]:
        value = self.header.get("headers")
        return dict(value) if isinstance(value, dict) else {}


def read_log(path: str | Path) -> SessionLog:
    """Read a log fully; a truncated last line or damaged lines are skipped and noted in ``warning``.

    Events pass through the scrubber again: a log written by an older version, by hand or by
    another tool may hold a key that every export must still leave out."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"no such log file: {path}")
    with LogReader.open(path) as reader:
        records = [Tapped(r.t, r.dir, scrub_for_log(r.event)) for r in reader.iter_records()]
        return SessionLog(path, dict(reader.header), records, reader.warning)
