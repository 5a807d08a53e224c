"""The classic broken session, as users report it, in both dialects; and the VAD switches that fix it."""

from __future__ import annotations

import base64

import pytest

from rtinspect.protocol import Dialect
from rtinspect.server import EmbeddedServer

from .server_helpers import BETA, open_client, silence, tone


@pytest.mark.parametrize("dialect", [Dialect.GA, Dialect.BETA])
async def test_classic_broken_session(beta_server: EmbeddedServer, dialect: Dialect) -> None:
    """Server VAD on, transcription never enabled, 16 kHz audio declared as 24 kHz, then a manual commit
    right after the server committed: VAD fires, the item's transcript is null, no transcription events,
    and the manual commit fails with the empty-buffer error."""
    beta = dialect == Dialect.BETA
    client = await open_client(
        beta_server.url,
        headers=BETA if beta else None,
        query="?model=gpt-4o-realtime-preview" if beta else "?model=gpt-realtime",
        dialect=dialect,
    )
    await client.recv()
    # 16 kHz samples sent as they are: the server reads them as 24 kHz (chipmunk audio, shorter turn)
    await client.append(silence(200, 16000) + tone(900, 16000) + silence(400, 16000), bytes_per_ms=32)
    started = await client.until("input_audio_buffer.speech_started")
    stopped = await client.until("input_audio_buffer.speech_stopped")
    assert stopped["audio_end_ms"] - started["audio_start_ms"] < 1300, "16 kHz read as 24 kHz plays fast"
    committed = await client.until("input_audio_buffer.committed")
    await client.send("input_audio_buffer.commit", event_id="manual")
    item_type = "conversation.item.created" if beta else "conversation.item.added"
    item = await client.until(item_type)
    assert item["item"]["id"] == committed["item_id"]
    assert item["item"]["content"] == [{"type": "input_audio", "transcript": None}]
    err = await client.until("error")
    assert err["error"]["code"] == "input_audio_buffer_commit_empty"
    assert err["error"]["event_id"] == "manual"
    await client.until("response.done")
    await client.quiet(0.3)
    assert not [e for e in client.seen if "input_audio_transcription" in e["type"]]


async def test_create_response_false_means_no_response(server: EmbeddedServer) -> None:
    client = await open_client(server.url)
    await client.recv()
    td = {"type": "server_vad", "create_response": False}
    await client.send(
        "session.update", session={"type": "realtime", "audio": {"input": {"turn_detection": td}}}
    )
    await client.until("session.updated")
    await client.append(silence(100) + tone(500) + silence(300))
    await client.until("conversation.item.done")
    assert not [e for e in await client.quiet(0.4) if e["type"].startswith("response.")]


async def test_semantic_vad_is_accepted_and_detects_turns(server: EmbeddedServer) -> None:
    client = await open_client(server.url)
    await client.recv()
    td = {"type": "semantic_vad", "eagerness": "high"}
    await client.send(
        "session.update", session={"type": "realtime", "audio": {"input": {"turn_detection": td}}}
    )
    updated = await client.until("session.updated")
    assert updated["session"]["audio"]["input"]["turn_detection"]["type"] == "semantic_vad"
    await client.append(silence(100) + tone(500) + silence(200))
    await client.quiet(0.3)  # 200 ms of silence is not enough for eagerness high (300 ms)
    assert not [e for e in client.seen if e["type"] == "input_audio_buffer.speech_stopped"]
    await client.append(silence(200))
    stopped = await client.until("input_audio_buffer.speech_stopped")
    assert stopped["audio_end_ms"] == 900


async def test_g711_output_audio(server: EmbeddedServer) -> None:
    client = await open_client(server.url)
    await client.recv()
    audio = {"input": {"turn_detection": None}, "output": {"format": {"type": "audio/pcmu"}}}
    await client.send("session.update", session={"type": "realtime", "audio": audio})
    await client.until("session.updated")
    await client.append(tone(500))
    await client.send("input_audio_buffer.commit")
    await client.send("response.create")
    events = await client.collect_until("response.done")
    out = b"".join(base64.b64decode(e["delta"]) for e in events if e["type"] == "response.output_audio.delta")
    assert len(out) == 8 * 500, "the 500 ms turn echoed as 8 kHz u-law"
