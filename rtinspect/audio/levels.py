"""Loudness summaries for meters and findings: dBFS, peak, and a coarse waveform.

Computed in the core from pcm16 so the TUI (sparklines, meters) and the doctor ("the audio
you sent is silent") share one definition and never decode audio themselves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rtinspect.audio.convert import as_pcm16

SILENT_DBFS = -120.0


@dataclass(frozen=True, slots=True)
class Levels:
    rms_dbfs: float  # -120.0 for digital silence
    peak_dbfs: float
    peak: float  # 0..1 of full scale
    samples: int

    @property
    def silent(self) -> bool:
        return self.rms_dbfs <= -60.0


def _dbfs(value: float) -> float:
    return SILENT_DBFS if value <= 0 else max(SILENT_DBFS, 20.0 * math.log10(value))


def levels(pcm16: bytes | bytearray | memoryview | np.ndarray) -> Levels:
    """RMS and peak of pcm16 audio relative to full scale (a full-scale sine is about -3 dBFS)."""
    x = as_pcm16(pcm16)
    if x.size == 0:
        return Levels(SILENT_DBFS, SILENT_DBFS, 0.0, 0)
    f = x.astype(np.float32) / 32768.0
    rms = float(np.sqrt(np.mean(f * f, dtype=np.float64)))
    peak = float(np.max(np.abs(f)))
    return Levels(_dbfs(rms), _dbfs(peak), min(peak, 1.0), int(x.size))


def level_track(pcm16: bytes | np.ndarray, rate: int, window_ms: float = 20.0) -> np.ndarray:
    """RMS dBFS per window (float32), e.g. one value per 20 ms for a level meter or VAD timeline."""
    x = as_pcm16(pcm16).astype(np.float32) / 32768.0
    n = max(1, int(rate * window_ms / 1000))
    count = x.size // n
    if count == 0:
        return np.zeros(0, dtype=np.float32)
    frames = x[: count * n].reshape(count, n)
    rms = np.sqrt(np.mean(frames * frames, axis=1))
    with np.errstate(divide="ignore"):
        db = 20.0 * np.log10(rms)
    return np.maximum(db, SILENT_DBFS).astype(np.float32)


def waveform(pcm16: bytes | np.ndarray, buckets: int = 60) -> list[float]:
    """Peak (0..1) in each of ``buckets`` equal slices: a waveform summary for a sparkline."""
    x = np.abs(as_pcm16(pcm16).astype(np.int32))
    if x.size == 0 or buckets <= 0:
        return [0.0] * max(buckets, 0)
    edges = np.linspace(0, x.size, buckets + 1).astype(np.int64)
    out = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        out.append(float(x[a:b].max()) / 32768.0 if b > a else 0.0)
    return out
