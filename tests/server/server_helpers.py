"""Test helpers: a validating Realtime client over a real socket, and synthetic audio."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import numpy as np
from websockets.asyncio.client import ClientConnection, connect

from rtinspect.protocol import Dialect
from rtinspect.protocol.validate import validate_server_event

AUTH = {"Authorization": "Bearer sk-test-not-a-real-key"}
BETA = {**AUTH, "OpenAI-Beta": "realtime=v1"}


def tone(ms: int, rate: int = 24000, amp: int = 8000) -> bytes:
    """A loud 220 Hz tone: 'speech' to the energy VAD."""
    t = np.arange(int(rate * ms / 1000)) / rate
    return (np.sin(2 * np.pi * 220 * t) * amp).astype("<i2").tobytes()


def silence(ms: int, rate: int = 24000) -> bytes:
    return bytes(int(rate * ms / 1000) * 2)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _live_deviation(problem: Any) -> bool:
    """Live beta shapes the protocol core's validator (April 2025 beta schema) does not accept yet, though
    the beta SDK's models do: items being generated carry ``status: in_progress``, and assistant audio
    content is ``{"type": "audio", "transcript": ...}``, and transcription ``.completed`` carries ``usage``
    (sent from mid-2025, after the beta schema was cut; the beta SDK requires it)."""
    if problem.path == "usage" and problem.code == "unknown_parameter":
        return True
    # failed responses carry the error's message too (published captures; the schemas list type and code)
    if problem.path == "response.status_details.error.message" and problem.code == "unknown_parameter":
        return True
    if problem.path == "item.status" and "Invalid value: 'in_progress'" in problem.message:
        return True
    return (
        ".content." in problem.path
        and problem.path.endswith(".type")
        and "Invalid value: 'audio'" in problem.message
    )


class Client:
    """Sends client events and receives server events, validating every one against the dialect's schema."""

    def __init__(self, ws: ClientConnection, dialect: Dialect) -> None:
        self.ws = ws
        self.dialect = dialect
        self.seen: list[dict[str, Any]] = []

    async def send(self, type_: str, **fields: Any) -> None:
        await self.ws.send(json.dumps({"type": type_, **fields}))

    async def append(self, pcm: bytes, chunk_ms: int = 20, bytes_per_ms: int = 48) -> None:
        step = chunk_ms * bytes_per_ms
        for i in range(0, len(pcm), step):
            await self.send("input_audio_buffer.append", audio=b64(pcm[i : i + step]))

    async def recv(self, timeout: float = 10.0) -> dict[str, Any]:
        ev = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        problems = [p for p in validate_server_event(ev, self.dialect) if not _live_deviation(p)]
        assert not problems, (ev.get("type"), problems)
        assert isinstance(ev.get("event_id"), str) and ev["event_id"].startswith("event_")
        self.seen.append(ev)
        return ev

    async def until(self, type_: str, timeout: float = 10.0) -> dict[str, Any]:
        """Receive until an event of ``type_`` arrives; returns it (everything is kept in ``seen``)."""
        while True:
            ev = await self.recv(timeout)
            if ev["type"] == type_:
                return ev

    async def until_any(self, types: tuple[str, ...], timeout: float = 10.0) -> dict[str, Any]:
        """Receive until an event of one of ``types`` arrives; returns it."""
        while True:
            ev = await self.recv(timeout)
            if ev["type"] in types:
                return ev

    async def collect_until(self, type_: str, timeout: float = 10.0) -> list[dict[str, Any]]:
        start = len(self.seen)
        await self.until(type_, timeout)
        return self.seen[start:]

    async def quiet(self, seconds: float = 0.3) -> list[dict[str, Any]]:
        """Everything that arrives within ``seconds`` (used to show that nothing else came)."""
        out = []
        while True:
            try:
                out.append(await self.recv(seconds))
            except TimeoutError:
                return out


async def open_client(
    url: str,
    *,
    headers: dict[str, str] | None = None,
    query: str = "?model=gpt-realtime",
    dialect: Dialect = Dialect.GA,
) -> Client:
    ws = await connect(
        url + query, additional_headers=headers if headers is not None else AUTH, max_size=None
    )
    return Client(ws, dialect)
