"""The worst event-loop stall while 1, 10 and 50 sessions stream speech with transcription on.

A stall is how late a probe task wakes: it sleeps 5 ms, over and over, on the loop being measured, and
records how much later than 5 ms it woke. Target: no stall above 50 ms (a few frames of the TUI).

Each row runs the server in a child process of its own, as users run it, in one of two layouts:
- ``serve``: ``rtinspect serve``: the server's own event loop is probed (a stall there holds up every
  session of the server);
- ``tui``: the TUI's layout: the server in a daemon thread of the process (``ServerThread``) and the probe
  on the main thread's event loop, standing in for Textual's (a stall there freezes the screen);
- ``textual``: the TUI itself, headless (``build_live`` + ``App.run_test``), the probe on Textual's loop: the
  app's own session streams the speech file through its controller (the `a` key's path) with transcription
  on, and N-1 further sessions come from this process as in the other layouts;
and with one of two transcription backends, measured in the same run:
- ``thread``: pocketsphinx in-process on a thread (the baseline: how the server transcribed before);
- ``pool``: pocketsphinx in the server's worker-process pool;
- ``none``: no transcriber (the sessions still ask for it): the stall the same traffic causes without any
  decoding, the floor the other two are read against.

This process plays the N clients: each sends a ``session.update`` turning transcription on (server VAD,
the defaults otherwise), then streams real speech (espeak-ng, ~2 s, else a tone) and 700 ms of silence in
20 ms chunks at real time, for ``--seconds``. Each row also says how many turns were transcribed and how
long a transcript took (commit to ``.completed``), so a backend cannot look good by doing less.

    .venv/bin/python -m bench.bench_stall [--levels 1,10,50] [--seconds 10] [--layouts serve,tui]
                                          [--backends thread,pool]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import orjson
from websockets.asyncio.client import connect

CHUNK_MS = 20
SILENCE_MS = 700
PROBE_S = 0.005
TARGET_MS = 50.0
SPOKEN = "what is the weather like in Paris today"
SESSION = {
    "type": "realtime",
    "audio": {"input": {"transcription": {"model": "whisper-1"}}},
}


# -- the child: a server and a probe on the loop under test -------------------------------------------


class Probe:
    """Sleeps PROBE_S on the loop under test and keeps how late each wake-up was (ms)."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self.running = False

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            t0 = time.perf_counter()
            await asyncio.sleep(PROBE_S)
            if self.running:
                self.lags.append((time.perf_counter() - t0 - PROBE_S) * 1000)


def _backend(name: str) -> object:
    from rtinspect.server.transcribe import PocketsphinxTranscriber, TranscriberPool

    if name == "none":  # the reference: the same sessions, nothing transcribed (the loop's own load)
        return "none"
    return PocketsphinxTranscriber() if name == "thread" else TranscriberPool(PocketsphinxTranscriber)


class _Count:
    """A tap sink counting the app session's turns and transcripts (textual layout)."""

    def __init__(self) -> None:
        self.committed = self.transcribed = self.failed = 0

    def __call__(self, rec: object) -> None:
        kind = getattr(rec, "event", {}).get("type")
        if kind == "input_audio_buffer.committed":
            self.committed += 1
        elif kind == "conversation.item.input_audio_transcription.completed":
            self.transcribed += 1
        elif kind == "conversation.item.input_audio_transcription.failed":
            self.failed += 1


async def _child_textual(backend: object, wav: str) -> None:
    """The TUI, headless, on this loop; its own session streams ``wav`` over and over between go and stop."""
    from rtinspect.server import ServerThread
    from rtinspect.tui.session import build_live

    thread = ServerThread(port=0, transcriber=backend).start()
    if hasattr(backend, "load"):
        backend.load()  # type: ignore[attr-defined]
    app = build_live(server=thread, no_record=True)
    ctl = app.controller
    count = _Count()
    ctl.tap.add_sink(count)
    loop = asyncio.get_running_loop()
    go, stop = asyncio.Event(), asyncio.Event()
    probe = Probe()
    async with app.run_test(headless=True, size=(160, 45)):
        for _ in range(400):
            if ctl.connected:
                break
            await asyncio.sleep(0.05)
        await ctl.send({"type": "session.update", "session": SESSION})
        if hasattr(backend, "prepare"):
            backend.prepare()  # type: ignore[attr-defined]

        def read_stdin() -> None:
            for line in sys.stdin:
                loop.call_soon_threadsafe((go if line.strip() == "go" else stop).set)

        threading.Thread(target=read_stdin, daemon=True).start()
        print(thread.url, flush=True)
        task = asyncio.ensure_future(probe.run(stop))
        await go.wait()
        probe.running = True

        async def stream() -> None:
            while not stop.is_set():
                await ctl.stream_file(wav, realtime=True)

        streaming = asyncio.ensure_future(stream())
        await stop.wait()
        await task
        streaming.cancel()
        with contextlib.suppress(BaseException):
            await streaming
        _report(
            probe.lags,
            {"committed": count.committed, "transcribed": count.transcribed, "failed": count.failed},
        )
    thread.stop()
    if hasattr(backend, "close"):
        backend.close()  # type: ignore[attr-defined]


