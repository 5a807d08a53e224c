"""Vectorised indexing of event lines: t, direction and type from the fixed envelope, no JSON parse.

The writer puts ``{"t":<num>,"dir":"<dir>","type":"<name>","event":`` at the start of every line.
For a batch of lines we copy the first ``WIN`` bytes of each into a 2-D uint8 array and check the
literals column-wise with numpy; times in the writer's ``%.6f`` shape are read as integer
microseconds, and type names are interned by hashing their bytes (each distinct one decoded once). Only lines that do not fit this fast shape (escaped or
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

_PREFIX = b'{"t":'
_EVENT = b'","event":'
# ',"dir":"<name>","type":"' per direction code: one literal from the time's comma to the type.
_DIR_TYPE = [(code, b',"dir":"' + name.encode() + b'","type":"') for name, code in DIR_CODES.items()]
_COMMA, _QUOTE, _BRACE = ord(","), ord('"'), ord("}")
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


@dataclass
class Batch:
    """Index columns of the event lines found in one chunk, plus the count of skipped lines."""

    offsets: np.ndarray
    lengths: np.ndarray
    times: np.ndarray
    dirs: np.ndarray
    types: np.ndarray
    skipped_offsets: list[int]


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


def _intern(tb: np.ndarray, table: TypeTable) -> tuple[np.ndarray, np.ndarray]:
    """Type codes of left-aligned, zero-padded type bytes (rows of ``tb``), and a validity mask.

    Distinct names are found by hashing each row's bytes (verified, falling back to a byte sort
    on a collision); each distinct name is JSON-decoded once, which also rejects escapes that do
    not decode, raw control bytes and invalid UTF-8.
    """
    h = (tb.view(np.uint64) * _HASH_MULT[: tb.shape[1] // 8]).sum(axis=1, dtype=np.uint64)
    _, first, inverse = np.unique(h, return_index=True, return_inverse=True)
    reps = tb.view(f"S{tb.shape[1]}").ravel()
    if not (reps == reps[first][inverse.ravel()]).all():  # a hash collision
        _, first, inverse = np.unique(reps, return_index=True, return_inverse=True)
    lut = np.zeros(len(first), np.uint16)
    good = np.ones(len(first), bool)
    for k, f in enumerate(first):
        raw = bytes(reps[f])
        code = table.by_bytes.get(raw)
        if code is None:
            try:
                name = orjson.loads(b'"' + raw + b'"')
            except orjson.JSONDecodeError:
                good[k] = False
                continue
            code = table.by_bytes[raw] = table.code(name)
        lut[k] = code
    inverse = inverse.ravel()
    return lut[inverse], good[inverse]


def _eq(block: np.ndarray, lit: bytes) -> np.ndarray:
    """Rows of ``block`` (n x len(lit) bytes) equal to ``lit``: one fixed-width string compare."""
    return np.ascontiguousarray(block).view(f"S{len(lit)}").ravel() == lit


def _fast(win: np.ndarray, lengths: np.ndarray, table: TypeTable) -> tuple[np.ndarray, ...]:
    """Vectorised envelope parse of a batch; returns (ok mask, times, dirs, type codes).

    Rows are grouped by the width of their time text and their direction: within a group every
    literal sits at the same column, so checks are plain slices compared as fixed-width strings.
    Every check lies before the end of the line (``te + 10 <= length``), so bytes of the next
    line never count.
    """
    n = len(win)
    times = np.zeros(n, np.float64)
    dirs = np.zeros(n, np.uint8)
    types = np.zeros(n, np.uint16)
    ok = np.zeros(n, bool)
    cand = np.flatnonzero(_eq(win[:, :5], _PREFIX))
    numwin = win[cand, 5 : 5 + NUM_W + 1]
    width = np.argmax(numwin == _COMMA, axis=1)
    found = numwin[np.arange(len(cand)), width] == _COMMA
    cand, width = cand[found], width[found]
    ev_len = len(_EVENT)
    for w in np.unique(width):
        if w == 0:
            continue
        rows_w = cand[width == w]
        c = 5 + int(w)
        letter = win[rows_w, c + 8]
        for code, lit in _DIR_TYPE:
            rows = rows_w[letter == lit[8]]
            ts = c + len(lit)  # first byte of the type name
            width_left = WIN - ts
            if not len(rows) or width_left < ev_len + 1:
                continue
            rows = rows[_eq(win[rows, c:ts], lit)]
            if not len(rows):
                continue
            sub = win[rows, ts:]
            te = np.argmax(sub == _QUOTE, axis=1)  # type length (0: none found or empty)
            r = np.arange(len(rows))
            good = (sub[r, te] == _QUOTE) & (te + ts + ev_len <= lengths[rows]) & (te <= width_left - ev_len)
            at = r * width_left + np.minimum(te, width_left - ev_len)
            good &= _eq(sliding_window_view(sub.ravel(), ev_len)[at], _EVENT)
            rows, sub, te = rows[good], sub[good], te[good]
            if not len(rows):
                continue
            tw = -(-width_left // 8) * 8
            tb = np.zeros((len(rows), tw), np.uint8)
            tb[:, :width_left] = sub
            np.multiply(tb, np.arange(tw) < te[:, None], out=tb)  # zero the bytes after the name
            codes, decoded = _intern(tb, table)
            rows = rows[decoded]
            vals = _times(win[rows, 5:c])
            fin = np.isfinite(vals)
            rows = rows[fin]
            times[rows] = vals[fin]
            dirs[rows] = code
            types[rows] = codes[decoded][fin]
            ok[rows] = True
    return ok, times, dirs, types


def _times(text: np.ndarray) -> np.ndarray:
    """Floats from rows of equal-width time text (NaN where it is not a number).

    The writer's ``%.6f`` shape is read as integer microseconds divided by 1e6: both are exact
    doubles and IEEE division rounds correctly, so the result equals ``float(text)``. Anything
    else goes through numpy's own string conversion.
    """
    n, w = text.shape
    vals = np.full(n, np.nan)
    fixed = np.zeros(n, bool)
    if 8 <= w <= 16:
        digits = np.concatenate([text[:, : w - 7], text[:, w - 6 :]], axis=1).astype(np.int64) - 48
        fixed = (text[:, w - 7] == ord(".")) & ((digits >= 0) & (digits <= 9)).all(axis=1)
        fixed &= (text[:, 0] != ord("0")) | (w == 8)  # JSON numbers have no leading zeros
        micro = digits[fixed] @ (10 ** np.arange(w - 2, -1, -1, dtype=np.int64))
        vals[fixed] = micro / 1e6
    rest = np.flatnonzero(~fixed)
    if len(rest):
        num = np.zeros((len(rest), NUM_W), np.uint8)
        num[:, :w] = text[rest]
        strs = num.view(f"S{NUM_W}").ravel()
        try:
            vals[rest] = strs.astype(np.float64)
        except ValueError:
            vals[rest] = [_to_float(x) for x in strs]
    return vals


def _to_float(text: bytes) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def scan_chunk(data: bytes | memoryview, base: int, table: TypeTable) -> tuple[Batch, int]:
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
    windows = sliding_window_view(buf, WIN) if len(buf) >= WIN else None
    # Lines starting in the last WIN bytes read from a small zero-padded copy of the tail.
    tail_base = max(0, len(buf) - WIN)
    tail = np.zeros(2 * WIN, np.uint8)
    tail[: len(buf) - tail_base] = buf[tail_base:]
    tail_windows = sliding_window_view(tail, WIN)
    parts: list[tuple[np.ndarray, ...]] = []
    skipped: list[int] = []
    for lo in range(0, len(starts), BATCH):
        s, ln = starts[lo : lo + BATCH], lengths[lo : lo + BATCH]
        in_tail = s > len(buf) - WIN
        if windows is None or in_tail.all():
            win = tail_windows[s - tail_base]
        elif not in_tail.any():
            win = windows[s]
        else:
            win = np.empty((len(s), WIN), np.uint8)
            win[~in_tail] = windows[s[~in_tail]]
            win[in_tail] = tail_windows[s[in_tail] - tail_base]
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
