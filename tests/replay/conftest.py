"""A recorded session to replay: a scripted app through the recording proxy to the embedded server."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path

import numpy as np
import pytest
from websockets.asyncio.client import connect

from rtinspect.proxy import ProxyServer
from rtinspect.server import EmbeddedServer

AUTH = {"Authorization": "Bearer sk-canaryREPLAY0123456789"}


def tone_b64(ms: int) -> str:
    t = np.arange(24 * ms) / 24000
    return base64.b64encode((np.sin(2 * np.pi * 220 * t) * 8000).astype("<i2").tobytes()).decode()


async def record_session(path: Path, *, commit_empty: bool = True) -> Path:
    """Config (VAD off), a rejected update, an empty commit, one committed turn with a response."""
    async with (
        EmbeddedServer(port=0, transcriber=None) as server,
        ProxyServer("127.0.0.1", 0, server.url, record=path, env_key="") as px,
    ):
        async with connect(px.url + "/v1/realtime?model=gpt-realtime", additional_headers=AUTH) as ws:

            async def until(type_: str) -> dict:
                while True:
                    event = json.loads(await asyncio.wait_for(ws.recv(), 20))
                    if event["type"] == type_:
                        return event

            await until("session.created")
            session = {
                "type": "realtime",
                "instructions": "Be brief.",
                "audio": {"input": {"turn_detection": None}},
            }
            await ws.send(json.dumps({"type": "session.update", "session": session}))
            await until("session.updated")
            bad = {"type": "realtime", "audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}}}
            await ws.send(json.dumps({"type": "session.update", "session": bad}))
            await until("error")
            if commit_empty:
                await ws.send(json.dumps({"type": "input_audio_buffer.commit"}))
                await until("error")
            for _ in range(5):
                await ws.send(json.dumps({"type": "input_audio_buffer.append", "audio": tone_b64(60)}))
            await ws.send(json.dumps({"type": "input_audio_buffer.commit"}))
            await ws.send(json.dumps({"type": "response.create"}))
            await until("response.done")
            await until("rate_limits.updated")
        for _ in range(200):
            if px.sessions and px.sessions[0].closed.is_set():
                break
            await asyncio.sleep(0.01)
    return path


@pytest.fixture
async def recorded(tmp_path: Path) -> Path:
    return await record_session(tmp_path / "original.jsonl")
