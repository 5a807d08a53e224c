"""Vectorised indexing of event lines: t, direction and type from the fixed envelope, no JSON parse.

The writer puts ``{"t":<num>,"dir":"<dir>","type":"<name>","event":`` at the start of every line.
For a batch of lines we copy the first ``WIN`` bytes of each into a 2-D uint8 array and check the
literals column-wise with numpy; times in the writer's ``%.6f`` shape are read as integer
microseconds, and type names are interned by hashing their bytes (each distinct one decoded once). Only lines that do not fit this fast shape (escaped or
very long type names, hand-written JSON with spaces, damage) take a per-line path that parses the
line with orjson; a line that is not an event even then is skipped and counted.

Audio events (most of a real log) are measured from their byte span too: the base64 payload
holds only ASCII characters from ``+`` up, no quote, backslash or control character, so its
closing quote is the first "special" byte after its key, and its decoded size follows from its
length and padding (``measure_audio``). The same pass that finds the newlines finds those bytes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import orjson
from numpy.lib.stride_tricks import sliding_window_view

from rtinspect.log.format import DIR_CODES
from rtinspect.protocol.audio import AUDIO_FIELDS, b64_size

WIN = 128  # bytes of each line examined; covers the envelope of every known event type
NUM_W = 24  # widest time text taken by the fast path
BATCH = 65536  # lines per vectorised batch (WIN * BATCH bytes of scratch)

_PREFIX = b'{"t":'
_EVENT = b'","event":'
# ',"dir":"<name>","type":"' per direction code: one literal from the time's comma to the type.
_DIR_TYPE = [(code, b',"dir":"' + name.encode() + b'","type":"') for name, code in DIR_CODES.items()]
_COMMA, _QUOTE, _BRACE, _EQUALS, _PLUS = ord(","), ord('"'), ord("}"), ord("="), ord("+")
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
    """Index columns of the event lines found in one chunk, plus the count of skipped lines.

    ``audio_bytes``: decoded size of an audio event's payload, -1 when the line is not an audio
    event measured from its bytes (its event must be parsed); ``audio_off``/``audio_end``: where
    the payload's first character and its closing quote sit in the line (0 when not measured);
    ``bare``: the event is exactly
    ``{"type": <type>, <audio field>: <payload>}``, so nothing but the payload is in it;
    ``audio_head``: the payload's first 4 characters (b"" when not measured), taken by the scan that
    reads every byte anyway, so a file-header check never touches a bare line again.
    """

    offsets: np.ndarray
    lengths: np.ndarray
    times: np.ndarray
    dirs: np.ndarray
    types: np.ndarray
    audio_bytes: np.ndarray
    audio_off: np.ndarray
    audio_end: np.ndarray
    bare: np.ndarray
    audio_head: np.ndarray
    skipped_offsets: list[int]


COLUMNS = (
    "offsets",
    "lengths",
    "times",
    "dirs",
    "types",
    "audio_bytes",
    "audio_off",
    "audio_end",
    "bare",
    "audio_head",
)
DTYPES = {
    "offsets": np.int64,
    "lengths": np.int32,
    "times": np.float64,
    "dirs": np.uint8,
    "types": np.uint16,
    "audio_bytes": np.int32,
    "audio_off": np.int32,
    "audio_end": np.int32,
    "bare": np.bool_,
    "audio_head": np.dtype("S4"),
}


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
    """Vectorised envelope parse of a batch; returns (ok mask, times, dirs, type codes, event
    starts: the offset of the event's ``{`` in its line).

    Rows are grouped by the width of their time text and their direction: within a group every
    literal sits at the same column, so checks are plain slices compared as fixed-width strings.
    Every check lies before the end of the line (``te + 10 <= length``), so bytes of the next
    line never count.
    """
    n = len(win)
    times = np.zeros(n, np.float64)
    dirs = np.zeros(n, np.uint8)
    types = np.zeros(n, np.uint16)
    evs = np.zeros(n, np.int64)
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
            rows, te = rows[decoded], te[decoded]
            vals = _times(win[rows, 5:c])
            fin = np.isfinite(vals)
            rows = rows[fin]
            times[rows] = vals[fin]
            dirs[rows] = code
            types[rows] = codes[decoded][fin]
            evs[rows] = ts + te[fin] + ev_len
            ok[rows] = True
    return ok, times, dirs, types, evs


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


Finder = Callable[[bytes, int, int], int]


def _find_all(find: Finder, byte: bytes, end: int) -> np.ndarray:
    """Positions of ``byte`` before ``end`` by memchr (rare bytes: one C scan, a few Python steps)."""
    out: list[int] = []
    i = find(byte, 0, end)
    while i >= 0:
        out.append(i)
        i = find(byte, i + 1, end)
    return np.array(out, np.int64)


TAIL_SPECIALS = 24  # quotes looked at after an audio payload (a GA delta has 4: its obfuscation)


def measure_audio(
    buf: np.ndarray,
    specials: np.ndarray,
    line_end: np.ndarray,
    backslashes: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    types: np.ndarray,
    evs: np.ndarray,
    table: TypeTable,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(decoded payload bytes or -1, payload start and closing quote in the line, bare shape,
    the payload's first 4 characters) of each event line.

    ``specials``: sorted positions in ``buf`` of every byte below ``+`` or above 0x7F (newlines,
    quotes, controls, spaces, non-ASCII), ``line_end[k]`` the index in it of line k's newline;
    ``evs``: where each line's event starts (0: unknown); ``backslashes``: every backslash.
    A base64 payload holds none of those bytes, so it is the gap between two consecutive
    specials: the payload is taken as the LAST string in the line that follows the audio key
    (``"audio":"``, ``"delta":"``), looking back over the few quotes of the fields after it. Lines
    with a backslash anywhere, a key that is not found, or a payload not closed by ``"`` + ``,``
    or ``}`` stay -1 and are parsed. A ``bare`` line is exactly the envelope and
    ``{"type":<type>,<key>:<payload>}``: every byte of it is checked here. Any other measured
    line has fields beside the payload; who reads those parses them (without the payload), which
    also checks that the key is a top-level one.
    """
    n = len(starts)
    nbytes = np.full(n, -1, np.int32)
    offs = np.zeros(n, np.int32)
    close = np.zeros(n, np.int32)
    bare = np.zeros(n, bool)
    heads = np.zeros(n, "S4")
    fields = {table.codes[name]: f for name, f in AUDIO_FIELDS.items() if name in table.codes}
    if not fields or not n:
        return nbytes, offs, close, bare, heads
    audio = np.flatnonzero(np.isin(types, np.array(list(fields), np.uint16)) & (evs > 0))
    if not len(audio):
        return nbytes, offs, close, bare, heads
    ends = starts + lengths
    clean = np.searchsorted(backslashes, starts[audio]) == np.searchsorted(backslashes, ends[audio])
    audio = audio[clean]
    for code, field_name in fields.items():
        rows = audio[types[audio] == code]
        if not len(rows):
            continue
        key = b'"' + field_name.encode() + b'":"'
        ev_start = starts[rows] + evs[rows]
        last = line_end[rows]
        found = np.zeros(len(rows), bool)
        ps = np.zeros(len(rows), np.int64)
        pe = np.zeros(len(rows), np.int64)
        for j in range(1, TAIL_SPECIALS + 1):  # nearest the end first: the last payload key wins
            todo = np.flatnonzero(~found & (last - j - 1 >= 0))
            if not len(todo):
                break
            closing = specials[last[todo] - j]
            opening = specials[last[todo] - j - 1]
            k0 = opening - (len(key) - 1)
            hit = (k0 >= ev_start[todo]) & (buf[closing] == _QUOTE) & (buf[opening] == _QUOTE)
            todo, closing, opening, k0 = todo[hit], closing[hit], opening[hit], k0[hit]
            if not len(todo):
                continue
            hit = _eq(sliding_window_view(buf, len(key))[k0], key)
            after = buf[np.minimum(closing[hit] + 1, len(buf) - 1)]
            good = np.flatnonzero(hit)[(after == _COMMA) | (after == _BRACE)]
            found[todo[good]] = True
            ps[todo[good]] = opening[good] + 1
            pe[todo[good]] = closing[good]
        rows, ps, pe, ev_start = rows[found], ps[found], pe[found], ev_start[found]
        chars = pe - ps
        pad = (chars >= 1) & (buf[np.maximum(pe - 1, 0)] == _EQUALS)
        pad = pad.astype(np.int64) + (pad & (chars >= 2) & (buf[np.maximum(pe - 2, 0)] == _EQUALS))
        nbytes[rows] = b64_size(chars, pad)
        offs[rows] = ps - starts[rows]
        close[rows] = pe - starts[rows]
        at = np.minimum(ps[:, None] + np.arange(4), len(buf) - 1)
        head = buf[at] * (np.arange(4) < np.minimum(chars, 4)[:, None])
        heads[rows] = np.ascontiguousarray(head, np.uint8).view("S4").ravel()
        lead = b'{"type":"' + table.names[code].encode() + b'",' + key
        shaped = np.flatnonzero((ev_start + len(lead) == ps) & (pe + 3 == ends[rows]))
        if len(shaped):
            shaped = shaped[_eq(sliding_window_view(buf, len(lead))[ev_start[shaped]], lead)]
            shaped = shaped[_eq(sliding_window_view(buf, 3)[pe[shaped]], b'"}}')]
            bare[rows[shaped]] = True
    return nbytes, offs, close, bare, heads


def scan_chunk(
    data: bytes | memoryview, base: int, table: TypeTable, find: Finder | None = None
) -> tuple[Batch, int]:
    """Index the whole lines in ``data`` (the file's bytes from offset ``base``).

    Returns the batch and the number of bytes consumed (through the last newline; 0 when the
    chunk holds no newline). ``find(sub, start, end)`` searches ``data`` (a memoryview has no
    ``find``: pass the mapped file's, shifted); bytes are searched directly.
    """
    buf = np.frombuffer(data, np.uint8)
    # One pass finds the newlines and the bytes that can end a base64 payload (int8: bytes
    # above 0x7F are negative, so "below '+'" also takes every non-ASCII byte).
    specials = np.flatnonzero(buf.view(np.int8) < _PLUS)
    nl_at = np.flatnonzero(buf[specials] == 10)  # index in specials of each newline
    nl = specials[nl_at]
    if len(nl) == 0:
        return _empty_batch(), 0
    consumed = int(nl[-1]) + 1
    starts = np.empty(len(nl), np.int64)
    starts[0] = 0
    starts[1:] = nl[:-1] + 1
    lengths = nl - starts
    keep = lengths > 0  # blank lines are not events and not damage
    starts, lengths, nl_at = starts[keep], lengths[keep], nl_at[keep]
    windows = sliding_window_view(buf, WIN) if len(buf) >= WIN else None
    # Lines starting in the last WIN bytes read from a small zero-padded copy of the tail.
    tail_base = max(0, len(buf) - WIN)
    tail = np.zeros(2 * WIN, np.uint8)
    tail[: len(buf) - tail_base] = buf[tail_base:]
    tail_windows = sliding_window_view(tail, WIN)
    parts: list[tuple[np.ndarray, ...]] = []
    skipped: list[int] = []
    for lo in range(0, len(starts), BATCH):
        s, ln, at = starts[lo : lo + BATCH], lengths[lo : lo + BATCH], nl_at[lo : lo + BATCH]
        in_tail = s > len(buf) - WIN
        if windows is None or in_tail.all():
            win = tail_windows[s - tail_base]
        elif not in_tail.any():
            win = windows[s]
        else:
            win = np.empty((len(s), WIN), np.uint8)
            win[~in_tail] = windows[s[~in_tail]]
            win[in_tail] = tail_windows[s[in_tail] - tail_base]
        ok, times, dirs, types, evs = _fast(win, ln, table)
        ok &= buf[s + ln - 1] == _BRACE
        for j in np.flatnonzero(~ok):  # the per-line path
            line = bytes(buf[s[j] : s[j] + ln[j]])
            parsed = parse_line(line)
            if parsed is None:
                skipped.append(base + int(s[j]))
                continue
            times[j], dirs[j], types[j] = parsed[0], parsed[1], table.code(parsed[2])
            evs[j] = 0  # not measured from its bytes
            ok[j] = True
        parts.append((s[ok], ln[ok].astype(np.int32), times[ok], dirs[ok], types[ok], evs[ok], at[ok]))
    if not parts:
        return _empty_batch(skipped), consumed
    s, ln, times, dirs, types, evs, at = (np.concatenate(col) for col in zip(*parts, strict=True))
    if find is None:
        find = data.find if isinstance(data, bytes) else bytes(data).find
    backslashes = _find_all(find, b"\\", consumed)
    audio, offs, ends, bare, heads = measure_audio(buf, specials, at, backslashes, s, ln, types, evs, table)
    return Batch(s + base, ln, times, dirs, types, audio, offs, ends, bare, heads, skipped), consumed


def _empty_batch(skipped: list[int] | None = None) -> Batch:
    cols = [np.zeros(0, DTYPES[name]) for name in COLUMNS]
    return Batch(*cols, skipped_offsets=skipped or [])
