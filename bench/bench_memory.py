"""Peak RSS of the commands that read big inputs: bounded memory, whatever the input's size.

Measures, each in its own process (``os.wait4`` gives that process's own peak RSS):

- ``rtinspect send WAV --fast`` of a 2-hour WAV (24 kHz mono pcm16, speech-like bursts: a VAD turn
  every 4 s) against the embedded server;
- ``rtinspect export``, ``rtinspect replay --as-fast-as-possible --compare`` and ``rtinspect import`` of a 1M-line log shaped
  like a voice session: ~55 % ``input_audio_buffer.append`` of 20-40 ms pcm16, ~25 %
  ``response.output_audio.delta``, the rest VAD, items, transcripts and response lifecycle events
  (``import`` reads the same session written as another tool's JSON Lines, realtime-console style,
  and ``import`` of the rtinspect log itself must refuse at once); ``import-har``: ``import`` of the
  same session saved as a Chrome DevTools HAR (one JSON document, one socket entry holding every frame);
- ``server``: ``rtinspect serve`` fed ``--appends`` 20 ms appends of a steady tone with server VAD on (speech
  that never stops, so no turn ends): its RSS after them, and its peak once the turn is committed.

Target: each at most 300 MB. ``--baseline REF`` runs the same commands on another commit (e.g. the
one before the streaming work) in the same run, for the before/after figures; a baseline run is
stopped at ``--cap-mb`` of RSS or ``--timeout`` seconds and reported as "at least".

    python -m bench.bench_memory                       # 2-hour WAV, 1M lines (~5 min to generate)
    python -m bench.bench_memory --lines 20000 --wav-minutes 2   # smoke run
    python -m bench.bench_memory --baseline 936f08a

Inputs are generated into a temporary folder (``--keep`` keeps it) and never committed.
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson

ROOT = Path(__file__).resolve().parents[1]
RATE = 24_000
TARGET_MB = 300


# -- inputs ------------------------------------------------------------------------------------------
def make_wav(path: Path, minutes: float) -> None:
    """Speech-like audio, written a block at a time: 3 s of voiced bursts, 1 s of quiet, repeated."""
    import soundfile as sf

    rng = np.random.default_rng(3)
    period = 4 * RATE
    t = np.arange(period) / RATE
    voiced = (t < 3.0).astype(np.float32)
    envelope = voiced * (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)) ** 2
    with sf.SoundFile(str(path), "w", RATE, 1, subtype="PCM_16", format="WAV") as f:
        for _ in range(int(minutes * 60 / 4)):
            tone = 0.3 * np.sin(2 * np.pi * (140 + 40 * rng.random()) * t)
            block = (tone + 0.05 * rng.standard_normal(period)) * envelope + 0.002 * rng.standard_normal(
                period
            )
            f.write(block.astype(np.float32))


def _chunks(n: int, seed: int, level: float = 1.0) -> list[str]:
    """``n`` distinct base64 pcm16 chunks of 20-40 ms (tone and noise; ``level`` 0.01 is a pause)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        ms = int(rng.integers(20, 41))
        samples = RATE * ms // 1000
        x = 0.2 * np.sin(2 * np.pi * 180 * np.arange(samples) / RATE) + 0.05 * rng.standard_normal(samples)
        x *= level
        out.append(base64.b64encode((x * 32767).astype("<i2").tobytes()).decode())
    return out


