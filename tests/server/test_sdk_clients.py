"""The official openai SDK's realtime clients, unchanged but for the URL, parse every server event.

The SDK builds its typed models leniently, so parsing alone proves little: each parsed event is walked
and must have no field the model does not know and no required field missing. The only extras allowed
are fields the live API sends beyond the SDK's models (docs/protocol.md §10), listed here.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

from openai import AsyncOpenAI
from pydantic import BaseModel

from rtinspect.server import EmbeddedServer

from .server_helpers import silence, tone

# live fields the SDK models do not declare: GA delta obfuscation; the GA session's id/object/expires_at;
# the beta session's client_secret/include (null in beta captures)
LIVE_EXTRAS = {
    "obfuscation",
    "session.id",
    "session.object",
    "session.expires_at",
    "session.client_secret",
    "session.include",
}


FREE_FORM = {"parameters", "metadata"}  # JSON-schema / free-form objects the SDK types as plain dicts


def _gaps(value: Any, path: str = "") -> list[str]:
    out: list[str] = []
    if isinstance(value, BaseModel):
        for key in value.model_extra or {}:
            where = f"{path}.{key}".lstrip(".")
            if key not in LIVE_EXTRAS and where not in LIVE_EXTRAS:
                out.append("unknown " + where)
        for name, field in type(value).model_fields.items():
            if field.is_required() and name not in value.model_fields_set:
                out.append(f"missing {path}.{name}".replace(" .", " "))
            out += _gaps(getattr(value, name, None), f"{path}.{name}".lstrip("."))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _gaps(v, f"{path}.{i}")
    elif isinstance(value, dict) and path and path.rsplit(".", 1)[-1] not in FREE_FORM:
        out.append(f"untyped dict at {path}")  # the SDK could not match the shape to any model
    return out


async def _drive(conn: Any, *, beta: bool) -> list[Any]:
    """A VAD turn with transcription on, a text turn, and a cancelled response; every event parsed."""
    events: list[Any] = []

    async def until(type_: str) -> Any:
        while True:
            ev = await conn.recv()
            events.append(ev)
            if ev.type == type_:
                return ev

    await until("session.created")
    tool = {
        "type": "function",
        "name": "get_time",
        "description": "the time in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
    if beta:
        await conn.session.update(
            session={"input_audio_transcription": {"model": "whisper-1"}, "tools": [tool]}
        )
    else:
        await conn.session.update(
            session={
                "type": "realtime",
                "audio": {"input": {"transcription": {"model": "gpt-4o-transcribe"}}},
                "tools": [tool],
            }
        )
    await until("session.updated")
    pcm = silence(100) + tone(500) + silence(300)
    for i in range(0, len(pcm), 960):
        await conn.input_audio_buffer.append(audio=base64.b64encode(pcm[i : i + 960]).decode())
    await until("response.done")
    await until("rate_limits.updated")
    await conn.conversation.item.create(
        item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
    )
    await conn.response.create(response={"modalities": ["text"]} if beta else {"output_modalities": ["text"]})
    await until("response.done")
    await conn.conversation.item.create(
        item={
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "get time in Oslo"}],
        }
    )
    await conn.response.create()
    await until("response.function_call_arguments.done")
    await until("response.done")
    await conn.response.create()
    await until("response.created")
    await conn.response.cancel()
    await until("response.done")
    await conn.input_audio_buffer.clear()
    await until("input_audio_buffer.cleared")
    await conn.input_audio_buffer.commit()
    await until("error")
    return events


def _check(events: list[Any]) -> None:
    types = {ev.type for ev in events}
    assert "conversation.item.input_audio_transcription.completed" in types
    assert "response.function_call_arguments.delta" in types
    for ev in events:
        assert isinstance(ev, BaseModel), ev
        assert not _gaps(ev), (ev.type, _gaps(ev))


async def test_openai_sdk_ga_client(server: EmbeddedServer) -> None:
    client = AsyncOpenAI(api_key="sk-test", websocket_base_url=f"ws://127.0.0.1:{server.port}/v1")
    async with client.realtime.connect(model="gpt-realtime") as conn:
        events = await asyncio.wait_for(_drive(conn, beta=False), 30)
    _check(events)
    assert "conversation.item.added" in {e.type for e in events}


async def test_openai_sdk_beta_client_against_legacy_mode(beta_server: EmbeddedServer) -> None:
    client = AsyncOpenAI(api_key="sk-test", websocket_base_url=f"ws://127.0.0.1:{beta_server.port}/v1")
    async with client.beta.realtime.connect(model="gpt-4o-realtime-preview") as conn:
        events = await asyncio.wait_for(_drive(conn, beta=True), 30)
    _check(events)
    assert "conversation.item.created" in {e.type for e in events}
