"""Through the proxy, real clients get from the embedded server exactly what they get directly."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import numpy as np
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from rtinspect.proxy import ProxyServer
from rtinspect.replay.normalize import IdNamer, normalize
from rtinspect.server import EmbeddedServer

AUTH = {"Authorization": "Bearer sk-canaryEMBEDDED0123456789"}


def _tone_b64(ms: int) -> str:
    t = np.arange(24 * ms) / 24000
    return base64.b64encode((np.sin(2 * np.pi * 220 * t) * 8000).astype("<i2").tobytes()).decode()


async def _script(
    base: str, headers: dict[str, str], path: str = "/v1/realtime?model=gpt-realtime"
) -> dict[str, Any]:
    """A deterministic session: config, two errors, a committed turn and a response, odd frames."""
    frames: list[tuple[str, Any]] = []
    ids = IdNamer()
    async with connect(base + path, additional_headers=headers, ping_interval=None) as ws:

        async def take_until(*types: str) -> None:
            wanted = set(types)
            while wanted:
                msg = await asyncio.wait_for(ws.recv(), 20)
                if isinstance(msg, bytes):
                    frames.append(("binary", msg))
                    continue
                event = json.loads(msg)
                frames.append(("text", normalize(event, ids)))
                wanted.discard(event["type"])

        try:
            await take_until("session.created")
            off = {"type": "realtime", "audio": {"input": {"turn_detection": None}}}
            await ws.send(json.dumps({"type": "session.update", "session": off}))
            await take_until("session.updated")
            bad = {"type": "realtime", "audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}}}
            await ws.send(json.dumps({"type": "session.update", "event_id": "evt_bad", "session": bad}))
            await take_until("error")
            await ws.send(json.dumps({"type": "input_audio_buffer.commit"}))
            await take_until("error")
            await ws.send(json.dumps({"type": "input_audio_buffer.append", "audio": _tone_b64(300)}))
            await ws.send(json.dumps({"type": "input_audio_buffer.commit"}))
            await ws.send(json.dumps({"type": "response.create"}))
            await take_until("response.done", "rate_limits.updated")
            await ws.send(b"\x01\x02binary")
            await take_until("error")
            await ws.send("{not json")
            await take_until("error")
        except ConnectionClosed:
            pass
        await ws.close(1000, "done here")
    return {"frames": frames, "close": (ws.close_code, ws.close_reason)}


@pytest.fixture
async def embedded():
    async with EmbeddedServer(port=0, transcriber=None) as server:
        yield server


async def test_plain_websockets_client_sees_the_same_session_through_the_proxy(embedded) -> None:
    direct = await _script(embedded.url.removesuffix("/v1/realtime"), AUTH)
    async with ProxyServer("127.0.0.1", 0, embedded.url, env_key="") as px:
        proxied = await _script(px.url, AUTH)
    assert len(direct["frames"]) > 10
    assert proxied["frames"] == direct["frames"]
    assert proxied["close"] == direct["close"] == (1000, "done here")


@pytest.mark.parametrize(
    "headers,code",
    [({}, 3000), ({**AUTH, "OpenAI-Beta": "realtime=v1"}, 4000)],
    ids=["missing-key", "beta-header"],
)
async def test_refusals_arrive_with_the_same_error_and_close(embedded, headers, code) -> None:
    direct = await _script(embedded.url.removesuffix("/v1/realtime"), headers)
    async with ProxyServer("127.0.0.1", 0, embedded.url, env_key="") as px:
        proxied = await _script(px.url, headers)
    assert direct["close"][0] == code
    assert proxied == direct


async def test_openai_sdk_realtime_client_through_the_proxy(embedded) -> None:
    from openai import AsyncOpenAI

    async def run(base: str) -> tuple[list[Any], Any]:
        client = AsyncOpenAI(api_key="sk-canarySDK0123456789abc", websocket_base_url=base + "/v1")
        ids = IdNamer()
        seen: list[Any] = []
        async with client.realtime.connect(model="gpt-realtime") as conn:
            seen.append(normalize(json.loads(await conn.recv_bytes()), ids))
            await conn.session.update(session={"type": "realtime", "output_modalities": ["text"]})
            seen.append(normalize(json.loads(await conn.recv_bytes()), ids))
            await conn.conversation.item.create(
                item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
            )
            await conn.response.create()
            while True:
                event = json.loads(await asyncio.wait_for(conn.recv_bytes(), 20))
                seen.append(normalize(event, ids))
                if event["type"] == "response.done":
                    break
        return seen, None

    direct, _ = await run(embedded.url.removesuffix("/v1/realtime"))
    async with ProxyServer("127.0.0.1", 0, embedded.url, env_key="") as px:
        proxied, _ = await run(px.url)
        for _ in range(100):
            if px.sessions and px.sessions[0].closed.is_set():
                break
            await asyncio.sleep(0.02)
        session = px.sessions[0]
    assert [e["type"] for e in direct][:2] == ["session.created", "session.updated"]
    assert "response.done" in [e["type"] for e in direct]
    assert proxied == direct
    assert session.path == "/v1/realtime?model=gpt-realtime"
