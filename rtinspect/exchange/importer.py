"""``rtinspect import``: turn a HAR file or another tool's event log into rtinspect logs.

Bounded memory: an rtinspect log is recognised from its first line (the same check ``open``
makes), never by reading the file; JSON Lines are read a line at a time and a JSON array or a
saved session's ``events`` list an item at a time (``ijson``), in two passes (times and counts,
then the records as they are written). A HAR is one JSON document too, walked the same way
(``har.read_har_file``): a frame at a time, however long the session it holds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from rtinspect.errors import UserError
from rtinspect.exchange.eventlog import stream_event_log
from rtinspect.exchange.har import looks_like_har, read_har_file
from rtinspect.exchange.logio import open_writer
from rtinspect.exchange.model import ImportedSession
from rtinspect.log.format import LogFormatError, read_header

SNIFF_BYTES = 1 << 20


def _sniff(path: Path) -> tuple[str, bytes]:
    """``("lines" | "document", first non-blank line)``; refuses an empty file, an rtinspect log
    and anything unreadable with one line."""
    try:
        with path.open("rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError as err:
        raise UserError(f"cannot read {path}: {err.strerror}") from None
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if not head.strip():
        raise UserError(f"{path} is empty")
    if head.lstrip().startswith(b'{"rtinspect_log"'):
        fd = os.open(path, os.O_RDONLY)
        try:
            read_header(fd, path)  # the reader's own verdict: a log, or only part of a header
        except LogFormatError as err:
            if "part of a log header" in str(err):
                raise UserError(str(err)) from None
        else:
            raise UserError(f"{path.name} is already an rtinspect log; open it with 'rtinspect open'")
        finally:
            os.close(fd)
    body = head.lstrip()
    first = body.split(b"\n", 1)[0].strip()
    if body.startswith(b"["):
        return "document", first
    if body.startswith(b"{"):
        try:
            value = orjson.loads(first)
        except orjson.JSONDecodeError:
            return "document", first  # a pretty-printed object (a HAR, a saved session)
        if isinstance(value, dict) and (looks_like_har(value) or isinstance(value.get("events"), list)):
            return "document", first  # a whole document on one line
        return "lines", first
    return "lines", first


def _lines(path: Path, source: str) -> Iterator[Any]:
    """JSON Lines, one value at a time; a cut last line (the tool was killed mid-write) is dropped."""
    with path.open("rb") as f:
        pending: tuple[int, bytes] | None = None
        n = 0
        for raw in f:
            line = raw.strip()
            if line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if not line:
                continue
            n += 1
            if pending is not None:
                yield _parse_line(*pending, source)
            pending = (n, line)
        if pending is not None:
            try:
                yield orjson.loads(pending[1])
            except orjson.JSONDecodeError:
                if pending[0] == 1:
                    raise UserError(f"{source}: not JSON or JSON Lines") from None
                return  # a truncated last line: keep the rest


def _parse_line(n: int, line: bytes, source: str) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        raise UserError(f"{source}: line {n} is not JSON") from None


def _items(path: Path, source: str) -> Iterator[Any]:
    """A JSON array's items, or a saved session's ``events``, or the one object, streamed."""
    import ijson

    with path.open("rb") as f:
        first = f.read(SNIFF_BYTES).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    try:
        with path.open("rb") as f:
            if f.read(3) != b"\xef\xbb\xbf":
                f.seek(0)
            if first == b"[":
                yield from ijson.items(f, "item", use_float=True)
                return
            events = False
            for prefix, event, _ in ijson.parse(f):
                if prefix == "events" and event == "start_array":
                    events = True
                    break
                if prefix == "" and event == "end_map":
                    break
        with path.open("rb") as f:
            if f.read(3) != b"\xef\xbb\xbf":
                f.seek(0)
            if events:
                yield from ijson.items(f, "events.item", use_float=True)
            else:
                yield from ijson.items(f, "", use_float=True)
    except ijson.JSONError as err:
        raise UserError(f"{source}: not valid JSON ({str(err).splitlines()[0][:120]})") from None


def _is_har_document(path: Path) -> bool:
    """Whether the document's top level has a ``log`` object (read as a stream, stopping early)."""
    import ijson

    try:
        with path.open("rb") as f:
            if f.read(3) != b"\xef\xbb\xbf":
                f.seek(0)
            for prefix, event, _ in ijson.parse(f):
                if prefix == "log" and event == "start_map":
                    return True
                if prefix == "" and event in ("end_map", "end_array") or prefix == "item":
                    return False
    except ijson.JSONError:
        return False
    return False


def read_sessions(path: str | Path) -> list[ImportedSession]:
    """Every session in ``path``: one per Realtime socket of a HAR, or one for an event log."""
    path = Path(path)
    if not path.is_file():
        why = "is a directory" if path.is_dir() else "no such file"
        raise UserError(f"cannot read {path}: {why}")
    kind, _first = _sniff(path)
    source = path.name
    if kind == "document" and _is_har_document(path):
        sessions = read_har_file(path, source)
        if sessions is not None:
            if not sessions:
                raise UserError(
                    f"{source}: no Realtime WebSocket in this HAR (save it from the DevTools Network tab "
                    "with the socket selected, 'Save all as HAR with content')"
                )
            return sessions
    if kind == "document":
        return [stream_event_log(lambda: _items(path, source), source)]
    return [stream_event_log(lambda: _lines(path, source), source)]


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
    n = 0
    try:
        for rec in session.records:
            writer(rec)
            n += 1
    finally:
        writer.close()
    return n


def import_file(path: str | Path, out: str | Path | None = None) -> list[tuple[ImportedSession, Path]]:
    source = Path(path)
    sessions = read_sessions(source)
    paths = output_paths(source, out, len(sessions))
    for session, target in zip(sessions, paths, strict=True):
        if target.resolve() == source.resolve():
            raise UserError(f"refusing to overwrite the input {source}; pass -o NEW.jsonl")
        write_session(session, target)
    return list(zip(sessions, paths, strict=True))
