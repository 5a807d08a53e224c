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


def _voice_har(path: Path, frames: int) -> Path:
    """A HAR as DevTools saves a voice session: one Realtime socket holding every frame (appends of
    base64 audio), written a frame at a time, after a page entry with a response body."""
    audio = "AAAA" * 400
    with path.open("w") as f:
        f.write('{"log": {"version": "1.2", "entries": [')
        f.write(
            json.dumps({"request": {"url": "https://app/"}, "response": {"content": {"text": "x" * 10_000}}})
        )
        f.write(
            ', {"request": {"url": "wss://api.openai.com/v1/realtime?model=gpt-realtime", "headers": []},'
        )
        f.write(' "startedDateTime": "2026-01-01T00:00:00Z", "_webSocketMessages": [')
        f.write(json.dumps({"type": "receive", "time": 1767225600.0, "opcode": 1, "data": '{"type":"session.created"}'}))  # fmt: skip
        for i in range(frames):
            data = json.dumps({"type": "input_audio_buffer.append", "audio": audio, "event_id": f"e{i}"})
            f.write(",\n" + json.dumps({"type": "send", "time": 1767225600.0 + 0.02 * i, "opcode": 1, "data": data}))  # fmt: skip
        f.write("]}]}}")
    return path


def test_har_import_streams_one_frame_at_a_time(tmp_path: Path) -> None:
    """A HAR is one JSON document; its frames are walked as a stream: importing 15 MB holds a small
    fraction of it (traced Python allocations: ~2 MB for 15 MB, where reading it whole took more than
    the file), and every frame arrives, in order, with its time."""
    import tracemalloc

    src = _voice_har(tmp_path / "voice.har", 9000)
    assert src.stat().st_size > 15_000_000
    tracemalloc.start()
    try:
        [(session, out)] = import_file(src, tmp_path / "voice.jsonl")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < src.stat().st_size / 4, (peak, src.stat().st_size)
    assert session.count("client") == 9000 and session.count("server") == 1
    records = [r for r in read_log(out).records if r.dir == "client"]
    assert [r.event["event_id"] for r in records] == [f"e{i}" for i in range(9000)]
    assert records[-1].t == pytest.approx(0.02 * 8999, abs=1e-3)


def test_har_walk_is_by_depth_not_by_key_names(tmp_path: Path) -> None:
    """Keys named like ijson's prefixes ("item", "log", "entries") deep inside a HAR are data, not
    structure: only log.entries[i]._webSocketMessages[j] are frames."""
    frame = {"type": "receive", "time": 2.0, "opcode": 1, "data": '{"type":"session.created"}'}
    decoy = {"type": "send", "time": 1.0, "opcode": 1, "data": '{"type":"decoy"}'}
    doc = {
        "log": {
            "pages": [{"log": {"entries": [{"_webSocketMessages": [decoy]}]}}],
            "entries": [
                {"request": {"url": "wss://h/v1/realtime"}, "_webSocketMessages": {"item": decoy}},
                {"request": {"url": "wss://h/v1/realtime", "item": {"entries": [decoy]}}, "_webSocketMessages": [frame]},
            ],
        }
    }  # fmt: skip
    src = tmp_path / "decoy.har"
    src.write_text(json.dumps(doc))
    [session] = read_sessions(src)
    assert [r.event["type"] for r in session.records if r.dir != "meta"] == ["session.created"]
    assert session.name.startswith("socket 1: wss://h/v1/realtime")