def _report(lags: list[float], extra: dict[str, int] | None = None) -> None:
    print(
        json.dumps(
            {
                "max": max(lags, default=0.0),
                "p99": float(np.percentile(lags, 99)) if lags else 0.0,
                "over": sum(1 for x in lags if x > TARGET_MS),
                "wakes": len(lags),
                **(extra or {}),
            }
        ),
        flush=True,
    )


async def _child_loop(layout: str, backend_name: str, wav: str) -> None:
    """Start the server (on this loop, or in a thread), print its URL, probe between 'go' and 'stop'."""
    from rtinspect.server import EmbeddedServer, ServerThread

    backend = _backend(backend_name)
    if layout == "textual":
        await _child_textual(backend, wav)
        return
    loop = asyncio.get_running_loop()
    go, stop = asyncio.Event(), asyncio.Event()
    probe = Probe()
    if layout == "serve":
        server = EmbeddedServer(port=0, transcriber=backend)  # type: ignore[arg-type]
        await server.start()
        url, thread = server.url, None
    else:
        thread = ServerThread(port=0, transcriber=backend).start()
        url, server = thread.url, None
    if hasattr(backend, "prepare"):
        backend.prepare()  # type: ignore[attr-defined]
    if hasattr(backend, "load"):
        backend.load()  # type: ignore[attr-defined]  # the baseline's model too: stalls are decodes only

    def read_stdin() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe((go if line.strip() == "go" else stop).set)

    threading.Thread(target=read_stdin, daemon=True).start()
    print(url, flush=True)
    task = asyncio.ensure_future(probe.run(stop))
    await go.wait()
    probe.running = True
    await stop.wait()
    await task
    _report(probe.lags)
    if server is not None:
        await server.stop()
    if thread is not None:
        thread.stop()
    if hasattr(backend, "close"):
        backend.close()  # type: ignore[attr-defined]


# -- the parent: N clients streaming speech --------------------------------------------------------------


def speech_pcm() -> bytes:
    """Real speech from espeak-ng at 24 kHz (about 2 s), else a 2 s voiced-like tone."""
    if shutil.which("espeak-ng"):
        import soundfile as sf
        import soxr

        with tempfile.TemporaryDirectory() as tmp:
            wav = os.path.join(tmp, "s.wav")
            subprocess.run(["espeak-ng", "-s", "160", "-w", wav, SPOKEN], check=True, capture_output=True)
            x, rate = sf.read(wav, dtype="int16")
        return soxr.resample(x, rate, 24000).astype("<i2").tobytes()
    t = np.arange(48000) / 24000
    return (np.sin(2 * np.pi * 180 * t) * 8000).astype("<i2").tobytes()


