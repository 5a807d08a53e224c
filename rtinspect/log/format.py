"""The log format's constants, its errors and file handling, shared by the writer and the reader.

A log is JSON Lines, UTF-8. Line 1 is the header ``{"rtinspect_log": 1, ...}``; every further
line is ``{"t":<float>,"dir":"client|server|meta","type":"<name>","event":{...}}`` with exactly
that key order and no spaces, so the reader can take t/dir/type from a fixed prefix by byte
comparison and only parse the event when asked.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import orjson

from rtinspect.errors import UserError
from rtinspect.tap import DIRECTIONS

FORMAT_VERSION = 1
HEADER_MAX = 1 << 20  # a header line longer than this is not ours
HEADER_KEY = "rtinspect_log"

# Direction codes in the index: position in ``DIRECTIONS`` (client=0, server=1, meta=2).
DIR_CODES: dict[str, int] = {name: code for code, name in enumerate(DIRECTIONS)}


def event_line(t: float, direction: bytes, type_json: bytes, event_json: bytes) -> bytes:
    """One event line, newline included: the envelope the reader's fast path reads by byte position.

    ``type_json`` and ``event_json`` are already JSON (``orjson.dumps`` output); ``t`` goes out
    as ``%.6f`` (microseconds), the shape ``scan`` reads as integers.
    """
    return b'{"t":%.6f,"dir":"%s","type":%s,"event":%s}\n' % (t, direction, type_json, event_json)


class LogFormatError(UserError):
    """The file is not an rtinspect log, or one of its lines cannot be read as an event."""


class LogWriteError(UserError):
    """The log cannot be created or written (missing folder, permissions, disk full)."""


def open_log_fd(path: Path) -> int:
    """A read-only descriptor on a regular file, or a one-line LogFormatError saying why not."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise LogFormatError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise LogFormatError(f"{path} is a directory, not an rtinspect log") from None
    except OSError as exc:
        raise LogFormatError(f"cannot open {path}: {exc.strerror or exc}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
        raise LogFormatError(f"{path} is {kind}, not an rtinspect log")
    return fd


def read_header(fd: int, path: Path) -> tuple[dict[str, Any], int]:
    """The parsed header line and the offset where events start; refuses anything else."""
    try:
        head = os.pread(fd, HEADER_MAX, 0)
    except OSError as exc:
        raise LogFormatError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not head:
        raise LogFormatError(f"{path} is empty, not an rtinspect log")
    nl = head.find(b"\n")
    line = head if nl < 0 else head[:nl]
    not_log = f"{path} is not an rtinspect log (its first line is not an rtinspect log header)"
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        if nl < 0 and line.startswith(b'{"' + HEADER_KEY.encode()):
            raise LogFormatError(
                f"{path} holds only part of a log header (the writer stopped at once)"
            ) from None
        raise LogFormatError(not_log) from None
    version = obj.get(HEADER_KEY) if isinstance(obj, dict) else None
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise LogFormatError(not_log)
    if version > FORMAT_VERSION:
        raise LogFormatError(
            f"{path} was written by a newer rtinspect (log format {version}; this one reads {FORMAT_VERSION})"
        )
    return obj, (len(line) if nl < 0 else nl + 1)


class FdOwner:
    """A context manager around one raw file descriptor ``_fd``, closed on exit or when collected
    (a reader or writer dropped without ``close`` must not leak its fd). Subclasses define ``close``."""

    _fd: int | None

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_fd", None) is not None:
            self.close()
