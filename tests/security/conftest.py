"""An upstream that tells the client which credential reached it, for the key-lending tests."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve


@dataclass
class KeyUpstream:
    url: str = ""
    requests: list[Any] = field(default_factory=list)


@pytest.fixture
async def key_upstream() -> AsyncIterator[KeyUpstream]:
    """Greets with the Authorization header it received, then echoes every message."""
    state = KeyUpstream()

    async def handler(ws: ServerConnection) -> None:
        state.requests.append(ws.request)
        auth = ws.request.headers.get("Authorization")
        await ws.send(json.dumps({"type": "session.created", "auth": auth}))
        async for message in ws:
            await ws.send(message)

    async with serve(handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        state.url = f"ws://127.0.0.1:{port}"
        yield state
