"""Vectorised indexing of event lines: t, direction and type from the fixed envelope, no JSON parse.

The writer puts ``{"t":<num>,"dir":"<dir>","type":"<name>","event":`` at the start of every line.
For a batch of lines we copy the first ``WIN`` bytes of each into a 2-D uint8 array and check the
literals column-wise with numpy; times are parsed by numpy from fixed-width byte strings, and type
names are interned by hashing their bytes. Only lines that do not fit this fast shape (escaped or
very long type names, hand-written JSON with spaces, damage) take a per-line path that parses the
line with orjson; a line that is not an event even then is skipped and counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import orjson
from numpy.lib.stride_tricks import sliding_window_view

from rtinspect.log.format import DIR_CODES

WIN = 128  # bytes of each line examined; covers the envelope of every known event type
NUM_W = 24  # widest time text taken by the fast path
BATCH = 65536  # lines per vectorised batch (WIN * BATCH bytes of scratch)

_PREFIX = np.frombuffer(b'{"t":', np.uint8)
_DIR_LIT = np.frombuffer(b',"dir":"', np.uint8)
_TYPE_LIT = np.frombuffer(b',"type":"', np.uint8)
_EVENT_LIT = np.frombuffer(b'","event":', np.uint8)
_NAMES = [(code, np.frombuffer(name.encode() + b'"', np.uint8)) for name, code in DIR_CODES.items()]
_COMMA, _QUOTE, _BACKSLASH, _BRACE = ord(","), ord('"'), ord("\\"), ord("}")
_HASH_MULT = (np.arange(1, WIN // 8 + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)) | np.uint64(1)


@dataclass
class TypeTable:
    """Type names interned to small integer codes, stable as the index grows."""

    names: list[str] = field(default_factory=list)
    codes: dict[str, int] = field(default_factory=dict)
    by_bytes: dict[bytes, int] = field(default_factory=dict)

    def code(self, name: str) -> int:
        code = self.codes.get(name)
        if code is None:
            if len(self.names) >= 65534:  # uint16 codes: past that, one catch-all name
                name = "(more types)"
                if name in self.codes:
                    return self.codes[name]
            code = self.codes[name] = len(self.names)
            self.names.append(name)
        return code

    def code_of_bytes(self, raw: bytes) -> int:
        code = self.by_bytes.get(raw)
        if code is None:
            code = self.by_bytes[raw] = self.code(raw.decode("utf-8", "replace"))
        return code


@dataclass
class Batch:
    """Index columns of the event lines found in one chunk, plus the count of skipped lines."""

    offsets: np.ndarray
    lengths: np.ndarray
    times: np.ndarray
    dirs: np.ndarray
    types: np.ndarray
    skipped_offsets: list[int]


def _cols(win: np.ndarray, start: np.ndarray, width: int) -> np.ndarray:
    """``win[r, start[r] + k]`` for k < width (clipped to the window)."""
    idx = np.minimum(start[:, None] + np.arange(width), WIN - 1)
    return np.take_along_axis(win, idx, axis=1)


def parse_line(line: bytes) -> tuple[float, int, str] | None:
    """(t, dir code, type) of one line by a full parse; None when it is not an event line."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(obj, dict):
        return None
    t, direction, event = obj.get("t"), obj.get("dir"), obj.get("event")
    if isinstance(t, bool) or not isinstance(t, int | float) or not isinstance(event, dict):
        return None
    code = DIR_CODES.get(direction) if isinstance(direction, str) else None
    if code is None or not math.isfinite(float(t)):
        return None
    type_ = obj.get("type")
    if not isinstance(type_, str):
        type_ = event.get("type") if isinstance(event.get("type"), str) else ""
    return float(t), code, type_


