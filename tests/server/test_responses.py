"""Responses: the complete event sequence of each dialect, cancel, interruption, tools, item operations."""

from __future__ import annotations

import base64
import json

from rtinspect.protocol import Dialect
from rtinspect.server import EmbeddedServer

from .server_helpers import BETA, open_client, silence, tone

NO_VAD = {"type": "realtime", "audio": {"input": {"turn_detection": None}}}

GA_AUDIO_SEQUENCE = [
    "response.created",
    "response.output_item.added",
    "conversation.item.added",
    "response.content_part.added",
    "response.output_audio.done",
    "response.output_audio_transcript.done",
    "response.content_part.done",
    "response.output_item.done",
    "conversation.item.done",
    "response.done",
]
BETA_AUDIO_SEQUENCE = [
    "response.created",
    "response.output_item.added",
    "conversation.item.created",
    "response.content_part.added",
    "response.audio.done",
    "response.audio_transcript.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.done",
]


def _skeleton(events: list[dict]) -> list[str]:
    return [e["type"] for e in events if not e["type"].endswith(".delta")]


async def _text_turn(client, text: str) -> None:
    await client.send(
        "conversation.item.create",
        item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]},
    )
    await client.until(
        "conversation.item.done" if client.dialect == Dialect.GA else "conversation.item.created"
    )


async def test_ga_audio_response_sequence_after_vad_turn(server: EmbeddedServer) -> None:
    client = await open_client(server.url)
    await client.recv()
    pcm = silence(200) + tone(700) + silence(300)
    await client.append(pcm)
    await client.until("input_audio_buffer.committed")
    events = await client.collect_until("response.done")
    response_events = events[next(i for i, e in enumerate(events) if e["type"] == "response.created") :]
    assert _skeleton(response_events) == GA_AUDIO_SEQUENCE
    deltas = [e for e in response_events if e["type"] == "response.output_audio.delta"]
    assert deltas and all(isinstance(e["obfuscation"], str) for e in deltas)
    echoed = b"".join(base64.b64decode(e["delta"]) for e in deltas)
    assert len(echoed) > 48 * 500, "the response audio is the user's own turn"
    done = response_events[-1]["response"]
    assert done["status"] == "completed"
    assert done["usage"]["total_tokens"] == done["usage"]["input_tokens"] + done["usage"]["output_tokens"]
    transcript = done["output"][0]["content"][0]["transcript"]
    assert transcript.startswith("[rtinspect local server] I heard: ")
    assert done["output"][0]["content"][0]["type"] == "output_audio"
    limits = await client.recv()
    assert limits["type"] == "rate_limits.updated"
    assert [r["name"] for r in limits["rate_limits"]] == ["tokens"]


async def test_ga_text_response_echoes_text_input(server: EmbeddedServer) -> None:
    client = await open_client(server.url)
    await client.recv()
    await _text_turn(client, "what time is it")
    await client.send("response.create", response={"output_modalities": ["text"]})
    events = await client.collect_until("response.done")
    assert "response.output_text.delta" in [e["type"] for e in events]
    text_done = next(e for e in events if e["type"] == "response.output_text.done")
    assert text_done["text"] == "[rtinspect local server] I heard: what time is it"
    assert events[-1]["response"]["output"][0]["content"][0]["type"] == "output_text"


async def test_beta_audio_response_sequence(beta_server: EmbeddedServer) -> None:
    client = await open_client(
        beta_server.url, headers=BETA, query="?model=gpt-4o-realtime-preview", dialect=Dialect.BETA
    )
    await client.recv()
    await client.append(silence(200) + tone(600) + silence(300))
    committed = await client.until("input_audio_buffer.committed")
    created = await client.recv()
    assert created["type"] == "conversation.item.created"
    assert (
        created["item"]["object"] == "realtime.item" and created["item"]["content"][0]["transcript"] is None
    )
    assert created["item"]["id"] == committed["item_id"]
    events = await client.collect_until("response.done")
    assert _skeleton(events) == BETA_AUDIO_SEQUENCE
    types = {e["type"] for e in events}
    assert {"response.audio.delta", "response.audio_transcript.delta"} <= types
    assert not any("obfuscation" in e for e in events)


