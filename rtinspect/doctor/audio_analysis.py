"""Pure numpy measurements on a bounded sample of input audio, for the audio rules.

Every function takes raw bytes and the declared format and returns plain numbers, so the rules
stay readable and these stay testable. Nothing here holds more than the sample it is given.
"""

from __future__ import annotations

import base64

import numpy as np

from rtinspect.audio.convert import alaw_decode, as_pcm16, ulaw_decode

STANDARD_RATES = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000)
CONTAINER_MAGIC = {
    b"RIFF": "WAV/RIFF",
    b"OggS": "Ogg",
    b"ID3": "MP3 (ID3)",
    b"fLaC": "FLAC",
    b"\x1aE\xdf\xa3": "WebM/Matroska",
    b"caff": "CAF",
    b"FORM": "AIFF",
}

# The base64 text of each magic's first three bytes: an append is screened by its text prefix
# (one C-level startswith) and decoded only when it could open a container.
CONTAINER_B64_PREFIXES = tuple(base64.b64encode(magic[:3]).decode() for magic in CONTAINER_MAGIC)


def container_in(head: bytes) -> str | None:
    """The container whose magic bytes open ``head`` (the start of one append), if any."""
    for magic, name in CONTAINER_MAGIC.items():
        if head.startswith(magic):
            if magic == b"RIFF" and len(head) >= 12 and head[8:12] not in (b"WAVE", b"AVI "):
                continue
            return name
    return None


def decode(data: bytes, kind: str) -> np.ndarray:
    """Samples as float32 in int16 units (g711 expanded to the same scale)."""
    if kind in ("pcmu", "pcma"):
        codes = np.frombuffer(data, dtype=np.uint8)
        return (ulaw_decode(codes) if kind == "pcmu" else alaw_decode(codes)).astype(np.float32)
    return as_pcm16(data).astype(np.float32)


def lag_corr(x: np.ndarray, lag: int) -> float:
    if len(x) <= lag + 10:
        return 0.0
    y = x - x.mean()
    den = float(np.dot(y, y))
    return float(np.dot(y[:-lag], y[lag:]) / den) if den > 0 else 0.0


def frame_db(x: np.ndarray, frame: int) -> np.ndarray:
    """RMS of each frame in dBFS (full scale = 32768)."""
    n = len(x) // frame
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    f = x[: n * frame].reshape(n, frame)
    rms = np.sqrt(np.mean(f * f, axis=1)) + 1e-9
    return 20 * np.log10(rms / 32768.0)


