"""`rtinspect proxy --headless` as a user runs it: lines per event, a log per app, no key anywhere."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

from websockets.asyncio.client import connect

CANARY = "sk-canaryCLI0123456789abcdefXYZ"


async def _read_until(stream: asyncio.StreamReader, needle: str, lines: list[str]) -> str:
    while True:
        raw = await asyncio.wait_for(stream.readline(), 30)
        if not raw:
            raise AssertionError(f"proxy exited before printing {needle!r}: {lines}")
        line = raw.decode()
        lines.append(line)
        if needle in line:
            return line


async def test_headless_proxy_prints_events_records_and_never_shows_the_key(upstream, tmp_path) -> None:
    log = tmp_path / "app.jsonl"
    env = {**os.environ, "OPENAI_API_KEY": CANARY, "PYTHONUNBUFFERED": "1"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "rtinspect", "proxy", "--headless", "--listen", "127.0.0.1:0",
        "--upstream", upstream.url, "--record", str(log), "--inject-key",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    lines: list[str] = []
    try:
        first = await _read_until(proc.stdout, "listening on", lines)
        url = first.split("listening on ", 1)[1].split(" ", 1)[0]
        async with connect(url + "/v1/realtime?model=gpt-realtime") as ws:
            hello = json.loads(await ws.recv())
            assert hello["auth"] == f"Bearer {CANARY}"  # injected from the environment (--inject-key)
            await ws.send(json.dumps({"type": "session.update", "session": {"type": "realtime"}}))
            await ws.recv()
            await ws.send(json.dumps({"type": "input_audio_buffer.append", "audio": "AAAA" * 1200}))
            await ws.recv()
            await ws.send(json.dumps({"type": "note", "text": f"leak {CANARY}"}))
            await ws.recv()
        await _read_until(proc.stdout, "rtinspect.connection.closed", lines)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    text = "".join(lines) + out.decode() + err.decode()
    assert CANARY not in text
    assert "app connected: /v1/realtime?model=gpt-realtime" in text
    assert "app→ session.update" in text
    assert "←api session.created" in text
    assert "input_audio_buffer.append  3600 bytes" in text
    assert "doctor " in text  # the doctor runs live on proxied sessions
    assert "[1] summary: 3 client / 4 server events" in text
    recorded = log.read_text()
    assert CANARY not in recorded
    assert '"type":"session.update"' in recorded
    assert proc.returncode == 0, err.decode()


async def test_bad_listen_flag_is_one_line_error() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "rtinspect", "proxy", "--headless", "--listen", "127.0.0.1:notaport",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2
    assert err.decode().strip().count("\n") == 0 and "--listen" in err.decode()


async def test_without_headless_the_proxy_says_it_falls_back_when_the_tui_has_no_proxy_view() -> None:
    import importlib.util

    if importlib.util.find_spec("rtinspect.tui.proxy") is not None:
        return  # the TUI offers the proxy view: nothing to fall back from
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "rtinspect", "proxy", "--listen", "127.0.0.1:0", "--upstream", "ws://127.0.0.1:9",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        line = await asyncio.wait_for(proc.stderr.readline(), 30)
        assert b"running headless" in line
        assert b"listening on" in await asyncio.wait_for(proc.stdout.readline(), 30)
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0


async def test_unreachable_upstream_error_never_carries_the_key(unused_tcp_port: int) -> None:
    from websockets.exceptions import InvalidStatus

    env = {**os.environ, "OPENAI_API_KEY": CANARY}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "rtinspect", "proxy", "--headless", "--listen", "127.0.0.1:0",
        "--upstream", f"ws://127.0.0.1:{unused_tcp_port}",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    lines: list[str] = []
    try:
        first = await _read_until(proc.stdout, "listening on", lines)
        url = first.split("listening on ", 1)[1].split(" ", 1)[0]
        try:
            await connect(
                url + "/v1/realtime?model=m", additional_headers={"Authorization": f"Bearer {CANARY}"}
            )
        except InvalidStatus as err:
            body = bytes(err.response.body or b"").decode()
            assert err.response.status_code == 502 and "cannot reach upstream" in body
            assert CANARY not in body
        else:
            raise AssertionError("the proxy accepted a connection it cannot forward")
        await _read_until(proc.stdout, "rtinspect.transport.error", lines)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert CANARY not in "".join(lines) + out.decode() + err.decode()


def test_busy_port_is_a_one_line_error() -> None:
    import socket
    import subprocess

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = subprocess.run(
            [sys.executable, "-m", "rtinspect", "proxy", "--headless", "--listen", f"127.0.0.1:{port}",
             "--upstream", "ws://127.0.0.1:9"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert out.returncode == 2
    assert out.stderr == f"rtinspect: cannot listen on 127.0.0.1:{port}: Address already in use\n"
