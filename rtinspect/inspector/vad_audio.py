"""The input audio of a VAD speech window: which appends it spans, their levels, their samples.

No Textual here. A window's ``audio_start_ms``/``audio_end_ms`` are milliseconds of the input
audio the client appended in the session (what the Buffer panel's timeline draws); the fold's
``BufferState.append_cum_ms``/``append_pos`` map them to append events. The samples are read by
offset from the log, one append at a time (``LogReader``'s payload span of the line, never the
parsed event), so memory stays bounded by one append for the levels and by ``MAX_PLAY_MS`` for
playback. The levels are ``rtinspect.audio.levels``' (the one definition of loudness).
"""

from __future__ import annotations

import base64
import binascii
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from rtinspect.audio.levels import SILENT_DBFS, levels
from rtinspect.inspector.index import ReaderIndex
from rtinspect.inspector.model import SessionModel
from rtinspect.protocol.audio import AudioFormat
from rtinspect.session.model import BufferState, SpeechWindow

MAX_PLAY_MS = 120_000  # a window longer than two minutes plays its first two minutes
BLOCKS = " ▁▂▃▄▅▆▇█"
FLOOR_DBFS = -70.0


@dataclass(frozen=True, slots=True)
class WindowAudio:
    """The appends of one speech window and the format they were appended under."""

    positions: list[int]  # event indices of the appends
    format: AudioFormat
    start_ms: float
    end_ms: float


def window_appends(buffer: BufferState, window: SpeechWindow) -> WindowAudio | None:
    """The appends whose audio overlaps the window (None: an open window or no appends)."""
    if window.audio_end_ms is None:
        return None
    start, end = float(window.audio_start_ms or 0), float(window.audio_end_ms)
    cum = buffer.append_cum_ms
    # an append covers (cum[k-1], cum[k]]: the first whose end passes start, up to the one ending at end
    a = bisect_right(cum, start)
    b = min(len(cum), bisect_left(cum, end) + 1)
    if a >= b:
        return None
    positions = list(buffer.append_pos[a:b])
    return WindowAudio(positions, buffer.format_at(positions[0]), start, end)


def window_at(buffer: BufferState, event: int, item_id: str | None) -> SpeechWindow | None:
    """The speech window the selected event belongs to: started/stopped there, or of its item."""
    for w in buffer.speech:
        if event in (w.started_pos, w.stopped_pos) or (item_id is not None and w.item_id == item_id):
            return w
    return None


def append_payloads(model: SessionModel, positions: list[int]) -> Iterator[bytes]:
    """Each append's decoded audio, read by offset from the log (a live session: from the event)."""
    idx = model.index
    reader = idx.reader if isinstance(idx, ReaderIndex) else None
    cols = reader.columns() if reader is not None else None
    for pos in positions:
        text: object
        if reader is not None and cols is not None and int(cols["audio_bytes"][pos]) >= 0:
            # the payload's byte span in the line, measured by the indexer: no JSON parse
            line = reader.raw(pos)
            text = line[int(cols["audio_off"][pos]) : int(cols["audio_end"][pos])]
        else:
            text = idx.rec(pos).event.get("audio")
        if not isinstance(text, (str, bytes)):
            continue
        try:
            yield base64.b64decode(text)
        except (binascii.Error, ValueError):
            continue


def window_levels(model: SessionModel, audio: WindowAudio) -> list[float]:
    """RMS dBFS of each append of the window (pcm16 only; G.711 windows are not measured)."""
    if audio.format.encoding != "pcm16":
        return []
    return [levels(pcm).rms_dbfs for pcm in append_payloads(model, audio.positions)]


def sparkline(values: list[float], width: int) -> str:
    """``values`` (dBFS) as one line of block characters, at most ``width`` cells (max per cell)."""
    if not values or width <= 0:
        return ""
    n = min(width, len(values))
    cells = []
    for k in range(n):
        chunk = values[k * len(values) // n : max(k * len(values) // n + 1, (k + 1) * len(values) // n)]
        db = max(chunk)
        frac = 0.0 if db <= SILENT_DBFS else min(1.0, max(0.0, (db - FLOOR_DBFS) / -FLOOR_DBFS))
        cells.append(BLOCKS[round(frac * (len(BLOCKS) - 1))])
    return "".join(cells)


def window_pcm(model: SessionModel, audio: WindowAudio) -> bytes:
    """The window's samples for playback, at most ``MAX_PLAY_MS`` of them."""
    limit = int(MAX_PLAY_MS * audio.format.bytes_per_ms)
    out = bytearray()
    for pcm in append_payloads(model, audio.positions):
        out += pcm[: limit - len(out)]
        if len(out) >= limit:
            break
    return bytes(out)


class WindowLevels:
    """Sparkline text per closed window, computed once (a window's audio never changes)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int | None, int | None, int], str] = {}

    def line(self, model: SessionModel, buffer: BufferState, window: SpeechWindow, width: int) -> str:
        key = (window.started_pos, window.stopped_pos, width)
        hit = self._cache.get(key)
        if hit is None:
            audio = window_appends(buffer, window)
            hit = sparkline(window_levels(model, audio), width) if audio is not None else ""
            if audio is not None:
                self._cache[key] = hit
        return hit


SPEECH_EVENTS = ("input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped")


def selected_window_audio(model: SessionModel, event: int) -> tuple[str, bytes, int] | str | None:
    """``(label, pcm16, rate)`` of the VAD window a speech_started/stopped event marks, a reason
    why it cannot play (a string), or None when the event is not a VAD event (the item's audio
    then plays instead, ``playback.collect_audio``). The final fold's windows are used: at the
    speech_started the state at the cursor does not know the window's end yet."""
    rec = model.index.rec(event)
    if rec.type not in SPEECH_EVENTS:
        return None
    buffer = model.fold.state.buffer
    window = window_at(buffer, event, None)
    if window is None:
        return "this VAD event has no speech window in the session"
    audio = window_appends(buffer, window)
    if audio is None:
        return "the speech window never closed, or no appends fall inside it"
    if audio.format.encoding != "pcm16":
        return f"the window's audio is {audio.format.encoding}: only pcm16 plays"
    pcm = window_pcm(model, audio)
    if not pcm:
        return "the window's appends hold no audio"
    label = f"VAD window {audio.start_ms:.0f}–{audio.end_ms:.0f} ms ({len(pcm) / (audio.format.bytes_per_ms * 1000):.2f} s)"
    return label, pcm, audio.format.rate
