"""A scripted upstream that records exactly what reaches it, for transparency tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.frames import Frame, Opcode


@dataclass
class Upstream:
    url: str = ""
    requests: list[Any] = field(default_factory=list)
    pings: list[bytes] = field(default_factory=list)
    received: list[str | bytes] = field(default_factory=list)
    closes: list[tuple[int | None, str]] = field(default_factory=list)
    conns: list[ServerConnection] = field(default_factory=list)


class _RecordingConnection(ServerConnection):
    upstream: Upstream

    def process_event(self, event: Any) -> None:
        if isinstance(event, Frame) and event.opcode is Opcode.PING:
            self.upstream.pings.append(bytes(event.data))
        super().process_event(event)


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    """Sends a greeting with what it saw, echoes every message, and obeys a few commands:
    ``{"cmd": "close", "code": c, "reason": r}``, ``{"cmd": "ping", "data": s}``, ``{"cmd": "binary"}``."""
    state = Upstream()

    class Conn(_RecordingConnection):
        upstream = state

    async def handler(ws: ServerConnection) -> None:
        state.conns.append(ws)
        state.requests.append(ws.request)
        await ws.send(
            json.dumps(
                {
                    "type": "session.created",
                    "path": ws.request.path,
                    "auth": ws.request.headers.get("Authorization"),
                    "beta": ws.request.headers.get("OpenAI-Beta"),
                }
            )
        )
        try:
            async for message in ws:
                state.received.append(message)
                cmd = None
                if isinstance(message, str) and message.startswith('{"cmd"'):
                    cmd = json.loads(message)
                if cmd and cmd["cmd"] == "close":
                    await ws.close(cmd["code"], cmd["reason"])
                    return
                if cmd and cmd["cmd"] == "ping":
                    await asyncio.wait_for(await ws.ping(cmd["data"].encode()), 5)
                    await ws.send('{"type":"pong.received"}')
                    continue
                if cmd and cmd["cmd"] == "binary":
                    await ws.send(bytes(range(256)))
                    continue
                await ws.send(message)
        finally:
            state.closes.append((ws.close_code, ws.close_reason or ""))

    async with serve(handler, "127.0.0.1", 0, create_connection=Conn) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        state.url = f"ws://127.0.0.1:{port}"
        yield state
