"""Indexed, read-only access to a recorded log, from a few KB to many GB.

Opening builds an index of numpy columns (offset, length, t, dir code, type code, and the audio
payload's size, span and first characters: 40 bytes per
event) from the fixed envelope of each line, without parsing events (see ``scan.py``). An event
is parsed only when asked for (``reader[i]``, ``iter_records``) with ``os.pread``, so reads are
thread-safe and the index can keep growing (``index_more``, ``refresh``) while views read it.

Big files: ``LogReader.open(path)`` indexes the whole file before returning (1–1.5 s per GB on
a busy 2-core machine, see bench/README.md). ``LogReader.open(path, lazy=True)`` indexes only the first ``FIRST_BYTES``
and returns at once; the caller (e.g. a TUI worker thread) then calls ``index_more()`` until
``complete``, showing ``progress``. ``refresh()`` picks up lines appended to a live file.
"""

from __future__ import annotations

import mmap
import operator
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from rtinspect.log.format import FdOwner, LogFormatError, open_log_fd, read_header
from rtinspect.log.query import Queries
from rtinspect.log.scan import COLUMNS, DTYPES, Batch, TypeTable, scan_chunk
from rtinspect.protocol.audio import AUDIO_FIELDS
from rtinspect.shown import EVENT_DEPTH, within_event_depth
from rtinspect.tap import DIRECTIONS, AudioRun, Tapped

CHUNK_BYTES = 16 << 20
FIRST_BYTES = 4 << 20
CACHE_SIZE = 512
READ_SPAN = 4 << 20  # bytes per pread when streaming records
_CUT = b"\\u0000"
FOLD_SPAN = 16 << 20  # bytes mapped at a time by iter_fold (most of them never touched)
MMAP_MIN = 1 << 20  # smaller index steps read with pread
READ_DEPTH = EVENT_DEPTH  # levels of nesting an event keeps when read (rtinspect.shown says why)


def _within_depth(event: dict[str, Any], line: bytes | memoryview) -> dict[str, Any]:
    """``event``, capped to ``READ_DEPTH`` levels when the line holds enough brackets to nest that
    deep (counted in C: most lines have a handful, and their events are not walked at all)."""
    if isinstance(line, bytes) and line.count(b"{") + line.count(b"[") <= READ_DEPTH:
        return event
    return within_event_depth(event)


class _Span:
    """``length`` bytes of the file from ``offset`` as a sliceable object: a map of
    the range when it is big (the bytes of bare audio lines are then never touched), else one
    pread (a small read costs less than a map)."""

    def __init__(self, fd: int, offset: int, length: int) -> None:
        self._mm: mmap.mmap | None = None
        if length >= MMAP_MIN:
            aligned = offset - offset % mmap.ALLOCATIONGRANULARITY
            self._mm = mmap.mmap(fd, length + offset - aligned, access=mmap.ACCESS_READ, offset=aligned)
            self.shift = offset - aligned
            self.data: Any = self._mm
        else:
            self.shift = 0
            self.data = os.pread(fd, length, offset)

    def __enter__(self) -> _ShiftedView:
        return _ShiftedView(self.data, self.shift)

    def __exit__(self, *exc: object) -> None:
        if self._mm is not None:
            self._mm.close()


class _ShiftedView:
    """Slicing of a buffer whose position 0 is ``shift`` bytes in."""

    __slots__ = ("_data", "_shift")

    def __init__(self, data: Any, shift: int) -> None:
        self._data, self._shift = data, shift

    def __getitem__(self, s: slice) -> bytes:
        sh = self._shift
        return self._data[s.start + sh : s.stop + sh]

    @property
    def raw(self) -> tuple[Any, int]:
        """The underlying buffer and the shift to add to positions before slicing it."""
        return self._data, self._shift


