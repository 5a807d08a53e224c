"""Input and output audio of a recorded session as WAV files: per turn and for the whole session.

Formats follow what the SERVER held at each moment (``session.created``/``updated``), not what
the client asked for, since a rejected update leaves the old format in force. Everything is
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
from rtinspect.protocol.session import AudioFormat, input_format, output_format

RATE = 24000
_OUTPUT_DELTAS = ("response.output_audio.delta", "response.audio.delta")
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


class _Formats:
    """The audio formats the server holds, updated as the session goes."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.input = AudioFormat("pcm16", RATE)
        self.output = AudioFormat("pcm16", RATE)

    def update(self, session: Any) -> None:
        if not isinstance(session, dict):
            return
        try:
            self.input = input_format(session, self.dialect)
            self.output = output_format(session, self.dialect)
        except (ValueError, KeyError, TypeError):
            pass  # an odd format field keeps the previous one


def _name(index: int, kind: str, ident: str) -> str:
    return f"{kind}-{index:02d}-{_SAFE.sub('_', ident)[:60]}.wav"


def export_audio(log: SessionLog, out_dir: Path) -> AudioExport:
    import soundfile as sf

    dialect = Dialect(log.dialect) if log.dialect in ("ga", "beta") else Dialect.GA
    formats = _Formats(dialect)
    result = AudioExport()
    all_in: list[np.ndarray] = []
    all_out: list[np.ndarray] = []
    segment: list[np.ndarray] = []
    inputs: list[tuple[str, list[np.ndarray]]] = []
    outputs: dict[str, list[np.ndarray]] = {}
    for rec in log.records:
        ev = rec.event
        if rec.dir == "server" and rec.type in ("session.created", "session.updated"):
            formats.update(ev.get("session"))
        elif rec.dir == "client" and rec.type == "input_audio_buffer.append":
            pcm = _decode(ev.get("audio"), formats.input)
            if pcm is None:
                result.bad_chunks += 1
                continue
            segment.append(pcm)
            all_in.append(pcm)
        elif rec.dir == "server" and rec.type == "input_audio_buffer.committed":
            inputs.append((str(ev.get("item_id") or f"commit{len(inputs) + 1}"), segment))
            segment = []
        elif rec.dir == "server" and rec.type == "input_audio_buffer.cleared":
            segment = []
        elif rec.dir == "server" and rec.type in _OUTPUT_DELTAS:
            pcm = _decode(ev.get("delta"), formats.output)
            if pcm is None:
                result.bad_chunks += 1
                continue
            outputs.setdefault(str(ev.get("response_id") or "response"), []).append(pcm)
            all_out.append(pcm)
    if segment:
        inputs.append(("uncommitted", segment))
    out_dir.mkdir(parents=True, exist_ok=True)

    def write(name: str, parts: list[np.ndarray]) -> None:
        if not parts:
            return
        data = np.concatenate(parts).astype("<i2", copy=False)
        if not len(data):
            return
        path = out_dir / name
        sf.write(str(path), data, RATE, subtype="PCM_16")
        result.files.append(path)

    write("input.wav", all_in)
    write("output.wav", all_out)
    for n, (ident, parts) in enumerate(inputs, 1):
        write(_name(n, "input", ident), parts)
    for n, (ident, parts) in enumerate(outputs.items(), 1):
        write(_name(n, "output", ident), parts)
    result.input_ms = sum(len(p) for p in all_in) / (RATE / 1000)
    result.output_ms = sum(len(p) for p in all_out) / (RATE / 1000)
    return result
