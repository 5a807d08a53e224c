"""Cross-site WebSocket hijacking: a web page must not reach the upstream through the proxy, and the
proxy lends the environment's key only when the user asked for it (``--inject-key``)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from rtinspect.origin import check_origin, origin_allowed
from rtinspect.proxy import ProxyServer

CANARY = "sk-canaryORIGIN0123456789abcdef"
EVIL = "https://evil.example"


@pytest.mark.parametrize(
    "origin,allowed,ok",
    [
        (None, [], True),  # SDKs and websockets send no Origin
        (EVIL, [], False),
        ("null", [], False),  # sandboxed iframes and file:// pages
        (EVIL, ["https://good.example"], False),
        ("https://Good.Example/", ["https://good.example"], True),
        ("http://localhost:5173", ["http://localhost:*"], True),
        ("http://localhost.evil.example:80", ["http://localhost:*"], False),
        ("https://evil.example", ["*"], True),
    ],
)
def test_origin_rule(origin: str | None, allowed: list[str], ok: bool) -> None:
    assert origin_allowed(origin, allowed) is ok
    headers = [] if origin is None else [("Origin", origin)]
    line = check_origin(headers, allowed, "rtinspect proxy")
    assert (line is None) is ok
    if line is not None:
        assert origin in line and "--allow-origin" in line and "\n" not in line


async def _refused_status(url: str, origin: str, **kw) -> int:
    with pytest.raises(InvalidStatus) as info:
        await connect(url, origin=origin, **kw)  # type: ignore[arg-type]
    return info.value.response.status_code


async def test_a_browser_origin_is_refused_before_anything_reaches_upstream(key_upstream, tmp_path) -> None:
    notices: list[str] = []
    async with ProxyServer(
        "127.0.0.1", 0, key_upstream.url, env_key=CANARY, inject_key=True, record_dir=tmp_path
    ) as px:
        px.subscribe_notices(notices.append)
        url = px.url + "/v1/realtime?model=gpt-realtime"
        assert await _refused_status(url, EVIL) == 403
        # even carrying its own key, a page is refused: the rule is about who connects
        assert (
            await _refused_status(url, EVIL, additional_headers={"Authorization": "Bearer x1234567"}) == 403
        )
        assert px.sessions == [] and px.refused_origins == 2
    assert key_upstream.requests == []  # the upstream never heard of it
    assert list(tmp_path.iterdir()) == []  # nothing recorded
    assert len(notices) == 2 and EVIL in notices[0] and f"--allow-origin '{EVIL}'" in notices[0]


async def test_allowed_origin_and_no_origin_pass(key_upstream) -> None:
    async with ProxyServer(
        "127.0.0.1", 0, key_upstream.url, env_key="", allow_origins=["http://localhost:*"]
    ) as px:
        url = px.url + "/v1/realtime?model=m"
        async with connect(url, origin="http://localhost:5173") as ws:  # type: ignore[arg-type]
            assert json.loads(await ws.recv())["type"] == "session.created"
        async with connect(url) as ws:
            assert json.loads(await ws.recv())["type"] == "session.created"
        assert await _refused_status(url, "http://localhost.evil.example") == 403
    assert len(key_upstream.requests) == 2


async def test_keyless_connection_is_forwarded_without_the_key_unless_asked(key_upstream) -> None:
    async with ProxyServer("127.0.0.1", 0, key_upstream.url, env_key=CANARY) as px:
        assert "adds none" in px.key_policy
        async with connect(px.url + "/v1/realtime?model=m") as ws:
            assert json.loads(await ws.recv())["auth"] is None
    async with ProxyServer("127.0.0.1", 0, key_upstream.url, env_key=CANARY, inject_key=True) as px:
        assert "--inject-key" in px.key_policy and "is added" in px.key_policy
        async with connect(px.url + "/v1/realtime?model=m") as ws:
            assert json.loads(await ws.recv())["auth"] == f"Bearer {CANARY}"


async def _read_until(stream: asyncio.StreamReader, needle: str, lines: list[str]) -> str:
    while True:
        raw = await asyncio.wait_for(stream.readline(), 30)
        if not raw:
            raise AssertionError(f"proxy exited before printing {needle!r}: {lines}")
        lines.append(raw.decode())
        if needle in lines[-1]:
            return lines[-1]


async def test_cli_refuses_a_page_says_how_to_allow_it_and_banner_names_the_key_rule(key_upstream) -> None:
    env = {**os.environ, "OPENAI_API_KEY": CANARY, "PYTHONUNBUFFERED": "1"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "rtinspect", "proxy", "--headless", "--listen", "127.0.0.1:0",
        "--upstream", key_upstream.url, "--allow-origin", "http://localhost:*",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    lines: list[str] = []
    try:
        first = await _read_until(proc.stdout, "listening on", lines)
        url = first.split("listening on ", 1)[1].split(" ", 1)[0] + "/v1/realtime?model=m"
        await _read_until(proc.stdout, "key: passed through from your app; the proxy adds none", lines)
        assert await _refused_status(url, EVIL) == 403
        line = await _read_until(proc.stdout, "refused a WebSocket from origin", lines)
        assert EVIL in line and "--allow-origin" in line
        async with connect(url, origin="http://localhost:3000") as ws:  # type: ignore[arg-type]
            assert json.loads(await ws.recv())["auth"] is None  # no key lent without --inject-key
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert CANARY not in "".join(lines) + out.decode() + err.decode()
    assert proc.returncode == 0


def test_inject_key_without_a_key_is_a_one_line_error() -> None:
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    out = subprocess.run(
        [sys.executable, "-m", "rtinspect", "proxy", "--headless", "--listen", "127.0.0.1:0",
         "--upstream", "ws://127.0.0.1:9", "--inject-key"],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "OPENAI_API_KEY" in out.stderr
