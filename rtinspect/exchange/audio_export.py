"""Input and output audio of a recorded session as WAV files: per turn and for the whole session.

Formats follow what the SERVER held at each moment (``session.created``/``updated``), not what
the client asked for, since a rejected update leaves the old format in force: the session's one fold
(``SessionState``) says which, the same one every view reads. Everything is
written as 24 kHz mono 16-bit WAV (G.711 is decoded and upsampled) so files line up and play
anywhere. Input audio is cut into one file per committed item (the appends since the previous
commit or clear); output audio is one file per response.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rtinspect.audio.convert import decode_to_pcm16, pcm16_resample
from rtinspect.exchange.logio import SessionLog
from rtinspect.protocol import Dialect
from rtinspect.protocol.audio import OUTPUT_AUDIO_TYPES, PCM16_RATE, AudioFormat
from rtinspect.session.state import SessionState

RATE = PCM16_RATE  # the exported WAVs are at the session's native pcm16 rate
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass
class AudioExport:
    files: list[Path] = field(default_factory=list)
    input_ms: float = 0.0
    output_ms: float = 0.0
    bad_chunks: int = 0  # payloads that were not valid base64


def _decode(payload: Any, fmt: AudioFormat) -> np.ndarray | None:
    if not isinstance(payload, str):
        return None
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return None
    pcm = decode_to_pcm16(raw, fmt)
    if fmt.rate != RATE and len(pcm):
        pcm = np.frombuffer(pcm16_resample(pcm, fmt.rate, RATE), dtype="<i2")
    return pcm


def _name(index: int, kind: str, ident: str) -> str:
    return f"{kind}-{index:02d}-{_SAFE.sub('_', ident)[:60]}.wav"


class _Wav:
    """One WAV file written as the log is read (24 kHz mono PCM_16), opened on its first samples so
    that no empty file is left behind; memory stays one block whatever the session's length."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.frames = 0
        self.finished = False  # closed for good: a late chunk must not reopen (and truncate) it
        self._file: Any = None

    def write(self, pcm: np.ndarray) -> None:
        if not len(pcm) or self.finished:
            return
        if self._file is None:
            import soundfile as sf

            self._file = sf.SoundFile(str(self.path), "w", RATE, 1, subtype="PCM_16", format="WAV")
        self._file.write(pcm.astype("<i2", copy=False))
        self.frames += len(pcm)

    def close(self) -> bool:
        """Close; True when the file holds audio."""
        if self._file is not None:
            self._file.close()
            self._file = None
        return self.frames > 0

    def discard(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)


def export_audio(log: SessionLog, out_dir: Path) -> AudioExport:
    """One pass over the log: every chunk is decoded and written at once (nothing is held), input
    audio per committed item, output audio per response, and the whole session in and out."""
    dialect = Dialect(log.dialect) if log.dialect in ("ga", "beta") else Dialect.GA
    state = SessionState(dialect=dialect)  # the formats the server holds, event by event
    result = AudioExport()
    out_dir.mkdir(parents=True, exist_ok=True)
    all_in, all_out = _Wav(out_dir / "input.wav"), _Wav(out_dir / "output.wav")
    n_inputs = 0
    segment = _Wav(out_dir / ".input-segment.partial.wav")  # renamed when the server commits it
    outputs: dict[str, _Wav] = {}
    per_turn: list[Path] = []

    def commit(ident: str | None) -> None:
        nonlocal segment, n_inputs
        if segment.close():
            n_inputs += 1
            target = out_dir / _name(n_inputs, "input", ident or f"commit{n_inputs}")
            segment.path.replace(target)
            per_turn.append(target)
        segment = _Wav(out_dir / ".input-segment.partial.wav")

    try:
        for rec in log.records:
            ev = rec.event
            state.apply(rec)
            if rec.dir == "client" and rec.type == "input_audio_buffer.append":
                pcm = _decode(ev.get("audio"), state.buffer.format)
                if pcm is None:
                    result.bad_chunks += 1
                    continue
                segment.write(pcm)
                all_in.write(pcm)
            elif rec.dir == "server" and rec.type == "input_audio_buffer.committed":
                commit(str(ev.get("item_id") or "") or None)
            elif rec.dir == "server" and rec.type == "input_audio_buffer.cleared":
                segment.discard()
                segment = _Wav(out_dir / ".input-segment.partial.wav")
            elif rec.dir == "server" and rec.type in OUTPUT_AUDIO_TYPES:
                pcm = _decode(ev.get("delta"), state.output_format)
                if pcm is None:
                    result.bad_chunks += 1
                    continue
                ident = str(ev.get("response_id") or "response")
                wav = outputs.get(ident)
                if wav is None:
                    wav = outputs[ident] = _Wav(out_dir / _name(len(outputs) + 1, "output", ident))
                wav.write(pcm)
                all_out.write(pcm)
            elif rec.dir == "server" and rec.type == "response.done":
                resp = ev.get("response") if isinstance(ev.get("response"), dict) else {}
                done = outputs.get(str(resp.get("id") or ""))
                if done is not None:
                    done.close()  # few files open at once, however many responses
                    done.finished = True
        commit("uncommitted")
    finally:
        segment.discard()
        for wav in (all_in, all_out, *outputs.values()):
            wav.close()
    result.files = [w.path for w in (all_in, all_out) if w.frames] + per_turn
    result.files += [w.path for w in outputs.values() if w.frames]
    result.input_ms = all_in.frames / (RATE / 1000)
    result.output_ms = all_out.frames / (RATE / 1000)
    return result
