"""``rtinspect import``: turn a HAR file or another tool's event log into rtinspect logs."""

from __future__ import annotations

from pathlib import Path

import orjson

from rtinspect.errors import UserError
from rtinspect.exchange.eventlog import parse_json_records, read_event_log
from rtinspect.exchange.har import looks_like_har, read_har
from rtinspect.exchange.logio import open_writer
from rtinspect.exchange.model import ImportedSession


def read_sessions(path: str | Path) -> list[ImportedSession]:
    """Every session in ``path``: one per Realtime socket of a HAR, or one for an event log."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as err:
        raise UserError(f"cannot read {path}: {err.strerror}") from None
    if not text.strip():
        raise UserError(f"{path} is empty")
    doc = None
    if text.lstrip().startswith("{"):
        try:
            doc = orjson.loads(text)
        except orjson.JSONDecodeError:
            doc = None  # JSON Lines, or a broken file that the event-log reader reports
    if looks_like_har(doc):
        sessions = read_har(doc, path.name)  # type: ignore[arg-type]
        if not sessions:
            raise UserError(
                f"{path.name}: no Realtime WebSocket in this HAR (save it from the DevTools Network tab "
                "with the socket selected, 'Save all as HAR with content')"
            )
        return sessions
    return [read_event_log(parse_json_records(text, path.name), path.name)]


def output_paths(source: Path, out: str | Path | None, count: int) -> list[Path]:
    """``-o LOG`` for the first session, ``LOG-2.jsonl``... for the next; default beside the source."""
    first = Path(out) if out is not None else source.with_name(source.stem + ".rtinspect.jsonl")
    if first.is_dir():
        first = first / (source.stem + ".rtinspect.jsonl")
    suffix = first.suffix or ".jsonl"
    return [first if n == 1 else first.with_name(f"{first.stem}-{n}{suffix}") for n in range(1, count + 1)]


def write_session(session: ImportedSession, path: Path) -> int:
    writer = open_writer(
        path, url=session.url, dialect=session.dialect, model=session.model, headers=session.headers
    )
    try:
        for rec in session.records:
            writer(rec)
    finally:
        writer.close()
    return len(session.records)


def import_file(path: str | Path, out: str | Path | None = None) -> list[tuple[ImportedSession, Path]]:
    source = Path(path)
    sessions = read_sessions(source)
    paths = output_paths(source, out, len(sessions))
    for session, target in zip(sessions, paths, strict=True):
        if target.resolve() == source.resolve():
            raise UserError(f"refusing to overwrite the input {source}; pass -o NEW.jsonl")
        write_session(session, target)
    return list(zip(sessions, paths, strict=True))