def session_events(lines: int) -> Iterator[tuple[float, str, dict[str, Any]]]:
    """``lines`` events of a GA voice session: per turn 55 appends (40 voiced, then a pause), 25 output
    audio deltas, 20 others."""
    ins, quiet, outs = _chunks(64, 1), _chunks(16, 3, level=0.005), _chunks(64, 2)
    session = {"type": "realtime", "model": "gpt-realtime", "audio": {"input": {"format": {"type": "audio/pcm", "rate": 24000}, "turn_detection": {"type": "server_vad"}}}}  # fmt: skip
    yield 0.0, "server", {"type": "session.created", "event_id": "event_0", "session": session}
    t, n, turn = 0.01, 1, 0
    while n < lines:
        turn += 1
        item, resp = f"item_{turn:07d}", f"resp_{turn:07d}"
        batch: list[tuple[str, dict[str, Any]]] = [("server", {"type": "input_audio_buffer.speech_started", "audio_start_ms": turn * 4000, "item_id": item})]  # fmt: skip
        # 40 voiced appends, then a pause of 15 (~450 ms): server VAD ends the turn as in a real session
        batch += [("client", {"type": "input_audio_buffer.append", "audio": ins[(turn + k) % 64] if k < 40 else quiet[k % 16]}) for k in range(55)]  # fmt: skip
        batch += [
            ("server", {"type": "input_audio_buffer.speech_stopped", "audio_end_ms": turn * 4000 + 2200, "item_id": item}),
            ("server", {"type": "input_audio_buffer.committed", "item_id": item, "previous_item_id": None}),
            ("server", {"type": "conversation.item.added", "item": {"id": item, "type": "message", "role": "user", "content": [{"type": "input_audio", "transcript": None}]}}),
            ("server", {"type": "conversation.item.done", "item": {"id": item, "type": "message", "role": "user", "content": [{"type": "input_audio", "transcript": None}]}}),
            ("server", {"type": "response.created", "response": {"id": resp, "status": "in_progress", "output": []}}),
            ("server", {"type": "response.output_item.added", "response_id": resp, "output_index": 0, "item": {"id": f"out_{turn}", "type": "message"}}),
            ("server", {"type": "response.content_part.added", "response_id": resp, "item_id": f"out_{turn}", "output_index": 0, "content_index": 0, "part": {"type": "audio"}}),
        ]  # fmt: skip
        for k in range(25):
            batch.append(("server", {"type": "response.output_audio.delta", "response_id": resp, "item_id": f"out_{turn}", "output_index": 0, "content_index": 0, "delta": outs[(turn + k) % 64], "obfuscation": "abc"}))  # fmt: skip
            if k % 4 == 0 and k < 24:
                batch.append(("server", {"type": "response.output_audio_transcript.delta", "response_id": resp, "item_id": f"out_{turn}", "delta": " word", "obfuscation": "xy"}))  # fmt: skip
        batch += [
            ("server", {"type": "response.output_audio.done", "response_id": resp, "item_id": f"out_{turn}"}),
            ("server", {"type": "response.output_audio_transcript.done", "response_id": resp, "item_id": f"out_{turn}", "transcript": "word " * 6}),
            ("server", {"type": "response.done", "response": {"id": resp, "status": "completed", "usage": {"total_tokens": 120, "input_tokens": 80, "output_tokens": 40}}}),
        ]  # fmt: skip
        for direction, event in batch:
            if n >= lines:
                return
            t += 0.03 if event["type"] == "input_audio_buffer.append" else 0.004
            yield t, direction, event
            n += 1


def make_logs(folder: Path, lines: int) -> tuple[Path, Path]:
    """The session as an rtinspect log (the real writer) and as another tool's JSON Lines."""
    from rtinspect.log import LogWriter
    from rtinspect.tap import META_CONNECTION_OPENED, Tapped

    log, foreign = folder / "session.jsonl", folder / "console-events.jsonl"
    with LogWriter(log, url="wss://api.openai.com/v1/realtime?model=gpt-realtime", dialect="ga", model="gpt-realtime") as writer, foreign.open("wb") as other:  # fmt: skip
        writer.write(Tapped(0.0, "meta", {"type": META_CONNECTION_OPENED, "url": "wss://api.openai.com/v1/realtime?model=gpt-realtime", "dialect": "ga"}))  # fmt: skip
        for t, direction, event in session_events(lines - 1):
            writer.write(Tapped(t, direction, event))  # type: ignore[arg-type]
            other.write(
                orjson.dumps({"time": 1_764_000_000 + t, "source": direction, "event": event}) + b"\n"
            )
    return log, foreign


def make_har(folder: Path, lines: int) -> Path:
    """The same session as a Chrome DevTools HAR: one Realtime socket entry holding every frame (a
    HAR is one JSON document; DevTools writes a socket's frames into its entry), after a page entry."""
    har = folder / "devtools.har"
    t0 = 1_764_000_000.0
    with har.open("wb") as f:
        page = {"request": {"method": "GET", "url": "https://app.example/", "headers": []}, "response": {"status": 200, "content": {"size": 5, "text": "hello"}}}  # fmt: skip
        sock = {"_resourceType": "websocket", "request": {"method": "GET", "url": "wss://api.openai.com/v1/realtime?model=gpt-realtime", "headers": [{"name": "Authorization", "value": "Bearer sk-bench-not-a-key-0123456789"}]}, "startedDateTime": "2025-11-24T16:00:00.000Z"}  # fmt: skip
        head = orjson.dumps({"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"}, "entries": [page, sock]}})  # fmt: skip
        f.write(head[: -len(b"}]}}")] + b', "_webSocketMessages": [\n')
        for n, (t, direction, event) in enumerate(session_events(lines)):
            frame = {"type": "send" if direction == "client" else "receive", "time": t0 + t, "opcode": 1, "data": orjson.dumps(event).decode()}  # fmt: skip
            f.write((b",\n" if n else b"") + orjson.dumps(frame))
        f.write(b"\n]}]}}\n")
    return har