def _fast(win: np.ndarray, lengths: np.ndarray, table: TypeTable) -> tuple[np.ndarray, ...]:
    """Vectorised envelope parse of a batch; returns (ok mask, times, dirs, type codes)."""
    n = len(win)
    rows = np.arange(n)
    ok = (win[:, :5] == _PREFIX).all(axis=1) & (lengths > 40)
    numwin = win[:, 5 : 5 + NUM_W + 1]
    c = np.argmax(numwin == _COMMA, axis=1)  # width of the time text
    ok &= (numwin[rows, c] == _COMMA) & (c > 0)
    c = c + 5
    ok &= (_cols(win, c, 8) == _DIR_LIT).all(axis=1)
    dirs = np.zeros(n, np.uint8)
    after = np.zeros(n, np.int64)
    for code, lit in _NAMES:
        hit = (_cols(win, c + 8, len(lit)) == lit).all(axis=1)
        dirs[hit] = code
        after[hit] = c[hit] + 8 + len(lit)
    ok &= after > 0
    ok &= (_cols(win, after, 9) == _TYPE_LIT).all(axis=1)
    ts = after + 9  # first byte of the type name
    colidx = np.arange(WIN)
    quotes = (win == _QUOTE) & (colidx >= ts[:, None])
    te = np.argmax(quotes, axis=1)
    ok &= quotes[rows, te]
    ok &= ~((win == _BACKSLASH) & (colidx >= ts[:, None]) & (colidx < te[:, None])).any(axis=1)
    ok &= te + len(_EVENT_LIT) <= WIN
    ok &= (_cols(win, te, len(_EVENT_LIT)) == _EVENT_LIT).all(axis=1)

    times = np.zeros(n, np.float64)
    types = np.zeros(n, np.uint16)
    idx = np.flatnonzero(ok)
    if len(idx) == 0:
        return ok, times, dirs, types
    # Times: the digits left-aligned in a fixed-width byte string that numpy converts in C.
    num = np.ascontiguousarray(win[idx, 5 : 5 + NUM_W])
    num[np.arange(NUM_W) >= (c[idx] - 5)[:, None]] = 0
    strs = num.view(f"S{NUM_W}").ravel()
    try:
        times[idx] = strs.astype(np.float64)
    except ValueError:
        for j, s in zip(idx, strs, strict=True):
            try:
                value = float(s)
            except ValueError:
                value = math.nan
            times[j] = value
    finite = np.isfinite(times[idx])
    if not finite.all():
        ok[idx[~finite]] = False
        idx = idx[finite]
    # Type names: the bytes left-aligned and zero-padded, hashed to find the distinct ones.
    tw = WIN - 8
    tb = _cols(win[idx], ts[idx], tw)
    tb[np.arange(tw) >= (te[idx] - ts[idx])[:, None]] = 0
    tb = np.ascontiguousarray(np.pad(tb, ((0, 0), (0, WIN - tw))))
    h = (tb.view(np.uint64) * _HASH_MULT).sum(axis=1, dtype=np.uint64)
    uniq, first, inverse = np.unique(h, return_index=True, return_inverse=True)
    reps = tb.view(f"S{WIN}").ravel()
    if not (reps == reps[first][inverse]).all():  # a hash collision: intern by the bytes instead
        uniq_b, first, inverse = np.unique(reps, return_index=True, return_inverse=True)
    lut = np.array([table.code_of_bytes(bytes(reps[f])) for f in first], np.uint16)
    types[idx] = lut[inverse.ravel()]
    return ok, times, dirs, types


def scan_chunk(data: bytes, base: int, table: TypeTable) -> tuple[Batch, int]:
    """Index the whole lines in ``data`` (the file's bytes from offset ``base``).

    Returns the batch and the number of bytes consumed (through the last newline; 0 when the
    chunk holds no newline).
    """
    buf = np.frombuffer(data, np.uint8)
    nl = np.flatnonzero(buf == 10)
    if len(nl) == 0:
        empty = np.zeros(0, np.int64)
        return Batch(
            empty,
            empty.astype(np.int32),
            empty.astype(np.float64),
            empty.astype(np.uint8),
            empty.astype(np.uint16),
            [],
        ), 0
    consumed = int(nl[-1]) + 1
    starts = np.empty(len(nl), np.int64)
    starts[0] = 0
    starts[1:] = nl[:-1] + 1
    lengths = nl - starts
    keep = lengths > 0  # blank lines are not events and not damage
    starts, lengths = starts[keep], lengths[keep]
    padded = np.zeros(consumed + WIN, np.uint8)
    padded[:consumed] = buf[:consumed]
    windows = sliding_window_view(padded, WIN)
    parts: list[tuple[np.ndarray, ...]] = []
    skipped: list[int] = []
    colidx = np.arange(WIN)
    for lo in range(0, len(starts), BATCH):
        s, ln = starts[lo : lo + BATCH], lengths[lo : lo + BATCH]
        win = windows[s]
        win[colidx >= ln[:, None]] = 0
        ok, times, dirs, types = _fast(win, ln, table)
        ok &= buf[s + ln - 1] == _BRACE
        for j in np.flatnonzero(~ok):  # the per-line path
            line = bytes(buf[s[j] : s[j] + ln[j]])
            parsed = parse_line(line)
            if parsed is None:
                skipped.append(base + int(s[j]))
                continue
            times[j], dirs[j], types[j] = parsed[0], parsed[1], table.code(parsed[2])
            ok[j] = True
        parts.append((s[ok] + base, ln[ok].astype(np.int32), times[ok], dirs[ok], types[ok]))
    if not parts:
        parts.append(
            (
                np.zeros(0, np.int64),
                np.zeros(0, np.int32),
                np.zeros(0),
                np.zeros(0, np.uint8),
                np.zeros(0, np.uint16),
            )
        )
    cols = [np.concatenate(col) for col in zip(*parts, strict=True)]
    return Batch(*cols, skipped_offsets=skipped), consumed