class LogReader(Queries, FdOwner):
    """A recorded session: ``len(reader)`` events, ``reader[i] -> Tapped``, numpy index columns."""

    def __init__(self, path: Path, fd: int, header: dict[str, Any], data_start: int) -> None:
        self.path = path
        self.header = header
        self.skipped = 0
        self._fd: int | None = fd
        self._data_start = data_start
        self._pos = data_start  # next byte to index (always just after a newline)
        self._size = os.fstat(fd).st_size
        self._partial_size = -1  # file size at which only a partial line was left to index
        self._first_skip: int | None = None
        self._damaged: set[int] = set()
        self._table = TypeTable()
        self._lock = threading.Lock()  # publishes index growth
        self._index_lock = threading.Lock()  # one indexer at a time
        self._n = 0
        self._cols = self._alloc(1024)
        self._cache: OrderedDict[int, Tapped] = OrderedDict()  # small LRU of parsed events

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, path: str | os.PathLike[str], *, lazy: bool = False) -> LogReader:
        """Open and index ``path``; with ``lazy`` only its first few MB (call ``index_more``)."""
        p = Path(path)
        fd = open_log_fd(p)
        try:
            header, start = read_header(fd, p)
        except BaseException:
            os.close(fd)
            raise
        reader = cls(p, fd, header, start)  # owns fd from here on
        try:
            reader.index_more(FIRST_BYTES if lazy else None)
        except BaseException:
            reader.close()
            raise
        return reader

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    @property
    def fd(self) -> int:
        if self._fd is None:
            raise ValueError(f"log reader for {self.path} is closed")
        return self._fd

    # ------------------------------------------------------------------ indexing
    @staticmethod
    def _alloc(cap: int) -> dict[str, np.ndarray]:
        return {name: np.empty(cap, DTYPES[name]) for name in COLUMNS}

    def _append(self, batch: Batch) -> None:
        k = len(batch.offsets)
        n = self._n
        cap = len(self._cols["offsets"])
        if n + k > cap:
            # Reserve for the rest of the file at the density seen so far, to avoid re-copies.
            seen = max(1, self._pos - self._data_start)
            guess = int((n + k) * max(1.0, self._size / seen) * 1.05) + 1024
            new = self._alloc(max(n + k, guess, 2 * cap if guess <= cap else 0))
            for name, col in self._cols.items():
                new[name][:n] = col[:n]
        else:
            new = self._cols
        for name in new:
            new[name][n : n + k] = getattr(batch, name)
        with self._lock:
            self._cols = new
            self._n = n + k
        if batch.skipped_offsets:
            self.skipped += len(batch.skipped_offsets)
            if self._first_skip is None:
                self._first_skip = batch.skipped_offsets[0]

    def index_more(self, max_bytes: int | None = None) -> bool:
        """Index up to ``max_bytes`` more of the file (all of it when None); True once complete."""
        with self._index_lock:
            self._size = size = os.fstat(self.fd).st_size
            if size < self._pos:
                raise LogFormatError(f"{self.path} was truncated or replaced while open; open it again")
            budget = size if max_bytes is None else max_bytes
            while self._pos < size and budget > 0:
                want = min(CHUNK_BYTES, size - self._pos)
                while True:
                    batch, consumed = self._scan(want)
                    if consumed or self._pos + want >= size:
                        break
                    want = min(2 * want, size - self._pos)  # one line longer than a chunk
                if not consumed:
                    self._partial_size = size  # only a partial last line remains
                    break
                self._pos += consumed
                budget -= consumed
                self._append(batch)
            return self.complete

    def _scan(self, want: int) -> tuple[Batch, int]:
        """Index ``want`` bytes from ``_pos`` through a map of just that range.

        mmap, not pread, for big steps: numpy scans the page cache in place, without a copy of
        every byte; one chunk mapped at a time keeps the resident size at a chunk, not the file.
        """
        if want < MMAP_MIN:
            # Small steps (tailing a live log) use pread: a file truncated under an mmap would
            # raise SIGBUS, while pread just returns fewer bytes.
            return scan_chunk(os.pread(self.fd, want, self._pos), self._pos, self._table)
        aligned = self._pos - self._pos % mmap.ALLOCATIONGRANULARITY
        mm = mmap.mmap(self.fd, want + self._pos - aligned, access=mmap.ACCESS_READ, offset=aligned)
        view = memoryview(mm)
        shift = self._pos - aligned
        chunk = view[shift:]

        def find(sub: bytes, start: int, end: int) -> int:
            i = mm.find(sub, start + shift, end + shift)
            return i - shift if i >= 0 else -1

        try:
            return scan_chunk(chunk, self._pos, self._table, find)
        finally:
            try:
                chunk.release()
                view.release()
                mm.close()
            except BufferError:  # a view still alive (an exception's traceback); the collector closes it
                pass

    def refresh(self) -> int:
        """Index the lines appended since the last look (tailing a live log); the count of new events."""
        before = self._n
        self.index_more()
        return self._n - before

    @property
    def complete(self) -> bool:
        """Everything up to the last newline of the file (as last seen) is indexed."""
        return self._pos >= self._size or self._partial_size == self._size

    @property
    def progress(self) -> float:
        """Fraction of the file indexed, for a progress bar."""
        total = self._size - self._data_start
        return 1.0 if total <= 0 else min(1.0, (self._pos - self._data_start) / total)

    @property
    def truncated(self) -> bool:
        """The file ends in a partial line (a writer killed mid-event, or one still writing)."""
        return self.complete and self._pos < self._size

    @property
    def warning(self) -> str | None:
        parts = []
        if self.truncated:
            parts.append(
                f"last line is incomplete (the writer stopped mid-event); {self._n} whole events read"
            )
        if self.skipped:
            parts.append(f"{self.skipped} malformed line(s) skipped (first at byte {self._first_skip})")
        if self._damaged:
            parts.append(
                f"{len(self._damaged)} event(s) with damaged JSON (first: event {min(self._damaged)})"
            )
        return "; ".join(parts) or None

    # ------------------------------------------------------------------ columns
    def __len__(self) -> int:
        return self._n

    def _col(self, name: str) -> np.ndarray:
        with self._lock:
            return self._cols[name][: self._n]

    def columns(self) -> dict[str, np.ndarray]:
        """All index columns cut at one length (offsets, lengths, times, dirs, types), even while
        another thread indexes: reading the properties one by one may see different lengths."""
        with self._lock:
            return {name: col[: self._n] for name, col in self._cols.items()}

    @property
    def offsets(self) -> np.ndarray:
        return self._col("offsets")

    @property
    def lengths(self) -> np.ndarray:
        return self._col("lengths")

    @property
    def times(self) -> np.ndarray:
        return self._col("times")

    @property
    def dirs(self) -> np.ndarray:
        """Direction codes: index into ``rtinspect.tap.DIRECTIONS`` (client=0, server=1, meta=2)."""
        return self._col("dirs")

    @property
    def type_codes(self) -> np.ndarray:
        return self._col("types")

    @property
    def type_names(self) -> list[str]:
        """Name of each type code (grows as the index grows; codes never change)."""
        return self._table.names

    def type_name(self, i: int) -> str:
        return self._table.names[int(self.type_codes[i])]

    # ------------------------------------------------------------------ events
    def _bounds(self, i: int) -> tuple[int, int]:
        i = operator.index(i)
        n = self._n
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"event {i} out of range (log has {n})")
        with self._lock:
            return int(self._cols["offsets"][i]), int(self._cols["lengths"][i])

    def raw(self, i: int) -> bytes:
        """The line of event ``i`` as written (without its newline)."""
        offset, length = self._bounds(i)
        return os.pread(self.fd, length, offset)

    def raw_many(self, events: np.ndarray, window: int = 1 << 20) -> Iterator[bytes]:
        """The lines of ``events`` (ascending), one read per ~``window`` bytes of the file instead
        of one per event: a filter over 1M events made ~440k reads, each releasing and re-taking
        the GIL, which a UI thread turned into a queue (7x slower in a worker than alone)."""
        n = self._n
        if len(events) and not (int(events[0]) >= 0 and int(events[-1]) < n):
            raise IndexError(f"events out of range (log has {n})")
        with self._lock:
            offs = self._cols["offsets"][events].tolist()
            lens = self._cols["lengths"][events].tolist()
        k, total = 0, len(offs)
        while k < total:
            base, j = offs[k], k + 1
            while j < total and offs[j] + lens[j] - base <= window:
                j += 1
            end = offs[j - 1] + lens[j - 1]
            blob = os.pread(self.fd, end - base, base)
            for m in range(k, j):
                yield blob[offs[m] - base : offs[m] - base + lens[m]]
            k = j

    def __getitem__(self, i: int) -> Tapped:
        """Event ``i``, parsed now (small LRU cache). Treat the event dict as read-only."""
        i = operator.index(i)
        n = self._n
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"event {i} out of range (log has {n})")
        with self._lock:
            rec = self._cache.get(i)
            if rec is not None:
                self._cache.move_to_end(i)
                return rec
        rec = self._parse(i)
        with self._lock:
            self._cache[i] = rec
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return rec

    def _parse(self, i: int) -> Tapped:
        offset, length = self._bounds(i)
        rec = self._record(os.pread(self.fd, length, offset), i)
        if rec is None:
            raise LogFormatError(f"{self.path}: event {i} (byte {offset}) is damaged: not a valid JSON event")
        return rec

    def _record(self, line: bytes | memoryview, i: int) -> Tapped | None:
        try:
            obj = orjson.loads(line)
            event = obj["event"]
            if not isinstance(event, dict):
                raise TypeError
        except (orjson.JSONDecodeError, KeyError, TypeError):
            self._damaged.add(i)
            return None
        with self._lock:
            t, d = float(self._cols["times"][i]), int(self._cols["dirs"][i])
        return Tapped(t, DIRECTIONS[d], _within_depth(event, line))

    def iter_records(
        self, start: int = 0, stop: int | None = None, *, skip_damaged: bool = True
    ) -> Iterator[Tapped]:
        """Events ``start..stop`` in order, read in large blocks and parsed one by one (not held).

        A line whose JSON is damaged is skipped and noted in ``warning`` (or raises
        ``LogFormatError`` with ``skip_damaged=False``).
        """
        n = self._n if stop is None else min(stop, self._n)
        i = max(0, start)
        loads, names = orjson.loads, DIRECTIONS
        while i < n:
            with self._lock:
                cols = self._cols
            offs = cols["offsets"][i:n]
            base = int(offs[0])
            j = max(1, int(np.searchsorted(offs, base + READ_SPAN, side="right")))
            offs = offs[:j]
            lens = cols["lengths"][i : i + j]
            ends = offs + lens
            data = os.pread(self.fd, int(ends[-1]) - base, base)
            lines: list[bytes] | list[memoryview] = []
            if (offs[1:] == ends[:-1] + 1).all():
                lines = data.split(b"\n")  # back-to-back lines: one split in C
            if len(lines) != j:  # skipped or blank lines in between: cut each event out by offsets
                view = memoryview(data)
                lines = [
                    view[a:b] for a, b in zip((offs - base).tolist(), (ends - base).tolist(), strict=True)
                ]
            times = cols["times"][i : i + j].tolist()
            dirs = cols["dirs"][i : i + j].tolist()
            for k, (line, t, d) in enumerate(zip(lines, times, dirs, strict=True)):
                try:
                    event = loads(line)["event"]
                    if type(event) is not dict:
                        raise TypeError
                except (orjson.JSONDecodeError, KeyError, TypeError):
                    self._damaged.add(i + k)
                    if not skip_damaged:
                        raise LogFormatError(
                            f"{self.path}: event {i + k} is damaged: not a valid JSON event"
                        ) from None
                    continue
                yield Tapped(t, names[d], _within_depth(event, line))
            i += j

    def __iter__(self) -> Iterator[Tapped]:
        return self.iter_records()

    # ------------------------------------------------------------------ folding
    def iter_fold(self, start: int = 0, stop: int | None = None) -> Iterator[Tapped | AudioRun]:
        """Events ``start..stop`` for a fold: ``Tapped`` records, and ``AudioRun``s for the audio.

        Audio events measured by the index (``audio_bytes >= 0``) come in runs of one type and
        direction without their payloads: a bare append (nothing but its payload) is not read
        at all; any other measured audio line is parsed with its payload cut out, which checks
        that everything around the payload is well-formed JSON and that the payload is the
        event's own field. A line that fails that check, and every other event, is parsed whole
        (damaged ones are skipped and noted in ``warning``, as ``iter_records`` does).
        """
        n = self._n if stop is None else min(stop, self._n)
        i = max(0, start)
        names, fields, loads = self._table.names, AUDIO_FIELDS, orjson.loads
        while i < n:
            with self._lock:
                cols = self._cols
            base = int(cols["offsets"][i])
            j = max(1, int(np.searchsorted(cols["offsets"][i:n], base + FOLD_SPAN, side="right")))
            end = int(cols["offsets"][i + j - 1]) + int(cols["lengths"][i + j - 1])
            block = slice(i, i + j)
            sizes_a = cols["audio_bytes"][block]
            # one key per event: type and direction of a measured audio event, -1 for any other;
            # a segment is a stretch of one key (audio runs, or single other events)
            keys_a = np.where(
                sizes_a >= 0, cols["types"][block].astype(np.int64) * 4 + cols["dirs"][block], -1
            )
            cut = np.flatnonzero((keys_a[1:] != keys_a[:-1]) | (keys_a[1:] < 0)) + 1
            bounds = [0, *cut.tolist(), j]
            keys = keys_a[np.array(bounds[:-1], np.int64)].tolist()
            bare_a = cols["bare"][block]
            # segments whose events are all bare (nothing but the payload): no event needs a look
            all_bare = (np.add.reduceat(bare_a.astype(np.int64), bounds[:-1]) == np.diff(bounds)).tolist()
            offs = (cols["offsets"][block] - base).tolist()
            lens = cols["lengths"][block].tolist()
            times = cols["times"][block].tolist()
            dirs = cols["dirs"][block].tolist()
            types = cols["types"][block].tolist()
            sizes = sizes_a.tolist()
            poffs = cols["audio_off"][block].tolist()
            pends = cols["audio_end"][block].tolist()
            bare = bare_a.tolist()
            heads = cols["audio_head"][block]  # measured by the index: bare lines stay untouched
            with _Span(self.fd, base, end - base) as view:
                data, sh = view.raw  # sliced directly below: a slice per line is the hot path
                for s_k, key in enumerate(keys):
                    a, b = bounds[s_k], bounds[s_k + 1]
                    if key >= 0 and all_bare[s_k]:  # most of a log: a run of bare appends, nothing read
                        name = names[types[a]]
                        yield self._run(
                            a, b, i, [{"type": name}] * (b - a), name, dirs[a], times, sizes, heads
                        )
                        continue
                    run_first, events = a, []
                    for k in range(a, b):
                        o, ln = offs[k] + sh, lens[k]
                        if key >= 0:  # a measured audio event
                            if bare[k]:
                                events.append({"type": names[types[k]]})
                                continue
                            name = names[types[k]]
                            field = fields[name]
                            ps, pe = o + poffs[k], o + pends[k]
                            try:
                                # the payload replaced by "\u0000": the line has no backslash, so no
                                # other string can read as that; finding it proves whose payload it was
                                event = loads(data[o:ps] + _CUT + data[pe : o + ln])["event"]
                                if (
                                    type(event) is not dict
                                    or event.get(field) != "\x00"
                                    or event.get("type") != name
                                ):
                                    raise TypeError
                            except (orjson.JSONDecodeError, KeyError, TypeError):
                                event = None  # not what the index took it for: read it whole below
                            if event is not None:
                                del event[field]
                                events.append(event)
                                continue
                            if events:
                                yield self._run(
                                    run_first,
                                    k,
                                    i,
                                    events,
                                    names[types[run_first]],
                                    dirs[a],
                                    times,
                                    sizes,
                                    heads,
                                )
                                events = []
                            run_first = k + 1
                        line = data[o : o + ln]
                        try:
                            event = loads(line)["event"]
                            if type(event) is not dict:
                                raise TypeError
                        except (orjson.JSONDecodeError, KeyError, TypeError):
                            self._damaged.add(i + k)
                            continue
                        yield Tapped(times[k], DIRECTIONS[dirs[k]], _within_depth(event, line))
                    if events:
                        yield self._run(
                            run_first, b, i, events, names[types[run_first]], dirs[a], times, sizes, heads
                        )
            i += j

    def _run(
        self,
        a: int,
        b: int,
        block: int,
        events: list[dict[str, Any]],
        name: str,
        d: int,
        times: list[float],
        sizes: list[int],
        heads: np.ndarray,
    ) -> AudioRun:
        """Events ``a..b`` of the block starting at event ``block``, as one run."""
        return AudioRun(
            name,
            DIRECTIONS[d],
            block + a,
            times[a:b],
            sizes[a:b],
            events,
            AUDIO_FIELDS[name],
            _Payloads(self, block + a, block + b),
            heads[a:b],
        )