@dataclass
class Turns:
    committed: dict[str, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    failed: int = 0
    dropped: int = 0


async def client(url: str, cycle: list[str], seconds: float, offset: float, turns: Turns) -> None:
    try:
        async with connect(url, additional_headers={"Authorization": "Bearer bench"}, max_size=None) as ws:
            await ws.recv()
            await ws.send(orjson.dumps({"type": "session.update", "session": SESSION}).decode())

            async def reader() -> None:
                async for msg in ws:
                    ev = orjson.loads(msg)
                    kind = ev["type"]
                    if kind == "input_audio_buffer.committed":
                        turns.committed[ev["item_id"]] = time.perf_counter()
                    elif kind == "conversation.item.input_audio_transcription.completed":
                        start = turns.committed.get(ev["item_id"])
                        if start is not None:
                            turns.latencies.append(time.perf_counter() - start)
                    elif kind == "conversation.item.input_audio_transcription.failed":
                        turns.failed += 1

            task = asyncio.create_task(reader())
            k = int(offset * 1000 // CHUNK_MS)  # sessions start at different points of the cycle
            t0 = time.perf_counter() - k * CHUNK_MS / 1000
            end = k + int(seconds * 1000 // CHUNK_MS)
            while k < end:
                due = t0 + k * CHUNK_MS / 1000
                now = time.perf_counter()
                if due > now:
                    await asyncio.sleep(due - now)
                await ws.send(
                    orjson.dumps(
                        {"type": "input_audio_buffer.append", "audio": cycle[k % len(cycle)]}
                    ).decode()
                )
                k += 1
            await asyncio.sleep(1.0)
            task.cancel()
    except Exception:  # noqa: BLE001 - counted, shown in the table
        turns.dropped += 1


def run_row(
    layout: str, backend: str, n: int, seconds: float, cycle: list[str], wav: str
) -> dict[str, float]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_stall", "--child", layout, backend, wav],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        url = proc.stdout.readline().strip() + "?model=gpt-realtime"
        time.sleep(2.0)  # the pool's first worker loads its model
        proc.stdin.write("go\n")
        proc.stdin.flush()
        turns = Turns()
        cycle_s = len(cycle) * CHUNK_MS / 1000

        own = 1 if layout == "textual" else 0  # the app's own session is the first one there

        async def all_clients() -> None:
            clients = (client(url, cycle, seconds, i / n * cycle_s, turns) for i in range(own, n))
            await asyncio.gather(asyncio.sleep(seconds + 1.0), *clients)

        asyncio.run(all_clients())
        proc.stdin.write("stop\n")
        proc.stdin.flush()
        stats = json.loads(proc.stdout.readline())
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    lat = turns.latencies
    stats.update(
        committed=len(turns.committed) + stats.get("committed", 0),
        transcribed=len(lat) + stats.get("transcribed", 0),
        failed=turns.failed + stats.get("failed", 0),
        dropped=turns.dropped,
        t_p50=float(np.percentile(lat, 50)) if lat else float("nan"),
        t_max=max(lat, default=float("nan")),
    )
    return stats


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        asyncio.run(_child_loop(sys.argv[2], sys.argv[3], sys.argv[4]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--levels", default="1,10,50")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--layouts", default="serve,tui,textual")
    ap.add_argument("--backends", default="thread,pool,none")
    args = ap.parse_args()
    pcm = speech_pcm() + bytes(48 * SILENCE_MS)
    wav_dir = tempfile.TemporaryDirectory()
    wav = os.path.join(wav_dir.name, "speech.wav")
    import soundfile as sf

    sf.write(wav, np.frombuffer(pcm, dtype="<i2"), 24000, subtype="PCM_16")
    step = 48 * CHUNK_MS
    cycle = [base64.b64encode(pcm[i : i + step]).decode() for i in range(0, len(pcm), step)]
    from rtinspect.server.transcribe import default_workers

    print(
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; pool workers {default_workers()}; "
        f"each session: {len(pcm) / 48 - SILENCE_MS:.0f} ms of speech + {SILENCE_MS} ms silence, real time, "
        f"{args.seconds:.0f} s; probe sleeps {PROBE_S * 1000:.0f} ms; target worst stall <= {TARGET_MS:.0f} ms"
    )
    print(
        f"{'layout':<6} {'backend':<7} {'sessions':>8} {'worst ms':>9} {'p99 ms':>7} {'>50ms':>6} "
        f"{'turns':>6} {'transcribed':>11} {'failed':>6} {'t p50 s':>8} {'t max s':>8} {'ok':>4}"
    )
    for layout in args.layouts.split(","):
        for n in (int(x) for x in args.levels.split(",")):
            for backend in args.backends.split(","):
                r = run_row(layout, backend, n, args.seconds, cycle, wav)
                ok = r["max"] <= TARGET_MS and r["dropped"] == 0
                print(
                    f"{layout:<6} {backend:<7} {n:>8} {r['max']:>9.1f} {r['p99']:>7.1f} {r['over']:>6} "
                    f"{r['committed']:>6} {r['transcribed']:>11} {r['failed']:>6} {r['t_p50']:>8.2f} "
                    f"{r['t_max']:>8.2f} {'yes' if ok else 'NO':>4}",
                    flush=True,
                )
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
