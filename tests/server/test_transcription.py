"""Input transcription: the live event order, asynchronous to responses; failure; the offline recognizer."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from rtinspect.protocol import Dialect
from rtinspect.server import EmbeddedServer, FakeTranscriber

from .server_helpers import BETA, open_client, silence, tone

GA_TRANSCRIBE = {"type": "realtime", "audio": {"input": {"transcription": {"model": "gpt-4o-transcribe"}}}}


async def _turn(client) -> dict:
    await client.append(silence(100) + tone(600) + silence(300))
    return await client.until("input_audio_buffer.committed")


async def test_ga_transcription_events_in_order() -> None:
    async with EmbeddedServer(transcriber=FakeTranscriber("turn on the lights")) as srv:
        client = await open_client(srv.url)
        await client.recv()
        await client.send("session.update", session=GA_TRANSCRIBE)
        await client.until("session.updated")
        committed = await _turn(client)
        await client.until("response.done")
        done_type = "conversation.item.input_audio_transcription.completed"
        if not any(e["type"] == done_type for e in client.seen):  # asynchronous: before or after the response
            await client.until(done_type)
        completed = next(e for e in client.seen if e["type"] == done_type)
        start = client.seen.index(committed)
        ours = [
            e
            for e in client.seen[start:]
            if e.get("item_id") == committed["item_id"] or e.get("item", {}).get("id") == committed["item_id"]
        ]
        types = [e["type"] for e in ours]
        assert types[:3] == [
            "input_audio_buffer.committed",
            "conversation.item.added",
            "conversation.item.done",
        ]
        deltas = [e for e in ours if e["type"].endswith("transcription.delta")]
        assert "".join(d["delta"] for d in deltas) == "turn on the lights"
        assert types.index("conversation.item.input_audio_transcription.delta") < types.index(
            completed["type"]
        )
        assert completed["transcript"] == "turn on the lights"
        assert completed["usage"]["type"] == "tokens"
        done = next(e for e in client.seen if e["type"] == "response.done")
        assert done["response"]["output"][0]["content"][0]["transcript"].endswith(
            "I heard: turn on the lights"
        )


async def test_failed_transcription_event() -> None:
    async with EmbeddedServer(transcriber=FakeTranscriber(fail="decoder exploded")) as srv:
        client = await open_client(srv.url)
        await client.recv()
        await client.send("session.update", session=GA_TRANSCRIBE)
        await client.until("session.updated")
        committed = await _turn(client)
        failed = await client.until("conversation.item.input_audio_transcription.failed")
        assert failed["item_id"] == committed["item_id"]
        assert "decoder exploded" in failed["error"]["message"]
        assert not [e for e in client.seen if e["type"].endswith("transcription.completed")]


async def test_beta_transcription_and_not_enabled_symptom(beta_server: EmbeddedServer) -> None:
    client = await open_client(
        beta_server.url, headers=BETA, query="?model=gpt-4o-realtime-preview", dialect=Dialect.BETA
    )
    await client.recv()
    await _turn(client)
    created = await client.until("conversation.item.created")
    assert created["item"]["content"] == [{"type": "input_audio", "transcript": None}]
    await client.until("response.done")
    await client.quiet(0.2)
    assert not [e for e in client.seen if "input_audio_transcription" in e["type"]]
    await client.send("session.update", session={"input_audio_transcription": {"model": "whisper-1"}})
    await client.until("session.updated")
    await _turn(client)
    completed = await client.until("conversation.item.input_audio_transcription.completed")
    assert completed["transcript"] == "hello from the fake transcriber"


def _speech(tmp_path: Path, text: str) -> bytes:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    import soundfile as sf
    import soxr

    wav = tmp_path / "speech.wav"
    subprocess.run(
        ["espeak-ng", "-v", "en", "-s", "140", "-w", str(wav), text], check=True, capture_output=True
    )
    samples, rate = sf.read(wav, dtype="int16")
    return soxr.resample(samples, rate, 24000).astype("<i2").tobytes()


async def test_pocketsphinx_transcribes_real_speech(tmp_path: Path) -> None:
    pcm = _speech(tmp_path, "the weather is nice today")
    async with EmbeddedServer(transcriber="pocketsphinx") as srv:
        client = await open_client(srv.url)
        await client.recv()
        session = {
            "type": "realtime",
            "audio": {"input": {"transcription": {"model": "whisper-1"}, "turn_detection": None}},
        }
        await client.send("session.update", session=session)
        await client.until("session.updated")
        await client.append(silence(200) + pcm + silence(200))
        await client.send("input_audio_buffer.commit")
        completed = await client.until("conversation.item.input_audio_transcription.completed", timeout=60)
        assert "weather" in completed["transcript"].split()


def test_pocketsphinx_backend_on_silence_and_odd_bytes() -> None:
    from rtinspect.server import PocketsphinxTranscriber

    backend = PocketsphinxTranscriber()
    assert backend.transcribe(b"") == ""
    assert isinstance(backend.transcribe(np.zeros(4801, dtype=np.uint8).tobytes()), str)


async def test_transcription_session_transcribes_and_never_answers(server: EmbeddedServer) -> None:
    client = await open_client(server.url, query="?intent=transcription")
    assert (await client.recv())["session"]["type"] == "transcription"
    session = {"type": "transcription", "audio": {"input": {"transcription": {"model": "gpt-4o-transcribe"}}}}
    await client.send("session.update", session=session)
    await client.until("session.updated")
    await _turn(client)
    completed = await client.until("conversation.item.input_audio_transcription.completed")
    assert completed["transcript"] == "hello from the fake transcriber"
    await client.quiet(0.3)
    assert not [e for e in client.seen if e["type"].startswith("response.")]
    await client.send("response.create")
    assert (await client.recv())["type"] == "error"
