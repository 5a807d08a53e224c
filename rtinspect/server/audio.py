"""Input audio arithmetic for the server: formats, G.711 decoding, levels.

Everything here works on bytes and numpy arrays only; it never touches a socket.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class InputFormat:
    """The effective input audio format: ``kind`` is ``pcm16``, ``ulaw`` or ``alaw``."""

    kind: str
    rate: int

    @property
    def bytes_per_ms(self) -> float:
        """Bytes of one millisecond of audio (48 for pcm16 at 24 kHz, 8 for G.711)."""
        width = 2 if self.kind == "pcm16" else 1
        return self.rate * width / 1000.0

    def duration_ms(self, nbytes: int) -> float:
        return nbytes / self.bytes_per_ms


PCM16_24K = InputFormat("pcm16", 24000)


def _ulaw_table() -> np.ndarray:
    codes = np.arange(256, dtype=np.int32)
    u = ~codes & 0xFF
    sign = u & 0x80
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


def _alaw_table() -> np.ndarray:
    codes = np.arange(256, dtype=np.int32) ^ 0x55
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = np.where(
        exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0)
    )
    return np.where(sign != 0, magnitude, -magnitude).astype(np.int16)


_ULAW = _ulaw_table()
_ALAW = _alaw_table()


def to_pcm16(data: bytes, fmt: InputFormat) -> np.ndarray:
    """Decode raw input bytes to int16 samples at ``fmt.rate`` (an odd trailing pcm16 byte is dropped)."""
    if fmt.kind == "ulaw":
        return _ULAW[np.frombuffer(data, dtype=np.uint8)]
    if fmt.kind == "alaw":
        return _ALAW[np.frombuffer(data, dtype=np.uint8)]
    usable = len(data) - (len(data) % 2)
    return np.frombuffer(data[:usable], dtype="<i2")


def pcm16_24k(data: bytes, fmt: InputFormat) -> bytes:
    """Input bytes as pcm16 mono at 24 kHz, what a ``Transcriber`` takes and what responses echo."""
    samples = to_pcm16(data, fmt)
    if fmt.rate != 24000 and samples.size:
        import soxr

        samples = soxr.resample(samples.astype(np.float32) / 32768.0, fmt.rate, 24000)
        samples = np.clip(samples * 32768.0, -32768, 32767).astype(np.int16)
    return samples.astype("<i2").tobytes()


def tone(ms: int, rate: int = 24000, freq: float = 440.0) -> bytes:
    """A quiet sine tone: the audio of a response to text input (there is no user audio to echo)."""
    t = np.arange(int(rate * ms / 1000)) / rate
    return (np.sin(2 * np.pi * freq * t) * 3000).astype("<i2").tobytes()


_ENCODE_CACHE: dict[str, np.ndarray] = {}


def _encoder(kind: str) -> np.ndarray:
    """A 65536-entry int16 -> G.711 code table: each sample maps to the code that decodes nearest to it."""
    table = _ENCODE_CACHE.get(kind)
    if table is None:
        decoded = (_ULAW if kind == "ulaw" else _ALAW).astype(np.int32)
        order = np.argsort(decoded, kind="stable")
        values = decoded[order]
        x = np.arange(-32768, 32768, dtype=np.int32)
        idx = np.clip(np.searchsorted(values, x), 1, len(values) - 1)
        nearer_left = (x - values[idx - 1]) <= (values[idx] - x)
        table = order[np.where(nearer_left, idx - 1, idx)].astype(np.uint8)
        _ENCODE_CACHE[kind] = table
    return table


def from_pcm16_24k(data: bytes, fmt: InputFormat) -> bytes:
    """pcm16 mono 24 kHz bytes in the output format ``fmt`` (how responses echo the user's audio)."""
    usable = len(data) - len(data) % 2
    samples = np.frombuffer(data[:usable], dtype="<i2")
    if fmt.kind == "pcm16" and fmt.rate == 24000:
        return samples.tobytes()
    if fmt.rate != 24000 and samples.size:
        import soxr

        resampled = soxr.resample(samples.astype(np.float32) / 32768.0, 24000, fmt.rate)
        samples = np.clip(resampled * 32768.0, -32768, 32767).astype(np.int16)
    if fmt.kind == "pcm16":
        return samples.astype("<i2").tobytes()
    return _encoder(fmt.kind)[samples.astype(np.int32) + 32768].tobytes()
