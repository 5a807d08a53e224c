"""The doctor as a live tap sink on a real connection to the embedded server: findings appear
while the session runs, the same ones as diagnosing the recorded log afterwards."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import numpy as np

from rtinspect.doctor import Doctor, Finding, diagnose
from rtinspect.log import LogReader, LogWriter
from rtinspect.server import EmbeddedServer, FakeTranscriber
from rtinspect.tap import EventTap, Tapped
from rtinspect.transport import RealtimeClient, Target

from .synth import speechlike, zeros


async def _wait(client: RealtimeClient, typ: str, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not any(r.type == typ for r in client.events):
        assert loop.time() < end, f"no {typ}"
        await asyncio.sleep(0.01)


async def test_live_doctor_names_commit_without_response(tmp_path: Path) -> None:
    log = tmp_path / "live.jsonl"
    async with EmbeddedServer(transcriber=FakeTranscriber()) as server:
        target = Target.embedded(server.url)
        tap = EventTap()
        doctor = Doctor()
        live: list[Finding] = []
        writer = LogWriter(log, url=target.url, dialect="ga")
        tap.add_sink(writer.write)
        tap.add_sink(lambda rec: live.extend(doctor.feed(rec)))
        async with RealtimeClient(target, tap) as client:
            await client.send(
                {
                    "type": "session.update",
                    "session": {
                        "type": "realtime",
                        "audio": {
                            "input": {
                                "transcription": {"model": "gpt-4o-mini-transcribe"},
                                "turn_detection": None,
                            }
                        },
                    },
                }
            )
            await _wait(client, "session.updated")
            pcm = np.concatenate([speechlike(800), zeros(200)]).tobytes()
            for i in range(0, len(pcm), 4800):
                await client.send(
                    {
                        "type": "input_audio_buffer.append",
                        "audio": base64.b64encode(pcm[i : i + 4800]).decode(),
                    }
                )
            await client.send({"type": "input_audio_buffer.commit"})
            await _wait(client, "input_audio_buffer.committed")
            await client.send({"type": "input_audio_buffer.commit"})  # nothing left to commit
            await _wait(client, "error")
            assert "commit-empty" in {f.code for f in live}  # named while the session runs
        writer.close()
    live.extend(doctor.finish())
    assert "commit-without-response" in {f.code for f in live}
    with LogReader.open(log) as reader:
        records: list[Tapped] = list(reader.iter_records())
    assert diagnose(records, "ga") == doctor.findings
