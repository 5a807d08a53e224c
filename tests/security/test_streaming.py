"""Streaming everywhere: block-wise audio gives the same bytes as a whole-file pass, export makes one
pass for every output, the importer streams JSON Lines and arrays and recognises an rtinspect log
from its first line alone."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rtinspect.audio import encode_for, load_audio
from rtinspect.audio.formats import make_format
from rtinspect.audio.stream import encoded_blocks, stream_bytes
from rtinspect.errors import UserError
from rtinspect.exchange.har import session_to_har, write_har
from rtinspect.exchange.importer import import_file, read_sessions
from rtinspect.exchange.logio import read_log
from rtinspect.tap import EventTap, Tapped

ROOT = Path(__file__).resolve().parents[2]
WAVS = ["hello_44k_float.wav", "hello_48k_stereo.wav", "hello_8k_ulaw.wav", "hello_24k_mono.wav"]


@pytest.mark.parametrize("name", WAVS)
@pytest.mark.parametrize("fmt", [("pcm16", 24000), ("g711_ulaw", 8000), ("pcm16", 16000)])
def test_block_wise_conversion_is_bit_for_bit_the_whole_file_one(name: str, fmt: tuple[str, int]) -> None:
    path = ROOT / "recordings" / name
    wire = make_format(*fmt)
    clip = load_audio(path)
    assert b"".join(encoded_blocks(path, wire, clip.rate)) == encode_for(clip, wire)


class _Client:
    def __init__(self) -> None:
        self.tap = EventTap()
        self.events: list[Tapped] = []
        self.sent: list[str] = []

    async def send(self, event: dict) -> Tapped:
        if event["type"] == "input_audio_buffer.append":
            self.sent.append(event["audio"])
        return self.tap.tap("client", event)


@pytest.mark.parametrize("split", [1, 7, 4800, 10**6])
def test_streamed_blocks_make_the_same_appends_as_bytes(split: int) -> None:
    fmt = make_format("pcm16", 24000)
    data = (np.arange(50_000, dtype="<i2") * 7).tobytes()
    whole, blocks = _Client(), _Client()
    a = asyncio.run(stream_bytes(whole, data, fmt=fmt, realtime=False, vad=True))
    pieces = [data[i : i + split] for i in range(0, len(data), split)]
    b = asyncio.run(stream_bytes(blocks, iter(pieces), fmt=fmt, realtime=False, vad=True))
    assert whole.sent == blocks.sent and a == b
    assert a.audio_ms == len(data) / fmt.bytes_per_ms and a.silence_ms > 0


def _write_log(path: Path, n: int = 300) -> Path:
    from rtinspect.log import LogWriter

    audio = "AAAA" * 200
    with LogWriter(path, url="wss://h/v1/realtime?model=m", dialect="ga", model="m") as w:
        w.write(Tapped(0.0, "server", {"type": "session.created", "session": {"type": "realtime"}}))
        for i in range(n):
            w.write(Tapped(0.01 * i, "client", {"type": "input_audio_buffer.append", "audio": audio}))
            if i % 50 == 49:
                w.write(
                    Tapped(0.01 * i, "server", {"type": "input_audio_buffer.committed", "item_id": f"it{i}"})
                )
                w.write(Tapped(0.01 * i, "server", {"type": "response.output_audio.delta", "response_id": f"r{i}", "delta": audio}))  # fmt: skip
                w.write(Tapped(0.01 * i, "server", {"type": "response.done", "response": {"id": f"r{i}", "status": "completed"}}))  # fmt: skip
    return path


def test_export_every_output_in_one_pass_and_a_streamed_har(tmp_path: Path) -> None:
    log = _write_log(tmp_path / "s.jsonl")
    done = subprocess.run(
        [sys.executable, "-m", "rtinspect", "export", str(log), "--out", str(tmp_path / "x"), "--wav", "--markdown", "--script", "--har"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "audio: 14 WAV file(s)" in done.stdout  # all in/out, 6 committed inputs, 6 responses
    har = json.loads((tmp_path / "x" / "session.har").read_text())
    assert har == json.loads(json.dumps(session_to_har(read_log(log))))
    assert "300 client" in (tmp_path / "x" / "transcript.md").read_text()
    assert len((tmp_path / "x" / "repro-events.jsonl").read_text().splitlines()) == 300
    write_har(read_log(log), tmp_path / "again.har")
    assert json.loads((tmp_path / "again.har").read_text()) == har


def test_import_streams_a_json_array(tmp_path: Path) -> None:
    events = [{"type": "session.created", "session": {"model": "m"}}] + [
        {"type": "input_audio_buffer.append", "audio": "AAAA"} for _ in range(2000)
    ]
    src = tmp_path / "array.json"
    src.write_text(json.dumps(events, indent=2))
    [(session, out)] = import_file(src, tmp_path / "out.jsonl")
    assert session.count("client") == 2000 and session.model == "m"
    assert len(read_log(out).records) == 2001


def test_an_rtinspect_log_is_refused_from_its_first_line(tmp_path: Path) -> None:
    log = _write_log(tmp_path / "s.jsonl", 50)
    with pytest.raises(UserError, match="already an rtinspect log; open it with 'rtinspect open'"):
        read_sessions(log)
    bare = tmp_path / "bare.jsonl"  # a header without its newline: a log with no events, as open sees it
    bare.write_text('{"rtinspect_log": 1, "started": "2026-01-01T00:00:00Z"}')
    with pytest.raises(UserError, match="already an rtinspect log"):
        read_sessions(bare)
    cut = tmp_path / "cut.jsonl"  # the writer stopped inside its header: what open says, not "already"
    cut.write_text('{"rtinspect_log": 1, "started": "2026-01-01T0')
    with pytest.raises(UserError, match="only part of a log header"):
        read_sessions(cut)
    foreign = tmp_path / "foreign.jsonl"  # a record that merely has such a key is not a log
    foreign.write_text('{"rtinspect_log": "x", "type": "session.created"}\n')
    assert read_sessions(foreign)[0].count("server") == 1
