"""How many concurrent real-time audio sessions the embedded server holds, and its VAD event latency.

The server runs as ``rtinspect serve`` in its own process (one event loop, as users run it); this process
plays N clients, each streaming 20 ms chunks of pcm16 24 kHz in real time (drift-free pacing): 900 ms of
speech then 700 ms of silence, over and over, with the default session (server VAD, silence window
200 ms, automatic responses that echo the turn back).

Latency: from sending the chunk whose audio closes the silence window (the one holding ``audio_end_ms``)
to receiving its ``input_audio_buffer.speech_stopped``. A level is "held" when every session stayed
connected, p99 stays under ``--p99-bound`` ms and the clients themselves kept real time (their own send
lag is reported so a client-side limit is not blamed on the server).

    /work/venv/bin/python bench/bench_server.py [--levels 1,10,50,100,200] [--seconds 12]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np
import orjson
from websockets.asyncio.client import connect

CHUNK_MS = 20
SPEECH_MS, SILENCE_MS = 900, 700


def speech_pcm() -> bytes:
    """Real speech from espeak-ng when installed (trimmed/padded to SPEECH_MS), else a voiced-like tone."""
    n = 24 * SPEECH_MS
    if shutil.which("espeak-ng"):
        import soundfile as sf
        import soxr

        with tempfile.TemporaryDirectory() as tmp:
            wav = os.path.join(tmp, "s.wav")
            subprocess.run(
                ["espeak-ng", "-s", "170", "-w", wav, "the weather is nice"], check=True, capture_output=True
            )
            x, rate = sf.read(wav, dtype="int16")
        y = soxr.resample(x, rate, 24000).astype(np.int16)
        # keep it voiced throughout so the turn boundary is where we put it: tile to fill the window
        y = np.resize(y[np.abs(y) > 300], n) if np.any(np.abs(y) > 300) else y[:n]
    else:
        t = np.arange(n) / 24000
        y = (np.sin(2 * np.pi * 180 * t) * 8000).astype(np.int16)
    return y.astype("<i2").tobytes()


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    lag: list[float] = field(default_factory=list)
    dropped: int = 0
    errors: int = 0


async def session(url: str, pcm_cycle: list[bytes], seconds: float, stats: Stats, offset: float) -> None:
    sent_at: list[float] = []
    try:
        async with connect(url, additional_headers={"Authorization": "Bearer bench"}, max_size=None) as ws:
            orjson.loads(await ws.recv())

            async def reader() -> None:
                async for msg in ws:
                    ev = orjson.loads(msg)
                    if ev["type"] == "input_audio_buffer.speech_stopped":
                        idx = math.ceil(ev["audio_end_ms"] / CHUNK_MS) - 1
                        if 0 <= idx < len(sent_at):
                            stats.latencies.append((time.perf_counter() - sent_at[idx]) * 1000)
                    elif ev["type"] == "error":
                        stats.errors += 1

            task = asyncio.create_task(reader())
            await asyncio.sleep(offset % (CHUNK_MS / 1000))  # deadlines spread within the 20 ms grid too
            t0 = time.perf_counter()
            k = int(offset * 1000 // CHUNK_MS)  # start mid-cycle: phases differ, the clock does not
            t0 -= k * CHUNK_MS / 1000
            end = k + int(seconds * 1000 // CHUNK_MS)
            while k < end:
                due = t0 + k * CHUNK_MS / 1000
                now = time.perf_counter()
                if due > now:
                    await asyncio.sleep(due - now)
                stats.lag.append((time.perf_counter() - due) * 1000)
                chunk = pcm_cycle[k % len(pcm_cycle)]
                sent_at.append(time.perf_counter())
                await ws.send(orjson.dumps({"type": "input_audio_buffer.append", "audio": chunk}).decode())
                k += 1
            await asyncio.sleep(0.5)
            task.cancel()
    except Exception:
        stats.dropped += 1


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(p / 100 * len(s)))]


async def level(url: str, n: int, seconds: float, cycle: list[bytes]) -> Stats:
    stats = Stats()
    # independent users: spread the sessions' phases evenly over one speech+silence cycle
    cycle_s = (SPEECH_MS + SILENCE_MS) / 1000
    offsets = [i / n * cycle_s for i in range(n)]
    await asyncio.gather(*(session(url, cycle, seconds, stats, off) for off in offsets))
    return stats


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--levels", default="1,10,50,100,200")
    ap.add_argument("--seconds", type=float, default=12.0)
    ap.add_argument("--url", help="benchmark an already running server instead of starting one")
    ap.add_argument("--p99-bound", type=float, default=150.0, help="p99 latency bound in ms (default 150)")
    args = ap.parse_args()

    proc = None
    if args.url:
        url = args.url
    else:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rtinspect", "serve", "--port", "0", "--transcriber", "none"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert proc.stdout is not None
        m = re.search(r"ws://\S+/v1/realtime", proc.stdout.readline())
        if not m:
            print("server did not start", file=sys.stderr)
            return 1
        url = m.group(0)
    url += "?model=gpt-realtime"
    try:
        pcm = speech_pcm() + bytes(48 * SILENCE_MS)
        step = 48 * CHUNK_MS
        cycle = [base64.b64encode(pcm[i : i + step]).decode() for i in range(0, len(pcm), step)]
        print(
            f"{os.cpu_count()} CPUs; each session: {SPEECH_MS} ms speech + {SILENCE_MS} ms silence in {CHUNK_MS} ms chunks, real time, {args.seconds:.0f} s"
        )
        print(
            f"{'sessions':>8} {'turns':>6} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'client lag p99':>15} {'dropped':>8} {'held':>5}"
        )
        for n in (int(x) for x in args.levels.split(",")):
            stats = asyncio.run(level(url, n, args.seconds, cycle))
            lat = stats.latencies
            expected = n * int(args.seconds * 1000 // (SPEECH_MS + SILENCE_MS))
            held = (
                stats.dropped == 0 and lat and pct(lat, 99) <= args.p99_bound and len(lat) >= 0.9 * expected
            )
            print(
                f"{n:>8} {len(lat):>6} {pct(lat, 50):>7.1f} {pct(lat, 99):>7.1f} {max(lat, default=float('nan')):>7.1f} "
                f"{pct(stats.lag, 99):>15.1f} {stats.dropped:>8} {'yes' if held else 'NO':>5}"
            )
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