# -- measuring ---------------------------------------------------------------------------------------
def _proc_mb(pid: int, field: str = "VmRSS") -> float:
    """A memory field of /proc/PID/status in MB (0 once the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def measure_argv(
    argv: list[str],
    *,
    pythonpath: str | None,
    cap_mb: float,
    timeout: float,
    env: dict[str, str],
    stdout: Path | None = None,
    quiet_codes: tuple[int, ...] = (0,),
) -> tuple[float, float, str]:
    """(peak RSS MB, seconds, how it ended) of ``python ARGV`` in its own process (``os.wait4`` gives
    that process's own peak), its stdout kept in ``stdout`` if given; stopped above ``cap_mb`` or after
    ``timeout``. An exit code outside ``quiet_codes`` is reported with stderr's last line."""
    run_env = dict(env)
    if pythonpath:
        run_env["PYTHONPATH"] = pythonpath
    started = time.monotonic()
    with tempfile.TemporaryFile() as errf, stdout.open("wb") if stdout else open(os.devnull, "wb") as outf:
        proc = subprocess.Popen(
            [sys.executable, *argv], stdout=outf, stderr=errf, env=run_env, cwd=pythonpath or str(ROOT)
        )
        how = ""
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if not how and _proc_mb(proc.pid) > cap_mb:
                how = f"stopped at the {cap_mb:.0f} MB cap"
                os.kill(proc.pid, signal.SIGKILL)
            elif not how and time.monotonic() - started > timeout:
                how = f"stopped after {timeout:.0f} s"
                os.kill(proc.pid, signal.SIGKILL)
            time.sleep(0.05)
        code = os.waitstatus_to_exitcode(status)
        errf.seek(0)
        err = errf.read().decode(errors="replace").strip()
    if not how:
        how = f"exit {code}" + (f": {err.splitlines()[-1][:110]}" if code not in quiet_codes and err else "")
    return usage.ru_maxrss / 1024, time.monotonic() - started, how


def measure(
    args: list[str], *, pythonpath: str | None, cap_mb: float, timeout: float, env: dict[str, str]
) -> tuple[float, float, str]:
    """(peak RSS MB, seconds, how it ended) of ``python -m rtinspect ARGS`` in its own process."""
    return measure_argv(
        ["-m", "rtinspect", *args], pythonpath=pythonpath, cap_mb=cap_mb, timeout=timeout, env=env
    )


def measure_server(
    appends: int, *, pythonpath: str | None, env: dict[str, str], timeout: float
) -> tuple[float, float, float, str]:
    """The embedded server (``rtinspect serve``, its own process) fed ``appends`` 20 ms appends of a steady
    tone with server VAD on: speech that never stops, so no turn ends. (RSS after the appends, peak RSS
    once the speaker stops and the turn is committed, seconds, how it ended)."""
    import asyncio

    from websockets.asyncio.client import connect

    run_env = dict(env)
    if pythonpath:
        run_env["PYTHONPATH"] = pythonpath
    proc = subprocess.Popen(
        [sys.executable, "-m", "rtinspect", "serve", "--port", "0", "--transcriber", "none"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=run_env, cwd=pythonpath or str(ROOT), text=True,
    )  # fmt: skip
    t = np.arange(480) / RATE
    tone = base64.b64encode((np.sin(2 * np.pi * 220 * t) * 8000).astype("<i2").tobytes()).decode()
    quiet = base64.b64encode(bytes(2 * RATE * 600 // 1000)).decode()

    async def drive(url: str) -> tuple[float, float]:
        async with connect(url + "?model=gpt-realtime", additional_headers={"Authorization": "Bearer sk-local"}, max_size=None) as ws:  # fmt: skip
            session = {"type": "realtime", "audio": {"input": {"turn_detection": {"type": "server_vad", "create_response": False}}}}  # fmt: skip
            await ws.send(orjson.dumps({"type": "session.update", "session": session}).decode())
            append = orjson.dumps({"type": "input_audio_buffer.append", "audio": tone}).decode()
            for _ in range(appends):
                await ws.send(append)
            # answered in order: once this error arrives, every append before it was taken in
            await ws.send(orjson.dumps({"type": "conversation.item.retrieve", "item_id": "none"}).decode())
            while orjson.loads(await ws.recv())["type"] != "error":
                pass
            after = _proc_mb(proc.pid, "VmRSS")
            await ws.send(orjson.dumps({"type": "input_audio_buffer.append", "audio": quiet}).decode())
            while orjson.loads(await ws.recv())["type"] != "conversation.item.done":
                pass
            return after, _proc_mb(proc.pid, "VmHWM")

    started = time.monotonic()
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().rsplit(" at ", 1)[-1].strip()
        after, peak = asyncio.run(asyncio.wait_for(drive(url), timeout))
        how = "turn committed"
    except Exception as err:  # noqa: BLE001 - a baseline that fails is reported, not raised
        after, peak, how = _proc_mb(proc.pid, "VmRSS"), _proc_mb(proc.pid, "VmHWM"), f"failed: {err!r}"[:100]
    finally:
        proc.terminate()
        proc.wait(10)
    return after, peak, time.monotonic() - started, how


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lines", type=int, default=1_000_000)
    p.add_argument("--wav-minutes", type=float, default=120)
    p.add_argument("--baseline", metavar="REF", help="also run the commands on this commit, for comparison")
    p.add_argument("--baseline-rows", nargs="*", default=None, help="run the baseline for these rows only")
    p.add_argument("--cap-mb", type=float, default=3000, help="stop a run above this RSS (baseline safety)")
    p.add_argument("--timeout", type=float, default=1200, help="stop a run after this many seconds")
    p.add_argument(
        "--only", nargs="*", default=None, help="send export replay import refuse import-har server"
    )
    p.add_argument("--keep", action="store_true", help="keep the generated inputs")
    p.add_argument(
        "--appends", type=int, default=100_000, help="appends of endless speech for the server row"
    )
    args = p.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="rtinspect-bench-mem-"))
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY")}
    trees: list[tuple[str, str | None]] = [("this tree", None)]
    base_tree = None
    try:
        t0 = time.monotonic()
        wav = folder / "two-hours.wav"
        make_wav(wav, args.wav_minutes)
        log, foreign = make_logs(folder, args.lines)
        har = make_har(folder, args.lines)
        print(f"inputs in {time.monotonic() - t0:.0f} s: {wav.name} {wav.stat().st_size / 2**20:.0f} MB "
              f"({args.wav_minutes:g} min), {log.name} {log.stat().st_size / 2**20:.0f} MB ({args.lines:,} lines), "
              f"{foreign.name} {foreign.stat().st_size / 2**20:.0f} MB, {har.name} {har.stat().st_size / 2**20:.0f} MB")  # fmt: skip
        if args.baseline:
            base_tree = folder / "baseline"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(base_tree), args.baseline], check=True)  # fmt: skip
            trees.append((f"baseline {args.baseline}", str(base_tree)))
        runs = {
            "send": ["send", str(wav), "--fast", "--timeout", "60"],
            "export": ["export", str(log), "--out", "{out}/export"],
            "replay": [
                "replay",
                str(log),
                "--as-fast-as-possible",
                "--compare",
                "--record",
                "{out}/replay.jsonl",
            ],
            "import": ["import", str(foreign), "-o", "{out}/imported.jsonl"],
            "refuse": ["import", str(log), "-o", "{out}/refused.jsonl"],
            "import-har": ["import", str(har), "-o", "{out}/har.jsonl"],
        }
        print(f"{'command':<10} {'tree':<22} {'peak RSS':>10} {'time':>8}  result")
        for name, cmd in runs.items():
            if args.only and name not in args.only:
                continue
            for label, tree in trees:
                if tree and args.baseline_rows is not None and name not in args.baseline_rows:
                    continue
                out = folder / f"out-{name}-{'base' if tree else 'this'}"
                out.mkdir(exist_ok=True)
                argv = [a.replace("{out}", str(out)) for a in cmd]
                rss, took, how = measure(
                    argv, pythonpath=tree, cap_mb=args.cap_mb, timeout=args.timeout, env=env
                )
                mark = "" if tree else ("  ok" if rss <= TARGET_MB else f"  OVER {TARGET_MB} MB")
                at_least = ">=" if how.startswith("stopped") else "  "
                print(f"{name:<10} {label:<22} {at_least}{rss:7.0f} MB {took:7.1f}s  {how}{mark}", flush=True)
                shutil.rmtree(out, ignore_errors=True)
        if not args.only or "server" in args.only:
            for label, tree in trees:
                if tree and args.baseline_rows is not None and "server" not in args.baseline_rows:
                    continue
                after, peak, took, how = measure_server(
                    args.appends, pythonpath=tree, env=env, timeout=args.timeout
                )
                mark = "" if tree else ("  ok" if peak <= TARGET_MB else f"  OVER {TARGET_MB} MB")
                print(f"{'server':<10} {label:<22}   {after:7.0f} MB {took:7.1f}s  RSS after {args.appends:,} appends "
                      f"of endless speech; peak {peak:.0f} MB with the turn's commit; {how}{mark}", flush=True)  # fmt: skip
    finally:
        if base_tree is not None:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base_tree)], capture_output=True)  # fmt: skip
        if args.keep:
            print(f"inputs kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
