"""Index sources the event list reads: a growing in-memory index for live sessions, and an adapter
over the recorded-log reader, both exposing the same numpy columns.

Why: the views must not care whether events come off a socket or out of a file. Both expose
``len``, ``times`` (float64), ``dirs`` (uint8: 0 client, 1 server, 2 meta), ``type_codes`` (int32),
``type_names`` (code -> name), ``rec(i) -> Tapped`` (parsed lazily) and ``raw(i)``. No Textual here.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import numpy as np
import orjson

from rtinspect.log.reader import LogReader
from rtinspect.protocol.audio import AUDIO_FIELDS
from rtinspect.tap import DIRECTIONS, Tapped

DIR_CODE: dict[str, int] = {d: i for i, d in enumerate(DIRECTIONS)}
LINE_OVERHEAD = 130  # non-payload bytes of an audio line, when no line of its type was measured


def payload_lengths(cols: dict[str, np.ndarray], names: list[str]) -> np.ndarray:
    """Each event's base64 payload length: the span the reader measured, else (an audio line it could
    not measure, e.g. one with an escaped character) the line's length minus what the measured lines of
    its type hold besides their payload (their median: ~124 bytes for an append, ~311 for an output
    delta with its ids and obfuscation in a voice log; one guess for both was 130); 0 for other events."""
    measured = cols["audio_bytes"] >= 0
    sizes = np.where(measured, cols["audio_end"] - cols["audio_off"], 0).astype(np.int64)
    if measured.all():
        return sizes
    types, lengths = cols["types"], cols["lengths"].astype(np.int64)
    for code, name in enumerate(names):
        if name not in AUDIO_FIELDS:
            continue
        of_type = types == code
        todo = of_type & ~measured
        if not todo.any():
            continue
        done = of_type & measured
        rest = int(np.median(lengths[done] - sizes[done])) if done.any() else LINE_OVERHEAD
        sizes[todo] = np.maximum(lengths[todo] - rest, 0)
    return sizes


class LiveIndex:
    """Events of a live session kept in memory, columns grown by doubling (amortised O(1) append)."""

    def __init__(self, capacity: int = 1024) -> None:
        self._n = 0
        self._times = np.zeros(capacity, dtype=np.float64)
        self._dirs = np.zeros(capacity, dtype=np.uint8)
        self._codes = np.zeros(capacity, dtype=np.int32)
        self._sizes = np.zeros(capacity, dtype=np.int64)
        self._records: list[Tapped] = []
        self.type_names: list[str] = []
        self._code_of: dict[str, int] = {}
        self.path: str | None = None
        self.truncated = False
        self.warning: str | None = None

    def __len__(self) -> int:
        return self._n

    def code_for(self, name: str) -> int:
        code = self._code_of.get(name)
        if code is None:
            code = self._code_of[name] = len(self.type_names)
            self.type_names.append(name)
        return code

    def append(self, rec: Tapped) -> None:
        if self._n == len(self._times):
            cap = 2 * len(self._times)
            self._times = np.resize(self._times, cap)
            self._dirs = np.resize(self._dirs, cap)
            self._codes = np.resize(self._codes, cap)
            self._sizes = np.resize(self._sizes, cap)
        i = self._n
        self._times[i] = rec.t
        self._dirs[i] = DIR_CODE.get(rec.dir, 2)
        self._codes[i] = self.code_for(rec.type)
        self._sizes[i] = _payload_size(rec.event)
        self._records.append(rec)
        self._n += 1

    @property
    def times(self) -> np.ndarray:
        return self._times[: self._n]

    @property
    def dirs(self) -> np.ndarray:
        return self._dirs[: self._n]

    @property
    def type_codes(self) -> np.ndarray:
        return self._codes[: self._n]

    @property
    def sizes(self) -> np.ndarray:
        """Bytes of the largest string field (the audio payload for audio events)."""
        return self._sizes[: self._n]

    def rec(self, i: int) -> Tapped:
        return self._records[i]

    def raw(self, i: int) -> bytes:
        return orjson.dumps(self._records[i].event)

    def raw_many(self, events: np.ndarray) -> Iterator[bytes]:
        return (self.raw(int(i)) for i in events)

    def refresh(self) -> int:
        return 0

    def refresh_columns(self) -> None:
        """Nothing to re-read: a live index's columns are its own."""


def _payload_size(event: dict[str, Any]) -> int:
    for key in ("audio", "delta"):
        value = event.get(key)
        if isinstance(value, str):
            return len(value)
    return 0


class ReaderIndex:
    """Adapter over ``rtinspect.log.LogReader`` with a small LRU of parsed events.

    The reader's columns are taken in one cut (``columns()``), so all of them have one length even
    while a worker indexes more of the file.
    """

    def __init__(self, reader: LogReader, cache: int = 2048) -> None:
        self.reader = reader
        self.path = str(reader.path)
        self._cache: OrderedDict[int, Tapped] = OrderedDict()
        self._cache_size = cache
        self.refresh_columns()

    def refresh_columns(self) -> None:
        """Re-read the reader's columns after it indexed more of the file."""
        r = self.reader
        cols = r.columns()
        self.type_names: list[str] = list(r.type_names)
        self._code_of = {n: i for i, n in enumerate(self.type_names)}
        self.type_codes: np.ndarray = cols["types"].astype(np.int32, copy=False)
        self.times: np.ndarray = cols["times"].astype(np.float64, copy=False)
        self.dirs: np.ndarray = cols["dirs"].astype(np.uint8, copy=False)  # the reader's codes are ours
        self.sizes: np.ndarray = payload_lengths(cols, self.type_names)
        self.truncated = r.truncated
        self.warning = r.warning

    def __len__(self) -> int:
        return len(self.times)

    def code_for(self, name: str) -> int:
        return self._code_of.get(name, -1)

    def rec(self, i: int) -> Tapped:
        hit = self._cache.get(i)
        if hit is not None:
            self._cache.move_to_end(i)
            return hit
        rec = self.reader[int(i)]
        self._cache[i] = rec
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return rec

    def raw(self, i: int) -> bytes:
        return self.reader.raw(int(i))

    def raw_many(self, events: np.ndarray) -> Iterator[bytes]:
        """The lines of ascending ``events``, read a window at a time (see ``LogReader.raw_many``)."""
        return self.reader.raw_many(events)

    def refresh(self) -> int:
        """Pick up lines appended to a growing file; returns how many new events."""
        before = len(self)
        self.reader.refresh()
        self.refresh_columns()
        return len(self) - before


EventIndex = LiveIndex | ReaderIndex
"""What a view reads events from: a live session's memory or a recorded log."""