async def test_beta_text_response(beta_server: EmbeddedServer) -> None:
    client = await open_client(
        beta_server.url, headers=BETA, query="?model=gpt-4o-realtime-preview", dialect=Dialect.BETA
    )
    await client.recv()
    await _text_turn(client, "hello")
    await client.send("response.create", response={"modalities": ["text"]})
    events = await client.collect_until("response.done")
    assert "response.text.delta" in [e["type"] for e in events]
    assert events[-1]["response"]["output"][0]["content"][0] == {
        "type": "text",
        "text": "[rtinspect local server] I heard: hello",
    }


async def test_second_response_create_is_refused_and_cancel_works(server: EmbeddedServer) -> None:
    client = await open_client(server.url)
    await client.recv()
    await client.send("session.update", session=NO_VAD)
    await client.until("session.updated")
    await client.append(tone(3000))
    await client.send("input_audio_buffer.commit")
    await client.send("response.create")
    created = await client.until("response.created")
    resp_id = created["response"]["id"]
    assert resp_id.startswith("resp_")
    await client.send("response.create", event_id="second")
    err = await client.until("error")
    assert err["error"]["code"] == "conversation_already_has_active_response"
    assert err["error"]["message"] == (
        f"Conversation already has an active response in progress: {resp_id}. "
        "Wait until the response is finished before creating a new one."
    )
    assert err["error"]["event_id"] == "second"
    await client.send("response.cancel")
    done = await client.until("response.done")
    assert done["response"]["status"] == "cancelled"
    assert done["response"]["status_details"] == {"type": "cancelled", "reason": "client_cancelled"}
    await client.until("rate_limits.updated")
    await client.send("response.cancel")
    err = await client.until("error")
    assert err["error"]["code"] == "response_cancel_not_active"


async def test_speech_interrupts_active_response(server: EmbeddedServer) -> None:
    client = await open_client(server.url)
    await client.recv()
    await client.append(silence(100) + tone(3000) + silence(300))
    await client.until("response.created")
    await client.append(tone(300))
    started = await client.until("input_audio_buffer.speech_started")
    done = await client.until("response.done")
    assert done["response"]["status"] == "cancelled"
    assert done["response"]["status_details"]["reason"] == "turn_detected"
    assert started["item_id"].startswith("item_")


