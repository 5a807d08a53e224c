"""Read any audio file a user is likely to hold into float32 samples, or refuse it in one line.

``load_audio`` decodes a whole file (short clips: the TUI, tests). ``probe_audio`` and
``read_blocks`` are for streaming: the header is checked up front (the same one-line refusals) and
the samples come a block at a time, so a 2-hour file costs one block of memory, not 2 hours.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rtinspect.errors import UserError

_BLOCK = 1 << 16


class AudioError(UserError):
    """Audio that cannot be read or converted; the message is one line naming the file."""


@dataclass(frozen=True)
class Clip:
    """Decoded audio: ``samples`` is float32 ``[frames, channels]`` in -1..1 at ``rate``."""

    samples: np.ndarray
    rate: int
    channels: int
    source: str = ""
    info: str = ""  # e.g. "WAV PCM_16", for display
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def frames(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration_ms(self) -> float:
        return self.frames * 1000.0 / self.rate if self.rate else 0.0

    @classmethod
    def from_pcm16(cls, data: bytes, rate: int, channels: int = 1, source: str = "") -> Clip:
        """Interleaved 16-bit little-endian PCM (e.g. a recorded session's audio) as a clip."""
        usable = len(data) - len(data) % (2 * channels)
        pcm = np.frombuffer(data[:usable], dtype="<i2").reshape(-1, channels)
        return cls(pcm.astype(np.float32) / 32768.0, rate, channels, source, "PCM_16")


@dataclass(frozen=True)
class AudioInfo:
    """What a file's header says (the same attribute names as ``Clip``, without the samples)."""

    source: str
    rate: int
    channels: int
    frames: int
    info: str

    @property
    def duration_ms(self) -> float:
        return self.frames * 1000.0 / self.rate if self.rate else 0.0


def probe_audio(path: str | os.PathLike[str]) -> AudioInfo:
    """Open ``path``'s header (and its first block) without decoding it all; one-line refusals."""
    name = str(path)
    _check_file(path)
    import soundfile as sf

    try:
        with sf.SoundFile(name) as f:
            info = f"{f.format} {f.subtype}"
            rate, channels, frames = int(f.samplerate), int(f.channels), int(f.frames)
            first = f.read(frames=min(_BLOCK, max(frames, 1)), dtype="float32", always_2d=True)
    except Exception as err:  # noqa: BLE001 - libsndfile reports many shapes of failure
        raise AudioError(f"{name}: not a readable audio file ({_reason(err)})") from None
    if rate <= 0 or channels <= 0:
        raise AudioError(f"{name}: not a readable audio file (rate {rate}, {channels} channels)")
    if first.shape[0] == 0:
        raise AudioError(f"{name}: holds no audio frames (truncated or empty)")
    return AudioInfo(name, rate, channels, max(frames, first.shape[0]), info)


def read_blocks(path: str | os.PathLike[str], block_frames: int = _BLOCK) -> Iterator[np.ndarray]:
    """float32 ``[n, channels]`` blocks of ``path`` in order (non-finite float samples cleaned)."""
    import soundfile as sf

    name = str(path)
    try:
        with sf.SoundFile(name) as f:
            floating = f.subtype in ("FLOAT", "DOUBLE")
            while True:
                block = f.read(frames=block_frames, dtype="float32", always_2d=True)
                if block.shape[0] == 0:
                    return
                if floating and not np.isfinite(block).all():
                    block = np.nan_to_num(block, nan=0.0, posinf=1.0, neginf=-1.0)
                yield block
    except AudioError:
        raise
    except Exception as err:  # noqa: BLE001 - a file that breaks mid-way is still one line
        raise AudioError(f"{name}: cannot read the audio ({_reason(err)})") from None


def _check_file(path: str | os.PathLike[str]) -> None:
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise AudioError(f"{name}: no such file")
    if p.is_dir():
        raise AudioError(f"{name}: is a directory, not an audio file")
    try:
        size = p.stat().st_size
    except OSError as err:
        raise AudioError(f"{name}: cannot read ({err.strerror or err})") from None
    if size == 0:
        raise AudioError(f"{name}: empty file, no audio in it")


def load_audio(path: str | os.PathLike[str]) -> Clip:
    """Decode ``path`` with libsndfile (WAV int/float, FLAC, OGG, MP3 where it can)."""
    import soundfile as sf

    _check_file(path)
    name = str(path)
    try:
        with sf.SoundFile(name) as f:
            info = f"{f.format} {f.subtype}"
            rate, channels = int(f.samplerate), int(f.channels)
            samples = _read_all(f, channels)
    except Exception as err:  # noqa: BLE001 - libsndfile reports many shapes of failure
        raise AudioError(f"{name}: not a readable audio file ({_reason(err)})") from None
    if rate <= 0 or channels <= 0:
        raise AudioError(f"{name}: not a readable audio file (rate {rate}, {channels} channels)")
    if samples.shape[0] == 0:
        raise AudioError(f"{name}: holds no audio frames (truncated or empty)")
    if info.split()[-1] in ("FLOAT", "DOUBLE") and not np.isfinite(samples).all():
        samples = np.nan_to_num(samples, nan=0.0, posinf=1.0, neginf=-1.0)
    return Clip(samples, rate, channels, name, info)


def _read_all(f: Any, channels: int) -> np.ndarray:
    """All frames as float32 [frames, channels], read in blocks into one preallocated array
    (4x faster than one whole-file read, which libsndfile converts through a huge buffer)."""
    frames = int(f.frames)
    if not 0 < frames < 1 << 31:
        return f.read(dtype="float32", always_2d=True)
    out = np.empty((frames, channels), dtype=np.float32)
    pos = 0
    while pos < frames:
        got = f.read(
            frames=min(_BLOCK, frames - pos), dtype="float32", always_2d=True, out=out[pos : pos + _BLOCK]
        )
        if got.shape[0] == 0:
            break
        pos += got.shape[0]
    rest = f.read(dtype="float32", always_2d=True)  # a header that undercounts its frames
    return np.concatenate([out[:pos], rest]) if rest.shape[0] else out[:pos]


def _reason(err: Exception) -> str:
    text = str(err).strip() or type(err).__name__
    # libsndfile: "Error opening 'x.wav': Format not recognised." -> keep what follows the path.
    if ": " in text and text.startswith("Error opening"):
        text = text.rsplit(": ", 1)[-1]
    return text.splitlines()[0].rstrip(".")
