"""Input buffer: append errors, commit thresholds (computed at the format's bytes/ms), clear, manual turns."""

from __future__ import annotations

import base64

from rtinspect.server import EmbeddedServer

from .server_helpers import b64, open_client, silence, tone

NO_VAD = {"type": "realtime", "audio": {"input": {"turn_detection": None}}}


async def _client(server: EmbeddedServer, session: dict | None = None):
    client = await open_client(server.url)
    await client.recv()
    if session is not None:
        await client.send("session.update", session=session)
        assert (await client.recv())["type"] == "session.updated"
    return client


async def test_commit_of_empty_buffer(server: EmbeddedServer) -> None:
    client = await _client(server)
    await client.send("input_audio_buffer.commit", event_id="c9")
    err = await client.recv()
    assert err["error"] == {
        "type": "invalid_request_error",
        "code": "input_audio_buffer_commit_empty",
        "message": "Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, "
        "but buffer only has 0.00ms of audio.",
        "param": None,
        "event_id": "c9",
    }


async def test_commit_below_100ms_reports_the_ms(server: EmbeddedServer) -> None:
    client = await _client(server, NO_VAD)
    await client.append(silence(50))
    await client.send("input_audio_buffer.commit")
    err = await client.recv()
    assert "buffer only has 50.00ms of audio." in err["error"]["message"]


async def test_commit_ms_for_g711_is_8_bytes_per_ms(server: EmbeddedServer) -> None:
    session = {
        "type": "realtime",
        "audio": {"input": {"format": {"type": "audio/pcmu"}, "turn_detection": None}},
    }
    client = await _client(server, session)
    await client.send("input_audio_buffer.append", audio=b64(b"\xff" * 400))
    await client.send("input_audio_buffer.commit")
    err = await client.recv()
    assert "buffer only has 50.00ms of audio." in err["error"]["message"]
    await client.send("input_audio_buffer.append", audio=b64(b"\xff" * 400))
    await client.send("input_audio_buffer.commit")
    assert (await client.recv())["type"] == "input_audio_buffer.committed"


async def test_manual_commit_after_auto_commit_is_commit_empty(server: EmbeddedServer) -> None:
    client = await _client(server)
    # the last chunk ends exactly at the end of the silence window, so the auto-commit empties the buffer
    await client.append(silence(100) + tone(600) + silence(200))
    committed = await client.until("input_audio_buffer.committed")
    await client.send("input_audio_buffer.commit")
    err = await client.until("error")
    assert err["error"]["code"] == "input_audio_buffer_commit_empty"
    assert "0.00ms" in err["error"]["message"]
    assert committed["item_id"].startswith("item_")


async def test_turn_detection_null_waits_for_commit_and_response_create(server: EmbeddedServer) -> None:
    client = await _client(server, NO_VAD)
    await client.append(silence(200) + tone(800) + silence(800))
    assert await client.quiet(0.3) == []
    await client.send("input_audio_buffer.commit")
    committed = await client.recv()
    assert committed["type"] == "input_audio_buffer.committed" and committed["previous_item_id"] is None
    added, done = await client.recv(), await client.recv()
    assert (added["type"], done["type"]) == ("conversation.item.added", "conversation.item.done")
    assert added["item"]["id"] == committed["item_id"]
    assert await client.quiet(0.3) == [], "no response until the client asks"
    await client.send("response.create")
    assert (await client.recv())["type"] == "response.created"
    await client.until("response.done")


async def test_clear(server: EmbeddedServer) -> None:
    client = await _client(server, NO_VAD)
    await client.append(silence(300))
    await client.send("input_audio_buffer.clear")
    assert (await client.recv())["type"] == "input_audio_buffer.cleared"
    await client.send("input_audio_buffer.commit")
    assert "0.00ms" in (await client.recv())["error"]["message"]


async def test_invalid_base64_and_oversized_append_keep_the_socket(server: EmbeddedServer) -> None:
    client = await _client(server)
    await client.send("input_audio_buffer.append", audio="not base64!!", event_id="a1")
    err = await client.recv()
    assert err["error"]["code"] == "invalid_value" and err["error"]["param"] == "audio"
    assert err["error"]["event_id"] == "a1"
    huge = base64.b64encode(bytes(16 * 1024 * 1024)).decode()
    await client.send("input_audio_buffer.append", audio=huge)
    err = await client.recv()
    assert err["error"]["code"] == "string_above_max_length" and err["error"]["param"] == "audio"
    await client.send("input_audio_buffer.commit")
    assert (await client.recv())["error"]["code"] == "input_audio_buffer_commit_empty"


async def test_idle_timeout_triggers(server: EmbeddedServer) -> None:
    vad = {"type": "server_vad", "idle_timeout_ms": 5000, "create_response": False}
    client = await _client(server, {"type": "realtime", "audio": {"input": {"turn_detection": vad}}})
    ev = await client.until("input_audio_buffer.timeout_triggered")
    assert ev["item_id"].startswith("item_")
    committed = await client.until("input_audio_buffer.committed")
    assert committed["item_id"] == ev["item_id"]
