"""The session log as replay, import, export and the proxy use it: write a new one, read one.

Thin layer over ``rtinspect.log`` (crash-safe, redacting writer; indexed reader) that adds what
these commands need: parent folders created, and ``SessionLog.records``, which reads the events
from disk at each pass instead of holding them: a 1M-event log is ~1 GB of JSON, mostly audio,
and export and replay only ever walk it in order. The index (23 bytes per event) stays in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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


class LogRecords:
    """A log's events as a sequence read from disk: each ``for`` is a new pass in large blocks, an
    index reads one line. Events come out scrubbed again: a log written by an older version, by hand
    or by another tool may hold a key that every export must still leave out."""

    def __init__(self, reader: LogReader) -> None:
        self.reader = reader

    def __len__(self) -> int:
        return len(self.reader)

    def __bool__(self) -> bool:
        return len(self.reader) > 0

    def __iter__(self) -> Iterator[Tapped]:
        for rec in self.reader.iter_records():
            yield Tapped(rec.t, rec.dir, scrub_for_log(rec.event))

    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):  # a list, as for a list (callers slice small ranges)
            start, stop, step = i.indices(len(self))
            if step != 1:
                return [self[j] for j in range(start, stop, step)]
            return [Tapped(r.t, r.dir, scrub_for_log(r.event)) for r in self.reader.iter_records(start, stop)]
        rec = self.reader[i]
        return Tapped(rec.t, rec.dir, scrub_for_log(rec.event))


@dataclass
class SessionLog:
    """A recorded session: header fields and its events in order (a list, or ``LogRecords``)."""

    path: Path
    header: dict[str, Any]
    records: Any = field(default_factory=list)  # list[Tapped] | LogRecords
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
    """Open a log for reading in passes (see ``LogRecords``); a truncated last line or damaged
    lines are skipped and noted in ``warning``."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"no such log file: {path}")
    reader = LogReader.open(path)  # kept open with the SessionLog; closed when it is collected
    return SessionLog(path, dict(reader.header), LogRecords(reader), reader.warning)
