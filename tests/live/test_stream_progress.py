"""The live view's streaming progress counts the seconds sent in the format they go out in (the
protocol's arithmetic), not bytes / 48: a G.711 stream (8 bytes per ms) reads its real seconds."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from rtinspect.audio.load import probe_audio
from rtinspect.inspector.live import LiveController
from rtinspect.server import EmbeddedServer, FakeTranscriber
from rtinspect.transport import Target

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("fmt", "name"),
    [({"type": "audio/pcmu"}, "hello_8k_ulaw.wav"), ({"type": "audio/pcm", "rate": 24000}, "hello_24k_mono.wav")],
)
async def test_stream_progress_reads_the_seconds_sent(fmt: dict, name: str) -> None:
    path = ROOT / "recordings" / name
    seconds = probe_audio(path).duration_ms / 1000
    async with EmbeddedServer(transcriber=FakeTranscriber()) as server:
        ctl = LiveController(Target.embedded(server.url), embedded=True)
        progress: list[str] = []
        ctl.tap.add_sink(lambda rec: progress.append(ctl.stream_progress) if rec.type == "input_audio_buffer.append" else None)  # fmt: skip
        await ctl.connect()
        try:
            session = {"type": "realtime", "audio": {"input": {"format": fmt, "turn_detection": None}}}
            await ctl.send({"type": "session.update", "session": session})
            for _ in range(100):
                if any(r.type == "session.updated" for r in ctl.client.events):
                    break
                await asyncio.sleep(0.02)
            await ctl.stream_file(path, realtime=False)
        finally:
            await ctl.close()
    assert progress, "no append was sent"
    sent = [float(p.split()[2].split("/")[0]) for p in progress]
    assert sent == sorted(sent)
    assert progress[-1] == f"streaming {name} {seconds:.1f}/{seconds:.1f} s (A stops)"
    assert sent[len(sent) // 2] == pytest.approx(seconds / 2, abs=0.25)
