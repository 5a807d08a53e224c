"""The proxy tells an app that sent no key apart from one whose key was refused."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


async def _line_with(stream: asyncio.StreamReader, needle: str, lines: list[str]) -> str:
    while True:
        raw = await asyncio.wait_for(stream.readline(), 30)
        if not raw:
            raise AssertionError(f"proxy exited before printing {needle!r}: {lines}")
        lines.append(raw.decode())
        if needle in lines[-1]:
            return lines[-1]


async def test_no_key_sent_is_not_called_a_refused_key() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"} | {"PYTHONUNBUFFERED": "1"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "rtinspect", "proxy", "--headless", "--listen", "127.0.0.1:0",
        "--upstream", "embedded",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        first = await _line_with(proc.stdout, "listening on", lines)
        url = first.split("listening on ", 1)[1].split(" ", 1)[0]
        async with connect(url + "/v1/realtime?model=gpt-realtime") as ws:  # no Authorization header
            error = await ws.recv()
            with contextlib.suppress(ConnectionClosed):
                await ws.recv()
        assert "any key works" in str(error)
        finding = await _line_with(proc.stdout, "doctor error: authentication", lines)
    finally:
        proc.terminate()
        await proc.wait()
    assert "authentication-missing: no API key was sent" in finding, lines
    assert not any("was refused" in line for line in lines), lines
