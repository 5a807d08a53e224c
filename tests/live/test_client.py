"""The tapped client over real loopback sockets against small scripted servers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from rtinspect.tap import META_BINARY_FRAME, META_CONNECTION_CLOSED, META_CONNECTION_OPENED, EventTap, Tapped
from rtinspect.transport import META_RAW_FRAME, RealtimeClient, Target, TransportError

Handler = Callable[[ServerConnection], Awaitable[None]]
KEY = "sk-canary-client-abcdef0123456789"


@asynccontextmanager
async def scripted(handler: Handler) -> AsyncIterator[str]:
    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}/v1/realtime"


def client_for(url: str) -> tuple[RealtimeClient, list[Tapped]]:
    seen: list[Tapped] = []
    tap = EventTap()
    tap.add_sink(seen.append)
    target = Target.custom(url, {"Authorization": f"Bearer {KEY}"}, model="gpt-realtime")
    return RealtimeClient(target, tap), seen


async def echo(ws: ServerConnection) -> None:
    await ws.send(json.dumps({"type": "session.created", "session": {}}))
    async for msg in ws:
        if msg == "close-me":
            await ws.close(4000, "invalid_request_error.beta_api_shape_disabled")
            return
        if msg == "binary-please":
            await ws.send(b"\x00\x01\x02")
        elif msg == "garbage-please":
            await ws.send("not json {")
        elif msg == "drop":
            ws.transport.abort()  # the network goes away: no close frame
            return
        else:
            await ws.send(msg)


async def test_frames_both_ways_are_tapped_with_scrubbed_connection_meta() -> None:
    async with scripted(echo) as url:
        client, seen = client_for(url)
        await client.connect()
        await client.wait_for("session.created")
        sent = await client.send({"type": "response.create", "event_id": "e1"})
        assert sent.dir == "client"
        echoed = await client.wait_for(lambda r: r.dir == "server" and r.type == "response.create")
        assert echoed.event == {"type": "response.create", "event_id": "e1"}
        await client.send_raw("binary-please")
        binary = await client.wait_for(META_BINARY_FRAME)
        assert binary.event["size"] == 3 and binary.event["dir"] == "server"
        await client.send_raw("garbage-please")
        raw = await client.wait_for(lambda r: r.type == META_RAW_FRAME and r.event["dir"] == "server")
        assert raw.event["text"] == "not json {"
        await client.send_raw(b"\xff\xfe")
        await client.close()
        assert await client.closed == (1000, "")
    opened = seen[0]
    assert opened.type == META_CONNECTION_OPENED
    assert opened.event["headers"] == {"Authorization": "[redacted]"}
    assert KEY not in json.dumps([r.event for r in seen])
    closed = [r for r in seen if r.type == META_CONNECTION_CLOSED]
    assert len(closed) == 1 and closed[0].event["by"] == "client"
    assert [r.t for r in seen] == sorted(r.t for r in seen)


async def test_server_close_code_and_reason() -> None:
    async with scripted(echo) as url:
        client, seen = client_for(url)
        await client.connect()
        await client.send_raw("close-me")
        code, reason = await asyncio.wait_for(client.closed, 10)
    assert (code, reason) == (4000, "invalid_request_error.beta_api_shape_disabled")
    assert seen[-1].event["by"] == "server"
    with pytest.raises(TransportError, match="already closed"):
        await client.send({"type": "x"})


async def test_a_drop_mid_session_is_a_network_close_and_nothing_is_lost() -> None:
    async def chatty(ws: ServerConnection) -> None:
        for i in range(50):
            await ws.send(json.dumps({"type": "tick", "i": i}))
        await ws.recv()
        ws.transport.abort()

    async with scripted(chatty) as url:
        client, seen = client_for(url)
        await client.connect()
        await client.wait_for(lambda r: r.event.get("i") == 49)
        await client.send({"type": "bye"})
        code, _ = await asyncio.wait_for(client.closed, 10)
    assert code == 1006
    assert seen[-1].type == META_CONNECTION_CLOSED and seen[-1].event["by"] == "network"
    assert [r.event["i"] for r in seen if r.type == "tick"] == list(range(50))
    with pytest.raises(TransportError):
        await client.wait_for("never")


async def test_reader_does_not_wait_for_a_slow_consumer() -> None:
    """The TUI's sink only queues; the reader drains the socket even when nobody reads the queue."""

    async def burst(ws: ServerConnection) -> None:
        for i in range(2000):
            await ws.send(json.dumps({"type": "burst", "i": i}))
        await ws.send(json.dumps({"type": "end"}))
        await ws.wait_closed()

    async with scripted(burst) as url:
        client, _ = client_for(url)
        queue: asyncio.Queue[Tapped] = asyncio.Queue()
        client.tap.add_sink(queue.put_nowait)
        await client.connect()
        await client.wait_for("end", timeout=30)
        assert queue.qsize() >= 2001  # everything arrived while the consumer read nothing
        await client.close()


async def test_refused_connections_are_one_line_user_errors() -> None:
    client, seen = client_for("ws://127.0.0.1:1/v1/realtime")
    with pytest.raises(TransportError) as info:
        await client.connect()
    assert "\n" not in str(info.value) and "cannot connect" in str(info.value)
    assert seen[-1].event["message"] == str(info.value)

    async def reject(connection: Any, request: Any) -> Any:
        return connection.respond(401, f"bad key {KEY}\n")

    async with serve(echo, "127.0.0.1", 0, process_request=reject) as server:
        port = server.sockets[0].getsockname()[1]
        client, _ = client_for(f"ws://127.0.0.1:{port}/v1/realtime")
        with pytest.raises(TransportError) as info:
            await client.connect()
    assert "HTTP 401" in str(info.value) and KEY not in str(info.value) and "\n" not in str(info.value)


async def test_wait_for_times_out_and_consumes_in_order() -> None:
    async with scripted(echo) as url:
        client, _ = client_for(url)
        await client.connect()
        for i in range(3):
            await client.send({"type": "n", "i": i})
        got = [
            (await client.wait_for(lambda r: r.dir == "server" and r.type == "n")).event["i"]
            for _ in range(3)
        ]
        assert got == [0, 1, 2]
        with pytest.raises(TimeoutError):
            await client.wait_for("nothing", timeout=0.05)
        await client.close()
