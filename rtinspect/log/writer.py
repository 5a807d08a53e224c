"""Crash-safe, credential-free recorder of a session: one whole line per event, appended.

Each event goes out as ONE ``os.write`` of a complete line on an ``O_APPEND`` descriptor, with no
user-space buffer: a SIGKILL at any instant leaves every earlier event on disk and at most one
partial last line, which the reader recognises and reports. Everything written passes through
``rtinspect.secrets`` first, except base64 audio payloads, which cannot contain a key's shape and
are too large and too frequent to regex-scan in real time.

Disk full (or any write error) mid-session: the session must go on and the log must stay readable.
The writer cuts the file back to its last whole line, stops recording, and says so ONCE through
``on_stopped(message)`` (the message names the file, the event count and why); later events are
dropped and counted in ``dropped``. Without ``on_stopped`` it raises one ``LogWriteError`` instead.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from rtinspect import __version__
from rtinspect.log.format import FORMAT_VERSION, HEADER_KEY, FdOwner, LogWriteError, event_line
from rtinspect.protocol import AUDIO_FIELDS
from rtinspect.secrets import contains_known_secret, redact_text, scrub_event, scrub_headers, scrub_url
from rtinspect.tap import DIRECTIONS, Tapped

_DIR_BYTES = {d: d.encode() for d in DIRECTIONS}
# Characters a secret shape needs ("sk-", "ek_", "Bearer ") and standard base64 never holds.
_SECRET_MARKS = ("-", "_", " ")


def scrub_for_log(event: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``event`` safe to write: secrets scrubbed, a base64 audio payload kept verbatim."""
    try:
        return _scrub(event)
    except (AttributeError, TypeError):
        # Not plain JSON (e.g. int keys): normalise through JSON first, then scrub as usual.
        return _scrub(orjson.loads(_dumps(dict(event))))


def _scrub(event: Mapping[str, Any]) -> dict[str, Any]:
    type_ = event.get("type")
    # base64 cannot hold a key shape, so an audio payload (most of a session's bytes) is not scanned
    field = AUDIO_FIELDS.get(type_) if isinstance(type_, str) else None
    payload = event.get(field) if field else None
    if (
        field is None
        or not isinstance(payload, str)
        or any(mark in payload for mark in _SECRET_MARKS)
        or contains_known_secret(payload)  # a known key can be all base64 characters (Azure's are hex)
    ):
        out = scrub_event(dict(event))
    else:
        rest = scrub_event({k: v for k, v in event.items() if k != field})
        out = {k: (payload if k == field else rest[k]) for k in event}
    url = out.get("url")
    if isinstance(url, str):
        out["url"] = scrub_url(url)
    return out


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        # Values orjson refuses (huge ints, odd objects): keep what JSON can say about them.
        import json

        return json.dumps(_plain(value), ensure_ascii=False, default=repr).encode("utf-8", "replace")


def _plain(value: Any) -> Any:
    """``value`` as strict JSON can hold it: string keys, non-finite floats as null (as orjson does)."""
    if isinstance(value, Mapping):
        return {k if isinstance(k, str) else str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class LogWriter(FdOwner):
    """Writes the header at open, then one line per ``Tapped`` (use ``tap.add_sink(writer.write)``).

    A new file per session: an existing file at ``path`` is replaced. The file is created 0600,
    since a session's audio and text are the user's own.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        url: str | None = None,
        dialect: str | None = None,
        model: str | None = None,
        headers: Mapping[str, str] | None = None,
        on_stopped: Callable[[str], None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.count = 0
        self.bytes_written = 0
        self.on_stopped = on_stopped
        self.stopped: str | None = None  # why recording stopped (disk full...), once it has
        self.dropped = 0  # events not recorded after that
        self._type_cache: dict[str, bytes] = {}
        try:
            self._fd: int | None = os.open(
                self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600
            )
        except OSError as exc:
            raise LogWriteError(f"cannot create log {self.path}: {exc.strerror or exc}") from None
        header: dict[str, Any] = {
            HEADER_KEY: FORMAT_VERSION,
            "started": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "url": scrub_url(url) if url else None,
            "dialect": str(dialect) if dialect is not None else None,
            "model": redact_text(model) if model else None,
            "version": __version__,
        }
        if headers is not None:
            header["headers"] = scrub_headers(headers)
        self._write_line(orjson.dumps(header) + b"\n")

    def write(self, rec: Tapped) -> None:
        """Append one event as one line (one system call; no buffering, so nothing is lost on a kill)."""
        if self.stopped is not None:
            self.dropped += 1
            return
        direction = _DIR_BYTES.get(rec.dir)
        if direction is None:
            raise ValueError(f"unknown direction {rec.dir!r}")
        t = rec.t if math.isfinite(rec.t) else 0.0
        event = scrub_for_log(rec.event)
        type_ = event.get("type")  # the scrubbed one: a key pasted as a type must not leak either
        if not isinstance(type_, str):
            type_ = ""
        type_bytes = self._type_cache.get(type_)
        if type_bytes is None:
            type_bytes = orjson.dumps(type_)
            if len(self._type_cache) < 4096:
                self._type_cache[type_] = type_bytes
        try:
            self._write_line(event_line(t, direction, type_bytes, _dumps(event)))
        except LogWriteError as err:
            if self._fd is None:
                raise  # closed by the caller: a bug, not a full disk
            self._stop(str(err))
            return
        self.count += 1

    __call__ = write

    def _write_line(self, line: bytes) -> None:
        fd = self._fd
        if fd is None:
            raise ValueError(f"log writer for {self.path} is closed")
        try:
            view = memoryview(line)
            while view:  # a regular file takes it whole; loop only for the disk-full corner
                n = os.write(fd, view)
                view = view[n:]
        except OSError as exc:
            raise LogWriteError(f"cannot write log {self.path}: {exc.strerror or exc}") from None
        self.bytes_written += len(line)

    def _stop(self, why: str) -> None:
        """Recording cannot go on: cut a partly written line, close, tell the owner once."""
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, self.bytes_written)  # the file ends with the last whole line
            finally:
                os.close(fd)
        self.dropped += 1
        self.stopped = (
            f"recording stopped after {self.count} events: {why}; {self.path} holds everything up to there "
            "and stays readable (the session goes on)"
        )
        if self.on_stopped is None:
            raise LogWriteError(self.stopped)
        with contextlib.suppress(Exception):  # the notice must never break the session it reports on
            self.on_stopped(self.stopped)

    @property
    def closed(self) -> bool:
        return self._fd is None

    def close(self, *, fsync: bool = False) -> None:
        """Close the file (idempotent). ``fsync`` also survives a power cut, not only a crash."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
