"""The openai SDK's realtime client, driven through each answer the server now gives as live does
(docs/protocol.md §15), parses every event into its own models with no unknown or missing field."""

from __future__ import annotations

import asyncio
from typing import Any

from openai import AsyncOpenAI

from rtinspect.server import EmbeddedServer

from .test_sdk_clients import _gaps


def _text(text: str, item_id: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": text}],
    }
    if item_id:
        item["id"] = item_id
    return item


async def _drive(conn: Any) -> list[Any]:
    events: list[Any] = []

    async def until(type_: str) -> Any:
        while True:
            ev = await conn.recv()
            events.append(ev)
            if ev.type == type_:
                return ev

    await until("session.created")
    await conn.session.update(session={"type": "realtime", "audio": {"input": {"turn_detection": None}}})
    await until("session.updated")
    await conn.conversation.item.create(item=_text("hello", "item_one"))
    await until("conversation.item.done")
    await conn.conversation.item.create(previous_item_id="root", item=_text("first", "item_zero"))
    await until("conversation.item.done")
    await conn.conversation.item.create(item=_text("hello again", "item_one"))  # a duplicate id
    await until("conversation.item.done")
    await conn.conversation.item.delete(item_id="item_missing")
    await until("error")
    await conn.conversation.item.retrieve(item_id="item_missing")
    await until("error")
    await conn.response.create()
    await conn.response.create()  # refused: the first is active
    await until("error")
    await until("response.done")
    await until("rate_limits.updated")
    await conn.session.update(session={"type": "realtime", "audio": {"output": {"voice": "verse"}}})
    await until("error")  # cannot_update_voice: the response spoke
    await conn.session.update(session={"type": "realtime", "model": "gpt-realtime-mini"})
    await until("error")
    await conn.session.update(session={"type": "transcription"})
    await until("error")
    await conn.session.update(
        session={"type": "realtime", "audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}}}
    )
    await until("error")
    return events


async def test_openai_sdk_parses_the_live_answers(server: EmbeddedServer) -> None:
    client = AsyncOpenAI(api_key="sk-test", websocket_base_url=f"ws://127.0.0.1:{server.port}/v1")
    async with client.realtime.connect(model="gpt-realtime") as conn:
        events = await asyncio.wait_for(_drive(conn), 30)
    for ev in events:
        assert not _gaps(ev), (ev.type, _gaps(ev))
    codes = [ev.error.code for ev in events if ev.type == "error"]
    assert codes == [
        "item_delete_invalid_item_id",
        "item_retrieve_invalid_item_id",
        "conversation_already_has_active_response",
        "cannot_update_voice",
        "invalid_value",
        "invalid_value",
        "integer_below_min_value",
    ]
    assert events[0].session.truncation == "auto"
    limits = next(ev for ev in events if ev.type == "rate_limits.updated").rate_limits[0]
    assert limits.remaining is not None and limits.limit is not None and limits.remaining < limits.limit