class _Payloads:
    """``payload(k)`` of a run of events ``first..stop``: the base64 text of event ``first + k``,
    read from the log when called. Pickles as the file spans of its payloads (``_FilePayloads``), so
    a rule that keeps ``partial(run.payload, k)`` can be checkpointed (the TUI pickles folds)."""

    __slots__ = ("_first", "_reader", "_stop")

    def __init__(self, reader: LogReader, first: int, stop: int) -> None:
        self._reader, self._first, self._stop = reader, first, stop

    def __call__(self, k: int) -> str:
        reader, i = self._reader, self._first + k
        line = reader.raw(i)
        with reader._lock:
            ps, pe = int(reader._cols["audio_off"][i]), int(reader._cols["audio_end"][i])
        return line[ps:pe].decode("ascii")

    def __reduce__(self) -> tuple[Any, ...]:
        cols, run = self._reader.columns(), slice(self._first, self._stop)
        lines = cols["offsets"][run]
        starts = (lines + cols["audio_off"][run]).tolist()
        ends = (lines + cols["audio_end"][run]).tolist()
        return (_FilePayloads, (str(self._reader.path), starts, ends))


class _FilePayloads:
    """A run's payloads by their byte spans in a log file (what a pickled ``_Payloads`` becomes)."""

    __slots__ = ("_ends", "_path", "_starts")

    def __init__(self, path: str, starts: list[int], ends: list[int]) -> None:
        self._path, self._starts, self._ends = path, starts, ends

    def __call__(self, k: int) -> str:
        with open(self._path, "rb") as f:
            f.seek(self._starts[k])
            return f.read(self._ends[k] - self._starts[k]).decode("ascii")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_FilePayloads, (self._path, self._starts, self._ends))
