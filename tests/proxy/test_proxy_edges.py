"""Proxy edge cases: browser-style key subprotocols, abrupt upstream loss, folders, embedded upstream."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

from rtinspect.proxy import ProxyServer
from rtinspect.proxy.upstream import upstream_url
from rtinspect.server import EmbeddedServer

KEY = "sk-canarySUBPROTO0123456789ab"


async def _wait_closed(px: ProxyServer, n: int = 1) -> None:
    for _ in range(300):
        if len(px.sessions) >= n and all(s.closed.is_set() for s in px.sessions):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("sessions did not close")


async def test_browser_style_key_subprotocol_is_negotiated_end_to_end_and_never_recorded(
    tmp_path: Path,
) -> None:
    protocols = ["realtime", f"openai-insecure-api-key.{KEY}"]
    async with EmbeddedServer(port=0, transcriber=None) as server:
        async with connect(server.url + "?model=gpt-realtime", subprotocols=protocols) as ws:
            direct = (ws.subprotocol, json.loads(await ws.recv())["type"])
        log = tmp_path / "b.jsonl"
        async with ProxyServer("127.0.0.1", 0, server.url, record=log, env_key="") as px:
            async with connect(px.url + "/v1/realtime?model=gpt-realtime", subprotocols=protocols) as ws:
                proxied = (ws.subprotocol, json.loads(await ws.recv())["type"])
            await _wait_closed(px)
    assert proxied == direct == ("realtime", "session.created")
    text = log.read_text()
    assert KEY not in text
    header = json.loads(text.splitlines()[0])
    assert header["headers"]["Sec-WebSocket-Protocol"] == "realtime, openai-insecure-api-key.[redacted]"


async def test_upstream_vanishing_drops_the_app_connection_and_is_recorded_as_network() -> None:
    async def handler(ws) -> None:  # noqa: ANN001
        await ws.send('{"type":"session.created"}')
        await ws.recv()
        ws.transport.abort()  # no close frame: 1006 for everyone

    async with serve(handler, "127.0.0.1", 0) as up:
        port = next(iter(up.sockets)).getsockname()[1]
        async with ProxyServer("127.0.0.1", 0, f"ws://127.0.0.1:{port}", env_key="") as px:
            async with connect(px.url + "/v1/realtime?model=m") as ws:
                await ws.recv()
                await ws.send('{"type":"response.create"}')
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 10)
                assert ws.close_code == 1006
            await _wait_closed(px)
            assert px.sessions[0].closed_by is None  # recorded as closed by "network", code 1006


async def test_record_folder_gets_one_log_per_connection(tmp_path: Path) -> None:
    async with (
        EmbeddedServer(port=0, transcriber=None) as server,
        ProxyServer("127.0.0.1", 0, server.url, record_dir=tmp_path, env_key="") as px,
    ):
        for _ in range(2):
            async with connect(
                px.url + "/v1/realtime?model=gpt-realtime",
                additional_headers={"Authorization": "Bearer x123456"},
            ) as ws:
                await ws.recv()
        await _wait_closed(px, 2)
    logs = sorted(tmp_path.glob("proxy-*.jsonl"))
    assert len(logs) == 2 and all('"session.created"' in p.read_text() for p in logs)


async def test_embedded_upstream_keyword() -> None:
    async with ProxyServer("127.0.0.1", 0, "embedded", env_key="sk-local0123456") as px:
        assert px.upstream.startswith("ws://127.0.0.1:") and px.upstream.endswith("/v1/realtime")
        async with connect(px.url + "/v1/realtime?model=gpt-realtime") as ws:
            assert json.loads(await ws.recv())["type"] == "session.created"


@pytest.mark.parametrize(
    "upstream,path,expected",
    [
        (
            "wss://api.openai.com/v1/realtime",
            "/v1/realtime?model=a",
            "wss://api.openai.com/v1/realtime?model=a",
        ),
        ("wss://api.openai.com/v1/realtime", "/realtime?model=a", "wss://api.openai.com/v1/realtime?model=a"),
        ("wss://api.openai.com/v1/realtime", "/?model=a", "wss://api.openai.com/v1/realtime?model=a"),
        ("ws://127.0.0.1:9", "/v1/realtime?model=a&x=1", "ws://127.0.0.1:9/v1/realtime?model=a&x=1"),
        (
            "wss://r.openai.azure.com/openai/realtime?api-version=2025-04-01",
            "/openai/realtime?deployment=d",
            "wss://r.openai.azure.com/openai/realtime?api-version=2025-04-01&deployment=d",
        ),
    ],
)
def test_upstream_url_keeps_the_apps_path_and_query(upstream: str, path: str, expected: str) -> None:
    assert upstream_url(upstream, path) == expected
