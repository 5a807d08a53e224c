"""Export: WAV files that hold exactly the session's audio, a readable transcript, a runnable script."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from websockets.asyncio.client import connect

from rtinspect.audio.convert import ulaw_encode
from rtinspect.exchange.audio_export import export_audio
from rtinspect.exchange.logio import open_writer, read_log
from rtinspect.exchange.markdown import render_markdown
from rtinspect.exchange.script import write_script
from rtinspect.proxy import ProxyServer
from rtinspect.server import EmbeddedServer
from rtinspect.tap import Tapped

KEY = "sk-canaryEXPORT0123456789abcdef"


def tone(ms: int, freq: float = 220.0) -> np.ndarray:
    t = np.arange(24 * ms) / 24000
    return (np.sin(2 * np.pi * freq * t) * 8000).astype("<i2")


async def record(path: Path) -> np.ndarray:
    """Through the recording proxy: an empty commit (the failure), then a 300 ms turn and a response."""
    pcm = tone(300)
    async with (
        EmbeddedServer(port=0, transcriber=None) as server,
        ProxyServer("127.0.0.1", 0, server.url, record=path, env_key="") as px,
    ):
        async with connect(
            px.url + "/v1/realtime?model=gpt-realtime", additional_headers={"Authorization": f"Bearer {KEY}"}
        ) as ws:

            async def until(type_: str) -> None:
                while json.loads(await asyncio.wait_for(ws.recv(), 20))["type"] != type_:
                    pass

            await until("session.created")
            off = {"type": "realtime", "audio": {"input": {"turn_detection": None}}}
            await ws.send(json.dumps({"type": "session.update", "session": off}))
            await until("session.updated")
            await ws.send(json.dumps({"type": "input_audio_buffer.commit"}))
            await until("error")
            for i in range(0, len(pcm), 2400):
                chunk = base64.b64encode(pcm[i : i + 2400].tobytes()).decode()
                await ws.send(json.dumps({"type": "input_audio_buffer.append", "audio": chunk}))
            await ws.send(json.dumps({"type": "input_audio_buffer.commit"}))
            await ws.send(json.dumps({"type": "response.create"}))
            await until("response.done")
        for _ in range(200):
            if px.sessions[0].closed.is_set():
                break
            await asyncio.sleep(0.01)
    return pcm


@pytest.fixture
async def recorded(tmp_path: Path) -> tuple[Path, np.ndarray]:
    path = tmp_path / "session.jsonl"
    return path, await record(path)


def test_wav_export_holds_exactly_the_appended_and_answered_audio(recorded, tmp_path: Path) -> None:
    path, pcm = recorded
    result = export_audio(read_log(path), tmp_path / "out")
    names = sorted(p.name for p in result.files)
    assert "input.wav" in names and any(n.startswith("input-01-item_") for n in names)
    data, rate = sf.read(tmp_path / "out" / "input.wav", dtype="int16")
    assert rate == 24000 and np.array_equal(data, pcm)
    out, rate = sf.read(tmp_path / "out" / "output.wav", dtype="int16")
    assert rate == 24000 and len(out) > 0
    assert any(n.startswith("output-01-resp_") for n in names)
    assert result.input_ms == pytest.approx(300.0)


def test_g711_input_is_decoded_and_upsampled(tmp_path: Path) -> None:
    log = tmp_path / "ulaw.jsonl"
    writer = open_writer(log, url="wss://example/v1/realtime?model=m", dialect="ga", model="m")
    session = {
        "audio": {"input": {"format": {"type": "audio/pcmu"}}, "output": {"format": {"type": "audio/pcmu"}}}
    }
    writer(Tapped(0.0, "server", {"type": "session.created", "session": session}))
    pcm8k = (np.sin(2 * np.pi * 300 * np.arange(1600) / 8000) * 8000).astype("<i2")  # 200 ms at 8 kHz
    codes = ulaw_encode(pcm8k).tobytes()
    writer(
        Tapped(
            0.1, "client", {"type": "input_audio_buffer.append", "audio": base64.b64encode(codes).decode()}
        )
    )
    writer(Tapped(0.2, "client", {"type": "input_audio_buffer.append", "audio": "not base64!!"}))
    writer.close()
    result = export_audio(read_log(log), tmp_path / "u")
    data, rate = sf.read(tmp_path / "u" / "input.wav", dtype="int16")
    assert rate == 24000 and len(data) == pytest.approx(4800, abs=48)
    assert result.bad_chunks == 1
    assert (tmp_path / "u" / "input-01-uncommitted.wav").exists()


def test_markdown_transcript_shows_errors_turns_and_findings(recorded) -> None:
    path, _ = recorded
    text = render_markdown(read_log(path), findings=[])
    assert "`input_audio_buffer_commit_empty`" in text
    assert "**user** (audio, 300 ms appended)" in text
    assert "**assistant**: [rtinspect local server]" in text
    assert "## Doctor findings" in text
    assert "| turn detection | `null` |" in text
    assert KEY not in text


def test_export_command_writes_everything_and_the_script_reproduces_the_failure(
    recorded, tmp_path: Path
) -> None:
    path, _ = recorded
    out_dir = tmp_path / "exp"
    done = subprocess.run(
        [sys.executable, "-m", "rtinspect", "export", str(path), "--out", str(out_dir)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert {"input.wav", "output.wav", "transcript.md", "repro.py", "repro-events.jsonl"} <= {
        p.name for p in out_dir.iterdir()
    }
    for p in out_dir.iterdir():
        if p.suffix in (".md", ".py", ".jsonl"):
            assert KEY not in p.read_text()

    async def run_script() -> subprocess.CompletedProcess[str]:
        async with EmbeddedServer(port=0, transcriber=None) as server:
            env = {
                **os.environ,
                "OPENAI_API_KEY": "sk-otherkey0123456789",
                "REALTIME_URL": server.url + "?model=gpt-realtime",
            }
            proc = await asyncio.create_subprocess_exec(
                sys.executable, str(out_dir / "repro.py"), "--speed", "4",
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
            )  # fmt: skip
            out, err = await asyncio.wait_for(proc.communicate(), 60)
            return subprocess.CompletedProcess([], proc.returncode or 0, out.decode(), err.decode())

    ran = asyncio.run(run_script())
    assert ran.returncode == 0, ran.stderr
    assert "< error input_audio_buffer_commit_empty" in ran.stdout  # the recorded failure, reproduced
    assert "> input_audio_buffer.append" in ran.stdout and "< response.done" in ran.stdout
    assert "closed: code 1000" in ran.stdout


def test_script_defaults_to_the_real_api_for_a_local_recording(recorded, tmp_path: Path) -> None:
    path, _ = recorded
    script, events = write_script(read_log(path), tmp_path / "s")
    text = script.read_text()
    assert "DEFAULT_URL = 'wss://api.openai.com/v1/realtime?model=gpt-realtime'" in text
    compile(text, str(script), "exec")
    types = [json.loads(line)["event"]["type"] for line in events.read_text().splitlines()]
    assert types == ["session.update", "input_audio_buffer.commit"] + ["input_audio_buffer.append"] * 3 + [
        "input_audio_buffer.commit",
        "response.create",
    ]


def test_export_of_a_non_log_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "x.jsonl"
    bad.write_text("hello\n")
    done = subprocess.run(
        [sys.executable, "-m", "rtinspect", "export", str(bad)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1


def test_har_export_then_import_gives_back_the_same_events(recorded, tmp_path: Path) -> None:
    path, _ = recorded
    done = subprocess.run(
        [sys.executable, "-m", "rtinspect", "export", str(path), "--har", "--out", str(tmp_path / "h")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    from rtinspect.exchange.importer import import_file

    [(_, back)] = import_file(tmp_path / "h" / "session.har", tmp_path / "back.jsonl")
    original = [(r.dir, r.event) for r in read_log(path).records if r.dir != "meta"]
    again = read_log(back)
    assert [(r.dir, r.event) for r in again.records if r.dir != "meta"] == original
    assert again.header["model"] == "gpt-realtime"
    assert KEY not in (tmp_path / "h" / "session.har").read_text()
