"""Session life cycle: defaults, validated updates (the whole update dropped on error), expiry."""

from __future__ import annotations

import time

import pytest
from websockets.exceptions import ConnectionClosed

from rtinspect.protocol import Dialect
from rtinspect.server import EmbeddedServer, FakeTranscriber

from .server_helpers import BETA, open_client, silence, tone

TRANSCRIBE_16K = {
    "type": "realtime",
    "audio": {
        "input": {"format": {"type": "audio/pcm", "rate": 16000}, "transcription": {"model": "whisper-1"}}
    },
}


async def test_session_created_has_live_defaults(server: EmbeddedServer) -> None:
    client = await open_client(server.url)
    ev = await client.recv()
    assert ev["type"] == "session.created" and client.seen[0] is ev
    s = ev["session"]
    assert s["id"].startswith("sess_") and len(s["id"]) >= 20
    assert abs(s["expires_at"] - (time.time() + 3600)) < 60
    inp = s["audio"]["input"]
    assert inp["format"] == {"type": "audio/pcm", "rate": 24000}
    assert inp["transcription"] is None
    td = inp["turn_detection"]
    assert td["type"] == "server_vad"
    assert (td["threshold"], td["prefix_padding_ms"], td["silence_duration_ms"]) == (0.5, 300, 200)
    assert td["create_response"] is True and td["interrupt_response"] is True
    assert s["output_modalities"] == ["audio"]


async def test_good_update_returns_full_effective_session(server: EmbeddedServer) -> None:
    client = await open_client(server.url)
    created = await client.recv()
    await client.send("session.update", session={"type": "realtime", "instructions": "be brief"})
    ev = await client.recv()
    assert ev["type"] == "session.updated"
    assert ev["session"]["instructions"] == "be brief"
    assert ev["session"]["audio"] == created["session"]["audio"]
    assert ev["session"]["id"] == created["session"]["id"]


async def test_rate_16000_rejected_whole_update_dropped_then_vad_fires_without_transcript(
    server: EmbeddedServer,
) -> None:
    """The classic broken session: the 16 kHz rate error also drops the transcription model."""
    client = await open_client(server.url)
    await client.recv()
    await client.send("session.update", event_id="evt_client_1", session=TRANSCRIBE_16K)
    err = await client.recv()
    assert err["type"] == "error"
    assert err["error"] == {
        "type": "invalid_request_error",
        "code": "integer_below_min_value",
        "message": "Invalid 'session.audio.input.format.rate': integer below minimum value. "
        "Expected a value >= 24000, but got 16000 instead.",
        "param": "session.audio.input.format.rate",
        "event_id": "evt_client_1",
    }
    # 16 kHz audio streamed as if it were 24 kHz: VAD still fires, the user item has no transcript.
    await client.append(silence(300, 16000) + tone(900, 16000) + silence(700, 16000), bytes_per_ms=32)
    started = await client.until("input_audio_buffer.speech_started")
    stopped = await client.until("input_audio_buffer.speech_stopped")
    assert started["item_id"] == stopped["item_id"]
    await client.until("input_audio_buffer.committed")
    added = await client.until("conversation.item.added")
    assert added["item"]["content"] == [{"type": "input_audio", "transcript": None}]
    await client.until("response.done")
    rest = await client.quiet(0.3)
    assert not [e for e in client.seen + rest if "input_audio_transcription" in e["type"]]


@pytest.mark.parametrize(
    "dialect, headers, session, param",
    [
        (
            Dialect.GA,
            None,
            {
                "type": "realtime",
                "audio": {"input": {"transcription": {"enabled": True, "model": "whisper-1"}}},
            },
            "session.audio.input.transcription.enabled",
        ),
        (
            Dialect.BETA,
            BETA,
            {"input_audio_transcription": {"enabled": True, "model": "whisper-1"}},
            "session.input_audio_transcription.enabled",
        ),
    ],
)
async def test_enabled_true_mistake(
    beta_server: EmbeddedServer, dialect: Dialect, headers, session, param
) -> None:
    client = await open_client(beta_server.url, headers=headers, dialect=dialect)
    await client.recv()
    await client.send("session.update", session=session)
    err = await client.recv()
    assert err["error"]["code"] == "unknown_parameter"
    assert err["error"]["param"] == param
    assert err["error"]["message"] == f"Unknown parameter: '{param}'."
    assert err["error"]["event_id"] is None
    assert await client.quiet(0.2) == []


async def test_session_expires() -> None:
    async with EmbeddedServer(transcriber=FakeTranscriber(), session_minutes=0.01) as srv:
        client = await open_client(srv.url)
        await client.recv()
        err = await client.until("error")
        assert err["error"]["code"] == "session_expired"
        assert err["error"]["message"] == "Your session hit the maximum duration of 0.01 minutes."
        with pytest.raises(ConnectionClosed):
            await client.recv()
        # the live close: 1001 with the same sentence (a capture: "received 1001 (going away) Your session
        # hit the maximum duration of 60 minutes.")
        assert (client.ws.close_code, client.ws.close_reason) == (1001, err["error"]["message"])


async def test_beta_transcription_session_update(beta_server: EmbeddedServer) -> None:
    client = await open_client(
        beta_server.url, headers=BETA, query="?intent=transcription", dialect=Dialect.BETA
    )
    assert (await client.recv())["type"] == "transcription_session.created"
    await client.send(
        "transcription_session.update", session={"input_audio_transcription": {"model": "whisper-1"}}
    )
    ev = await client.recv()
    assert ev["type"] == "transcription_session.updated"
    assert ev["session"]["input_audio_transcription"]["model"] == "whisper-1"


@pytest.mark.parametrize(
    "session, code, param",
    [
        ({"instructions": "x"}, "missing_required_parameter", "session.type"),
        ({"type": "realtime", "modalities": ["text"]}, "unknown_parameter", "session.modalities"),
    ],
)
async def test_ga_update_errors_come_from_the_protocol_core(
    server: EmbeddedServer, session, code, param
) -> None:
    """The server answers exactly what rtinspect.protocol finds, and keeps the session as it was."""
    from rtinspect.protocol.validate import validate_client_event

    client = await open_client(server.url)
    created = await client.recv()
    event = {"type": "session.update", "event_id": "u1", "session": session}
    expected = validate_client_event(event, Dialect.GA)[0]
    await client.send(**{k: v for k, v in event.items() if k != "type"}, type_=event["type"])
    err = await client.recv()
    assert (err["error"]["code"], err["error"]["param"]) == (code, param)
    assert (err["error"]["code"], err["error"]["param"], err["error"]["message"]) == (
        expected.code,
        expected.path,
        expected.message,
    )
    await client.send("session.update", session={"type": "realtime"})
    assert (await client.recv())["session"]["instructions"] == created["session"]["instructions"]
