"""Audio benchmarks for rtinspect (issue 4); run once, quote the figures.

1. Conversion: a 10-minute 48 kHz stereo file to 24 kHz pcm16 mono, as ``rtinspect send`` does
   it (soundfile load + downmix + soxr + pcm16), in x real time (target >= 1000x), beside a naive
   numpy linear interpolation (np.interp) in the same run.
2. Pacing: ``Pacer`` driving 20 ms chunks in real time for ``--seconds`` (default 60): how late
   each chunk went out, p50/p99 (target p99 <= 2 ms), and the end-of-run drift, beside a naive
   sleep-per-chunk loop whose overshoot accumulates.

    /work/venv/bin/python bench/bench_audio.py [--minutes 10] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import tempfile
import time

import numpy as np
import soundfile as sf

from rtinspect.audio import PCM16_24K, Pacer, encode_for, load_audio


def make_file(path: str, minutes: float, rate: int = 48000) -> float:
    """Speech-like test signal (tones with a slow envelope and some noise), 16-bit stereo WAV."""
    seconds = minutes * 60
    rng = np.random.default_rng(1)
    with sf.SoundFile(path, "w", rate, 2, "PCM_16") as f:
        block = rate * 10
        for start in range(0, int(seconds * rate), block):
            t = (np.arange(block) + start) / rate
            env = 0.5 * (1 + np.sin(2 * np.pi * 0.7 * t))
            x = env * (0.3 * np.sin(2 * np.pi * 180 * t) + 0.1 * np.sin(2 * np.pi * 1250 * t))
            x = x + 0.02 * rng.standard_normal(block)
            f.write(np.stack([x, 0.8 * x], axis=1).astype(np.float32))
    return seconds


def naive_convert(samples: np.ndarray, rate_in: int, rate_out: int) -> bytes:
    mono = samples.mean(axis=1)
    n_out = int(round(len(mono) * rate_out / rate_in))
    x_out = np.arange(n_out) * (rate_in / rate_out)
    y = np.interp(x_out, np.arange(len(mono)), mono)
    return np.clip(np.rint(y * 32768), -32768, 32767).astype("<i2").tobytes()


def bench_conversion(minutes: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "long.wav")
        seconds = make_file(path, minutes)
        size_mb = os.path.getsize(path) / 1e6
        t0 = time.perf_counter()
        clip = load_audio(path)
        t1 = time.perf_counter()
        pcm = encode_for(clip, PCM16_24K)
        t2 = time.perf_counter()
        naive = naive_convert(clip.samples, clip.rate, 24000)
        t3 = time.perf_counter()
    assert abs(len(pcm) - len(naive)) <= 4
    load_s, conv_s, naive_s = t1 - t0, t2 - t1, t3 - t2
    print(f"conversion: {minutes:g} min 48 kHz stereo 16-bit WAV ({size_mb:.0f} MB) -> 24 kHz pcm16 mono")
    print(f"  load (soundfile)          {load_s:6.2f} s")
    print(f"  convert (downmix+soxr HQ) {conv_s:6.2f} s  = {seconds / conv_s:7.0f}x real time")
    print(
        f"  load + convert            {load_s + conv_s:6.2f} s  = {seconds / (load_s + conv_s):7.0f}x real time"
    )
    print(
        f"  naive np.interp convert   {naive_s:6.2f} s  = {seconds / naive_s:7.0f}x real time (no anti-alias filter)"
    )


async def _paced(seconds: float, chunk_ms: float) -> tuple[np.ndarray, float]:
    pacer = Pacer(chunk_ms)
    payload = bytes(int(PCM16_24K.bytes_per_ms * chunk_ms))
    n = int(seconds * 1000 / chunk_ms)
    for k in range(n):
        await pacer.wait(k)
        base64.b64encode(payload)  # the work a real append does
    assert pacer.start is not None
    drift = time.monotonic() - (pacer.start + (n - 1) * chunk_ms / 1000)
    return np.array(pacer.lateness) * 1000, drift * 1000


async def _naive(seconds: float, chunk_ms: float) -> float:
    n = int(seconds * 1000 / chunk_ms)
    start = time.monotonic()
    for _ in range(n):
        await asyncio.sleep(chunk_ms / 1000)
    return (time.monotonic() - start - n * chunk_ms / 1000) * 1000


def _os_floor(seconds: float, chunk_ms: float) -> np.ndarray:
    """The same deadlines met by a bare thread with time.sleep: what the OS scheduler allows right now."""
    n = int(seconds * 1000 / chunk_ms)
    start = time.monotonic()
    late = []
    for k in range(n):
        due = start + k * chunk_ms / 1000
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        late.append(time.monotonic() - due)
    return np.array(late) * 1000


def bench_pacing(seconds: float, chunk_ms: float = 20) -> None:
    late, drift = asyncio.run(_paced(seconds, chunk_ms))
    print(f"pacing: {len(late)} chunks of {chunk_ms:g} ms over {seconds:g} s (Pacer, asyncio)")
    print(
        f"  lateness p50 {np.percentile(late, 50):.3f} ms  p99 {np.percentile(late, 99):.3f} ms  "
        f"max {late.max():.3f} ms  end drift {drift:.3f} ms"
    )
    floor_s = min(seconds, 10.0)
    floor = _os_floor(floor_s, chunk_ms)
    print(
        f"  OS floor (bare thread, time.sleep to the same deadlines, {floor_s:g} s): "
        f"p50 {np.percentile(floor, 50):.3f} ms  p99 {np.percentile(floor, 99):.3f} ms"
    )
    print(f"  load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    naive_s = min(seconds, 10.0)
    naive_drift = asyncio.run(_naive(naive_s, chunk_ms))
    print(f"  naive sleep-per-chunk over {naive_s:g} s: behind schedule by {naive_drift:.1f} ms at the end")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the conversion test file")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the pacing run")
    parser.add_argument("--skip-conversion", action="store_true")
    parser.add_argument("--skip-pacing", action="store_true")
    args = parser.parse_args()
    if not args.skip_conversion:
        bench_conversion(args.minutes)
    if not args.skip_pacing:
        bench_pacing(args.seconds)


if __name__ == "__main__":
    main()
