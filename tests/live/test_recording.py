"""Recording a live `send`: pacing measured from the log's own timestamps, and a SIGKILL mid-session."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from rtinspect.cli import main
from rtinspect.log import LogReader
from rtinspect.server import ServerThread

RECORDINGS = Path(__file__).resolve().parents[2] / "recordings"
AUTH = ["--header", "Authorization: Bearer local-test-token"]


def append_times(log: Path) -> list[float]:
    with LogReader.open(log) as reader:
        return [r.t for r in reader if r.type == "input_audio_buffer.append"]


def test_realtime_pacing_in_the_recorded_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ga_server: ServerThread
) -> None:
    log = tmp_path / "paced.jsonl"
    wav = RECORDINGS / "hello_24k_mono.wav"
    code = main(
        [
            "send",
            str(wav),
            "--url",
            ga_server.url,
            *AUTH,
            "--realtime",
            "--chunk-ms",
            "20",
            "--record",
            str(log),
        ]
    )
    assert code == 0, capsys.readouterr().out
    times = np.array(append_times(log))
    n = len(times)
    assert n == int(np.ceil((sf.info(wav).frames / 24000 + 0.6) / 0.02))  # audio + 600 ms trailing silence
    offsets = times - times[0] - np.arange(n) * 0.020
    # Structural: never ahead of schedule (chunk k is not sent before start + k * 20 ms) ...
    assert offsets.min() > -0.002
    # ... and it did not run as fast as possible or fall seconds behind (generous on a shared machine).
    assert times[-1] - times[0] >= (n - 1) * 0.020 - 0.002
    assert offsets.max() < 1.0


def test_fast_mode_does_not_pace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ga_server: ServerThread
) -> None:
    log = tmp_path / "fast.jsonl"
    wav = RECORDINGS / "weather_16k_mono.wav"
    assert (
        main(
            [
                "send",
                str(wav),
                "--url",
                ga_server.url,
                *AUTH,
                "--fast",
                "--chunk-ms",
                "20",
                "--record",
                str(log),
            ]
        )
        == 0
    )
    times = append_times(log)
    audio_s = len(times) * 0.020
    assert times[-1] - times[0] < audio_s  # faster than real time, whatever the machine


def test_sigkill_mid_session_leaves_a_readable_log(tmp_path: Path) -> None:
    speech, rate = sf.read(RECORDINGS / "hello_24k_mono.wav", dtype="float32")
    long_wav = tmp_path / "long.wav"
    sf.write(long_wav, np.concatenate([speech, np.zeros(rate // 2, "float32")] * 8), rate)  # ~14 s
    log = tmp_path / "killed.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AZURE_OPENAI_"))}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rtinspect",
            "send",
            str(long_wav),
            "--realtime",
            "--chunk-ms",
            "20",
            "--record",
            str(log),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if log.exists() and log.read_bytes().count(b"\n") >= 60:
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    whole_lines = log.read_bytes().count(b"\n")
    with LogReader.open(log) as reader:
        events = list(reader)
        assert len(events) >= whole_lines - 1  # every whole line after the header is an event
        assert reader.header["url"].startswith("ws://127.0.0.1:")
    types = [r.type for r in events]
    assert types[0] == "rtinspect.connection.opened" and "session.created" in types
    assert types.count("input_audio_buffer.append") >= 40
    assert "rtinspect.connection.closed" not in types  # it died; the log says only what happened


async def test_a_drop_mid_send_is_recorded_and_fails(tmp_path: Path) -> None:
    import json

    from websockets.asyncio.server import ServerConnection, serve

    from rtinspect.transport.headless import HeadlessSend, SendOptions

    async def flaky(ws: ServerConnection) -> None:
        await ws.send(json.dumps({"type": "session.created", "session": {"id": "sess_x"}}))
        for _ in range(5):
            await ws.recv()
        ws.transport.abort()  # the network goes away mid-stream

    log = tmp_path / "dropped.jsonl"
    lines: list[str] = []
    async with serve(flaky, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        opts = SendOptions(
            files=[str(RECORDINGS / "hello_24k_mono.wav")],
            url=f"ws://127.0.0.1:{port}/v1/realtime",
            realtime=False,
            record=str(log),
            timeout=5,
            env={},
            out=lines.append,
            err=lines.append,
        )
        code = await HeadlessSend(opts).run()
    assert code == 1
    assert any("by network" in line for line in lines), lines
    with LogReader.open(log) as reader:
        events = list(reader)
    closed = [r for r in events if r.type == "rtinspect.connection.closed"]
    assert len(closed) == 1 and closed[0].event["by"] == "network" and closed[0].event["code"] == 1006
    assert sum(r.type == "input_audio_buffer.append" for r in events) >= 5
