"""Adapter to the session log: write through ``rtinspect.log`` and read it back.

The proxy, import, replay and export all need to write or read rtinspect logs. They go through
these two functions so that they use the log module's writer and reader (crash-safe, redacting,
indexed) and fall back to a small writer/reader of the same documented format (DESIGN.md, "Log
format") only if that module cannot be imported.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from rtinspect import __version__
from rtinspect.errors import UserError
from rtinspect.secrets import scrub_event, scrub_headers, scrub_url
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
) -> Recorder:
    """A tap sink that records to ``path`` (parent folders are created)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"cannot create the folder for {path}: {err.strerror}") from None
    try:
        from rtinspect.log import LogWriter  # type: ignore[attr-defined]
    except ImportError:
        return _FallbackWriter(path, url=url, dialect=dialect, model=model, headers=headers)
    try:
        return LogWriter(path, url=url, dialect=dialect, model=model, headers=headers)  # type: ignore[no-any-return]
    except OSError as err:
        raise UserError(f"cannot write {path}: {err.strerror}") from None


@dataclass
class SessionLog:
    """A whole recorded session in memory: header fields and the tapped events in order."""

    path: Path
    header: dict[str, Any]
    records: list[Tapped] = field(default_factory=list)
    truncated: bool = False

    @property
    def url(self) -> str | None:
        return self.header.get("url")

    @property
    def dialect(self) -> str | None:
        return self.header.get("dialect")

    @property
    def model(self) -> str | None:
        return self.header.get("model")


def read_log(path: str | Path) -> SessionLog:
    """Read a log fully (replay and export need every event anyway)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"no such log file: {path}")
    try:
        from rtinspect.log import LogReader  # type: ignore[attr-defined]
    except ImportError:
        return _fallback_read(path)
    reader = LogReader.open(path)
    try:
        header = dict(getattr(reader, "header", {}) or {})
        records = [_as_tapped(r) for r in reader.iter_records()]
        truncated = bool(getattr(reader, "truncated", False))
    finally:
        close = getattr(reader, "close", None)
        if callable(close):
            close()
    return SessionLog(path, header, records, truncated)


def _as_tapped(rec: Any) -> Tapped:
    if isinstance(rec, Tapped):
        return rec
    return Tapped(float(rec.t), rec.dir, rec.event)


class _FallbackWriter:
    """Minimal writer of the documented log format: header line, then one flushed line per event."""

    def __init__(
        self,
        path: Path,
        *,
        url: str | None,
        dialect: str | None,
        model: str | None,
        headers: dict[str, str] | None,
    ) -> None:
        try:
            self._fh = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed by close()
        except OSError as err:
            raise UserError(f"cannot write {path}: {err.strerror}") from None
        header = {
            "rtinspect_log": 1,
            "started": _dt.datetime.now(_dt.UTC).isoformat(),
            "url": scrub_url(url) if url else None,
            "dialect": dialect,
            "model": model,
            "headers": scrub_headers(headers or {}),
            "version": __version__,
        }
        self._write(header)

    def _write(self, obj: dict[str, Any]) -> None:
        if self._fh.closed:
            return
        self._fh.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._fh.flush()

    def __call__(self, rec: Tapped) -> None:
        self._write({"t": round(rec.t, 6), "dir": rec.dir, "type": rec.type, "event": scrub_event(rec.event)})

    def close(self) -> None:
        self._fh.close()


def _fallback_read(path: Path) -> SessionLog:
    header: dict[str, Any] = {}
    records: list[Tapped] = []
    truncated = False
    with open(path, encoding="utf-8", errors="replace") as fh:
        lines = fh.read().split("\n")
    for n, line in enumerate(_nonempty(lines), 1):
        try:
            obj = json.loads(line)
        except ValueError:
            if n == len([x for x in lines if x.strip()]):
                truncated = True
                break
            raise UserError(f"{path}: line {n} is not JSON; is this an rtinspect log?") from None
        if n == 1 and isinstance(obj, dict) and "rtinspect_log" in obj:
            header = obj
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("event"), dict):
            raise UserError(f"{path}: line {n} is not an rtinspect log record")
        records.append(Tapped(float(obj.get("t", 0.0)), obj.get("dir", "meta"), obj["event"]))
    if not header:
        raise UserError(f"{path}: no rtinspect log header; use 'rtinspect import' for other formats")
    return SessionLog(path, header, records, truncated)


def _nonempty(lines: list[str]) -> Iterator[str]:
    return (line for line in lines if line.strip())
