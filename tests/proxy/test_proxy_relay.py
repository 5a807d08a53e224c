"""The proxy forwards frames, pings, closes and credentials unchanged, and taps each event."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from rtinspect.proxy import ProxyServer
from rtinspect.tap import META_BINARY_FRAME, META_CONNECTION_CLOSED, META_CONNECTION_OPENED, Tapped

CANARY = "sk-canaryPROXY0123456789abcdef"


async def _closed(session_list: list, n: int = 1) -> None:
    for _ in range(200):
        if len(session_list) >= n and all(s.closed.is_set() for s in session_list):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("sessions did not close")


async def test_frames_path_and_auth_pass_through(upstream) -> None:
    seen: list[Tapped] = []
    async with ProxyServer(
        "127.0.0.1", 0, upstream.url, on_session=lambda s: s.tap.add_sink(seen.append)
    ) as px:
        async with connect(
            px.url + "/v1/realtime?model=gpt-realtime",
            additional_headers={"Authorization": f"Bearer {CANARY}", "OpenAI-Beta": "realtime=v1"},
        ) as ws:
            hello = json.loads(await ws.recv())
            assert hello["path"] == "/v1/realtime?model=gpt-realtime"
            assert hello["auth"] == f"Bearer {CANARY}"
            assert hello["beta"] == "realtime=v1"
            text = '{"type":"session.update",  "session":{"type":"realtime"}}'
            await ws.send(text)
            assert await ws.recv() == text  # byte-for-byte, spacing included
            await ws.send(b"\x00\xffbinary")
            assert await ws.recv() == b"\x00\xffbinary"
            await ws.send("not json")
            assert await ws.recv() == "not json"
        await _closed(px.sessions)
    assert upstream.received[:3] == [text, b"\x00\xffbinary", "not json"]
    types = [(r.dir, r.type) for r in seen]
    assert types[0] == ("meta", META_CONNECTION_OPENED)
    assert ("server", "session.created") in types
    assert types.count(("client", "session.update")) == 1
    assert types.count(("server", "session.update")) == 1
    binary = [r.event for r in seen if r.type == META_BINARY_FRAME]
    assert {(b["dir"], b["opcode"]) for b in binary} == {
        ("client", "binary"),
        ("server", "binary"),
        ("client", "text"),
        ("server", "text"),
    }
    assert types[-1] == ("meta", META_CONNECTION_CLOSED)
    assert seen[-1].event["by"] == "client" and seen[-1].event["code"] == 1000
    assert CANARY not in repr([r.event for r in seen])


@pytest.mark.parametrize("code,reason", [(4000, "invalid_request_error.beta_api_shape_disabled"), (3000, "")])
async def test_upstream_close_code_and_reason_reach_the_app(upstream, code: int, reason: str) -> None:
    async with ProxyServer("127.0.0.1", 0, upstream.url) as px:
        async with connect(px.url + "/v1/realtime?model=m") as ws:
            await ws.recv()
            await ws.send(json.dumps({"cmd": "close", "code": code, "reason": reason}))
            with pytest.raises(ConnectionClosed):
                await ws.recv()
            assert (ws.close_code, ws.close_reason) == (code, reason)
        await _closed(px.sessions)
        assert px.sessions[0].closed_by == "server" and px.sessions[0].close_code == code


async def test_app_close_code_and_reason_reach_upstream(upstream) -> None:
    async with ProxyServer("127.0.0.1", 0, upstream.url) as px:
        ws = await connect(px.url + "/v1/realtime?model=m")
        await ws.recv()
        await ws.close(4321, "app says bye")
        await _closed(px.sessions)
    for _ in range(100):
        if upstream.closes:
            break
        await asyncio.sleep(0.01)
    assert upstream.closes == [(4321, "app says bye")]


async def test_pings_travel_end_to_end(upstream) -> None:
    async with (
        ProxyServer("127.0.0.1", 0, upstream.url) as px,
        connect(px.url + "/v1/realtime?model=m", ping_interval=None) as ws,
    ):
        await ws.recv()
        # app -> upstream: the upstream sees the app's own ping payload and its pong comes back.
        await asyncio.wait_for(await ws.ping(b"app-ping"), 5)
        assert b"app-ping" in upstream.pings
        # upstream -> app: the upstream's ping is answered by the app through the proxy.
        await ws.send(json.dumps({"cmd": "ping", "data": "up-ping"}))
        assert json.loads(await ws.recv())["type"] == "pong.received"


async def test_key_injected_only_when_app_sends_none(upstream) -> None:
    async with ProxyServer("127.0.0.1", 0, upstream.url, env_key=CANARY, inject_key=True) as px:
        async with connect(px.url + "/v1/realtime?model=m") as ws:
            assert json.loads(await ws.recv())["auth"] == f"Bearer {CANARY}"
        async with connect(
            px.url + "/v1/realtime?model=m", additional_headers={"Authorization": "Bearer mine123"}
        ) as ws:
            assert json.loads(await ws.recv())["auth"] == "Bearer mine123"
        await _closed(px.sessions, 2)
        assert [s.path for s in px.sessions] == ["/v1/realtime?model=m"] * 2


async def test_several_connections_at_once_each_its_own_session_and_log(upstream, tmp_path) -> None:
    async with ProxyServer("127.0.0.1", 0, upstream.url, record=tmp_path / "rec.jsonl") as px:

        async def one(i: int) -> str:
            async with connect(px.url + f"/v1/realtime?model=m{i}") as ws:
                await ws.recv()
                for k in range(20):
                    await ws.send(json.dumps({"type": "conversation.item.create", "n": i, "k": k}))
                    assert json.loads(await ws.recv())["n"] == i
                return "ok"

        assert await asyncio.gather(*(one(i) for i in range(5))) == ["ok"] * 5
        await _closed(px.sessions, 5)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["rec-2.jsonl", "rec-3.jsonl", "rec-4.jsonl", "rec-5.jsonl", "rec.jsonl"]
    for f in tmp_path.iterdir():
        lines = [json.loads(line) for line in f.read_text().splitlines()]
        ns = {line["event"].get("n") for line in lines[1:] if line["dir"] == "client"}
        assert len(ns) == 1  # one app connection per log
        assert sum(1 for line in lines if line.get("dir") == "client") == 20


async def test_upstream_refusal_reaches_the_app_as_the_same_status() -> None:
    from websockets.asyncio.server import serve

    def refuse(conn, request):
        return conn.respond(401, "no key\n")

    async with serve(lambda ws: None, "127.0.0.1", 0, process_request=refuse) as up:
        port = next(iter(up.sockets)).getsockname()[1]
        async with ProxyServer("127.0.0.1", 0, f"ws://127.0.0.1:{port}") as px:
            with pytest.raises(InvalidStatus) as info:
                await connect(px.url + "/v1/realtime?model=m")
            assert info.value.response.status_code == 401
            assert px.sessions[0].closed.is_set()


async def test_unreachable_upstream_answers_502(unused_tcp_port: int) -> None:
    async with ProxyServer("127.0.0.1", 0, f"ws://127.0.0.1:{unused_tcp_port}") as px:
        with pytest.raises(InvalidStatus) as info:
            await connect(px.url + "/v1/realtime?model=m")
        assert info.value.response.status_code == 502


async def test_fragmented_messages_are_forwarded_and_tapped_whole(upstream) -> None:
    seen: list[Tapped] = []
    async with ProxyServer(
        "127.0.0.1", 0, upstream.url, on_session=lambda s: s.tap.add_sink(seen.append)
    ) as px:
        async with connect(px.url + "/v1/realtime?model=m") as ws:
            await ws.recv()
            await ws.send(['{"type":"conversation.item.create",', '"n":1', "}"])  # three frames
            assert await ws.recv() == '{"type":"conversation.item.create","n":1}'
        await _closed(px.sessions)
    assert [r.event for r in seen if r.dir == "client"] == [{"type": "conversation.item.create", "n": 1}]