async def test_function_tool_called_by_name(server: EmbeddedServer) -> None:
    tool = {
        "type": "function",
        "name": "get_weather",
        "description": "weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
    client = await open_client(server.url)
    await client.recv()
    await client.send("session.update", session={"type": "realtime", "tools": [tool]})
    await client.until("session.updated")
    await _text_turn(client, "please get weather for Paris")
    await client.send("response.create")
    events = await client.collect_until("response.done")
    types = [e["type"] for e in events]
    assert "response.function_call_arguments.delta" in types
    done = next(e for e in events if e["type"] == "response.function_call_arguments.done")
    assert done["name"] == "get_weather"
    assert json.loads(done["arguments"]) == {"city": "Paris"}
    item = events[-1]["response"]["output"][0]
    assert item["type"] == "function_call" and item["call_id"] == done["call_id"]


async def test_retrieve_truncate_delete(server: EmbeddedServer) -> None:
    client = await open_client(server.url)
    await client.recv()
    await _text_turn(client, "hi")
    await client.send("response.create")
    done = await client.until("response.done")
    item_id = done["response"]["output"][0]["id"]
    await client.send("conversation.item.retrieve", item_id=item_id)
    retrieved = await client.until("conversation.item.retrieved")
    assert retrieved["item"]["id"] == item_id
    await client.send("conversation.item.truncate", item_id=item_id, content_index=0, audio_end_ms=999_999)
    err = await client.until("error")
    assert err["error"]["param"] == "audio_end_ms"
    await client.send("conversation.item.truncate", item_id=item_id, content_index=0, audio_end_ms=100)
    truncated = await client.until("conversation.item.truncated")
    assert (truncated["item_id"], truncated["audio_end_ms"]) == (item_id, 100)
    await client.send("conversation.item.delete", item_id=item_id)
    assert (await client.until("conversation.item.deleted"))["item_id"] == item_id
    await client.send("conversation.item.retrieve", item_id=item_id)
    assert (await client.until("error"))["error"]["code"] == "item_retrieve_invalid_item_id"


async def test_item_create_with_input_audio_is_echoed(server: EmbeddedServer) -> None:
    client = await open_client(server.url)
    await client.recv()
    pcm = tone(400)
    item = {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_audio", "audio": base64.b64encode(pcm).decode()}],
    }
    await client.send("conversation.item.create", item=item)
    added = await client.until("conversation.item.added")
    assert "audio" not in added["item"]["content"][0], "item events never carry the audio back"
    assert added["item"]["content"][0]["transcript"] is None
    await client.send("response.create")
    events = await client.collect_until("response.done")
    out = b"".join(base64.b64decode(e["delta"]) for e in events if e["type"] == "response.output_audio.delta")
    assert out == pcm
    assert events[-1]["response"]["output"][0]["content"][0]["transcript"].endswith(
        "I heard: 400 ms of audio"
    )


async def test_interrupt_response_false_lets_the_response_finish(server: EmbeddedServer) -> None:
    client = await open_client(server.url)
    await client.recv()
    td = {"type": "server_vad", "interrupt_response": False}
    await client.send(
        "session.update", session={"type": "realtime", "audio": {"input": {"turn_detection": td}}}
    )
    await client.until("session.updated")
    await client.append(silence(100) + tone(2000) + silence(300))
    await client.until("response.created")
    await client.append(tone(300))
    await client.until("input_audio_buffer.speech_started")
    done = await client.until("response.done")
    assert done["response"]["status"] == "completed"


async def test_out_of_band_response_with_metadata_and_token_limit(server: EmbeddedServer) -> None:
    client = await open_client(server.url)
    await client.recv()
    await _text_turn(client, "one two three four five six")
    params = {
        "conversation": "none",
        "metadata": {"topic": "test"},
        "output_modalities": ["text"],
        "max_output_tokens": 4,
    }
    await client.send("response.create", response=params)
    events = await client.collect_until("response.done")
    assert not [e for e in events if e["type"].startswith("conversation.item.")], (
        "out of band: not in the conversation"
    )
    done = events[-1]["response"]
    assert done["metadata"] == {"topic": "test"}
    assert done["conversation_id"] is None
    assert done["status"] == "incomplete"
    assert done["status_details"] == {"type": "incomplete", "reason": "max_output_tokens"}
    assert done["output"][0]["content"][0]["text"] == "[rtinspect local server] I"  # 4 words
    await client.send("conversation.item.retrieve", item_id=done["output"][0]["id"])
    assert (await client.until("error"))["error"]["code"] == "item_retrieve_invalid_item_id"


async def test_cancel_while_the_answer_waits_for_the_words_ends_the_response(caplog) -> None:
    """With tools the answer waits for the user's words; a response.cancel that lands then must end the
    response with its response.done (it once ended the response task with InvalidStateError instead:
    no response.done, and "server task failed" on stderr, e.g. at the end of ``doctor --verify``)."""
    import threading

    release = threading.Event()

    class SlowTranscriber:
        def transcribe(self, pcm16_mono_24k: bytes) -> str:
            release.wait(5)
            return "what is the weather in Paris"

    tool = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}
    async with EmbeddedServer(transcriber=SlowTranscriber()) as srv:
        client = await open_client(srv.url)
        await client.recv()
        await client.send("session.update", session={**NO_VAD, "tools": [tool]})
        await client.until("session.updated")
        await client.append(tone(1000))
        await client.send("input_audio_buffer.commit")
        await client.send("response.create")
        await client.until("response.created")
        await client.send("response.cancel")
        try:
            done = await client.until("response.done", timeout=3)
        finally:
            release.set()
        assert done["response"]["status"] == "cancelled"
    assert not [r for r in caplog.records if "server task failed" in r.getMessage()]