def levels(x: np.ndarray, rate: int) -> dict[str, float]:
    """Peak, loud-frame level and clipping fraction of a sample."""
    if len(x) == 0:
        return {"peak": 0.0, "p95_db": -120.0, "clip": 0.0, "clipped_n": 0}
    a = np.abs(x)
    db = frame_db(x, max(rate // 50, 1))
    clipped = int(np.count_nonzero(a >= 32600))
    return {
        "peak": float(a.max()),
        "p95_db": float(np.percentile(db, 95)) if len(db) else -120.0,
        "clip": clipped / len(x),
        "clipped_n": clipped,
    }


def stereo_score(x: np.ndarray) -> bool:
    """True when pcm16 'mono' looks like interleaved stereo (L R L R ...)."""
    if len(x) < 2000 or np.abs(x).max() < 64:
        return False
    even, odd = x[0:-1:2], x[1::2][: len(x[0:-1:2])]
    d_pair = float(np.mean(np.abs(even - odd)))
    d_cross = float(np.mean(np.abs(x[2::2] - x[1:-1:2][: len(x[2::2])])))
    if min(d_pair, d_cross) < 0.35 * max(d_pair, d_cross):
        return True
    return lag_corr(x, 2) - lag_corr(x, 1) > 0.3


def interpretation(data: bytes) -> dict[str, float]:
    """How speech-like the bytes are read as pcm16, mu-law and a-law (lag-1 correlation)."""
    out = {}
    for kind in ("pcm", "pcmu", "pcma"):
        x = decode(data, kind)
        out[kind] = lag_corr(x, 1) if np.abs(x).max(initial=0) > 64 else 0.0
    # In real pcm16 the low bytes are close to white noise; in g711 every byte is a smooth sample.
    low = np.frombuffer(data[: len(data) // 2 * 2], dtype=np.uint8)[0::2].astype(np.float32)
    out["low_bytes"] = lag_corr(low, 1)
    return out


def pitch_hz(x: np.ndarray, rate: int) -> float | None:
    """Median F0 of the voiced (loudest) frames by autocorrelation, or None when too little voice."""
    frame = int(rate * 0.04)
    n = len(x) // frame
    if n < 6:
        return None
    frames = x[: n * frame].reshape(n, frame)
    energy = np.sqrt(np.mean(frames * frames, axis=1))
    if energy.max() < 100:
        return None
    loud = frames[energy >= energy.max() * 0.25]
    lo, hi = max(int(rate / 600), 2), int(rate / 50)
    f0s = []
    for f in loud[:200]:
        f = f - f.mean()
        spec = np.fft.rfft(f, n=2 * frame)
        ac = np.fft.irfft(spec * np.conj(spec))[:frame]
        if ac[0] <= 0 or hi >= len(ac):
            continue
        lag = lo + int(np.argmax(ac[lo:hi]))
        if ac[lag] / ac[0] > 0.45:
            f0s.append(rate / lag)
    return float(np.median(f0s)) if len(f0s) >= 4 else None


def rolloff_hz(x: np.ndarray, rate: int, share: float = 0.95) -> float:
    """Frequency under which ``share`` of the energy lies (bandwidth of the sample)."""
    if len(x) < 512:
        return 0.0
    spec = np.abs(np.fft.rfft(x[: 1 << int(np.log2(min(len(x), 1 << 17)))])) ** 2
    cum = np.cumsum(spec)
    if cum[-1] <= 0:
        return 0.0
    idx = int(np.searchsorted(cum, share * cum[-1]))
    return idx * rate / (2 * (len(spec) - 1))


def nearest_rate(rate: float, tolerance: float = 0.05) -> int | None:
    best = min(STANDARD_RATES, key=lambda r: abs(r - rate))
    return best if abs(best - rate) <= tolerance * best else None


def centroid_hz(x: np.ndarray, rate: int) -> float:
    """Spectral centroid (energy-weighted mean frequency): about 0.7-1 kHz for a voice; it moves
    up with the playback speed like every other frequency."""
    if len(x) < 512:
        return 0.0
    spec = np.abs(np.fft.rfft(x)) ** 2
    total = float(spec.sum())
    return float((spec * np.fft.rfftfreq(len(x), 1 / rate)).sum() / total) if total > 0 else 0.0


def syllable_rate(x: np.ndarray, rate: int) -> float:
    """Syllables per second of speaking time: peaks of the level (10 ms frames, smoothed over
    ~90 ms) that rise 4 dB over the dip before them, within 30 dB of the loudest; 0.0 with under
    0.3 s of speech. Natural speech is about 4-7; read 1.5x too fast it is 1.5x that."""
    hop = max(int(rate * 0.01), 1)
    n = len(x) // hop
    if n < 10:
        return 0.0
    db = 20 * np.log10(np.sqrt(np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1)) + 1.0)
    kernel = np.hanning(9)
    level = np.convolve(db, kernel / kernel.sum(), mode="same")
    loud = level > level.max() - 30
    speaking = float(loud.sum()) * 0.01
    if speaking < 0.3:
        return 0.0
    peaks, dip = 0, float(level[0])
    for j in range(1, n - 1):
        dip = min(dip, float(level[j]))
        if loud[j] and level[j] >= level[j - 1] and level[j] > level[j + 1] and level[j] - dip > 4:
            peaks += 1
            dip = float(level[j])
    return peaks / speaking


def energy_below(x: np.ndarray, rate: int, hz: float) -> float:
    """Share of the sample's energy under ``hz`` (0.0 for an empty or silent sample)."""
    if len(x) < 512:
        return 0.0
    spec = np.abs(np.fft.rfft(x)) ** 2
    total = float(spec.sum())
    if total <= 0:
        return 0.0
    return float(spec[np.fft.rfftfreq(len(x), 1 / rate) < hz].sum()) / total
