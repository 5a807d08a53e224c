"""Every credential carrier is scrubbed, everywhere: canary keys go in through each carrier (auth
headers, ``api-key``, both browser subprotocols, URL user-info and query, ``client_secret``, the
environment) and every file a recording, an import or an export produces is grepped for them."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
from pathlib import Path

from websockets.asyncio.client import connect

from rtinspect.proxy import ProxyServer
from rtinspect.secrets import REDACTED, scrub_event, scrub_headers, scrub_url

# Not one of these has a key's shape (no sk-/ek_ prefix): only the "known secret" rule catches them
# where they are echoed back in frames.
EPHEMERAL = "EPHEMcanary0123456789abcdefABC"
BROWSER_KEY = "BROWSERcanary0123456789abcdef"
AZURE = "a1b2c3d4e5f60718293a4b5c6d7e8f90"  # Azure keys are 32 hex digits: all base64 characters
BEARER = "BEARERcanary0123456789abcdefXY"
ENV_KEY = "ENVcanary0123456789abcdefXYZ012"
USERINFO = "USERINFOcanary0123456789"
CANARIES = (EPHEMERAL, BROWSER_KEY, AZURE, BEARER, ENV_KEY, USERINFO, "canary")


def _grep_tree(root: Path) -> list[str]:
    hits = []
    for p in root.rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            hits += [f"{p.name}: {c}" for c in CANARIES if c.encode() in data]
    return hits


def test_scrubber_covers_every_carrier() -> None:
    headers = scrub_headers(
        {
            "Sec-WebSocket-Protocol": f"realtime, openai-insecure-ephemeral-key.{EPHEMERAL}, "
            f"openai-insecure-api-key.{BROWSER_KEY}",
            "api-key": AZURE,
            "Authorization": f"Bearer {BEARER}",
        }
    )
    assert headers["Sec-WebSocket-Protocol"] == (
        f"realtime, openai-insecure-ephemeral-key.{REDACTED}, openai-insecure-api-key.{REDACTED}"
    )
    assert headers["api-key"] == REDACTED and headers["Authorization"] == REDACTED
    url = scrub_url(f"wss://user:{USERINFO}@h.example/v1/realtime?model=m&api-key={AZURE}")
    assert USERINFO not in url and AZURE not in url and "model=m" in url
    # every value seen in a carrier is now known and scrubbed wherever it turns up
    event = scrub_event(
        {"type": "x", "a": f"echo {EPHEMERAL}", "b": [BROWSER_KEY], "c": {"d": f"{AZURE}!"}, "e": BEARER}
    )
    assert not any(c in json.dumps(event) for c in CANARIES)
    secret = scrub_event(
        {"type": "s", "client_secret": {"value": "CLIENTSECRETvalue0123456", "expires_at": 1}}
    )
    assert secret["client_secret"] == REDACTED
    assert scrub_event({"type": "y", "v": "CLIENTSECRETvalue0123456"})["v"] == REDACTED


async def _record_through_proxy(key_upstream, log: Path) -> None:
    async with ProxyServer("127.0.0.1", 0, key_upstream.url, record=log) as px:
        async with connect(
            px.url + f"/v1/realtime?model=gpt-realtime&api-key={AZURE}",
            subprotocols=["realtime", f"openai-insecure-ephemeral-key.{EPHEMERAL}"],  # type: ignore[list-item]
        ) as ws:
            await ws.recv()
            await ws.send(json.dumps({"type": "conversation.item.create", "note": f"my key is {EPHEMERAL}"}))
            await ws.recv()
            audio = base64.b64encode(b"\x00\x01" * 600).decode()
            await ws.send(json.dumps({"type": "input_audio_buffer.append", "audio": audio + AZURE}))
            await ws.recv()
        for _ in range(200):
            if px.sessions and px.sessions[0].closed.is_set():
                break
            await asyncio.sleep(0.01)


def _rtinspect(*args: str, env_key: str = ENV_KEY) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPENAI_API_KEY": env_key}
    return subprocess.run(
        [sys.executable, "-m", "rtinspect", *args], capture_output=True, text=True, timeout=120, env=env
    )


async def test_browser_ephemeral_key_never_reaches_recording_or_exports(key_upstream, tmp_path: Path) -> None:
    log = tmp_path / "rec" / "app.jsonl"
    await _record_through_proxy(key_upstream, log)
    header = json.loads(log.read_text().splitlines()[0])
    assert (
        header["headers"]["Sec-WebSocket-Protocol"] == f"realtime, openai-insecure-ephemeral-key.{REDACTED}"
    )
    assert '"note":"my key is [redacted]"' in log.read_text()
    done = _rtinspect("export", str(log), "--out", str(tmp_path / "out"), "--har", "--markdown", "--script")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "session.har").is_file()
    assert _grep_tree(tmp_path) == []
    assert not any(c in done.stdout + done.stderr for c in CANARIES)


def _har(entries: list[dict]) -> dict:
    return {"log": {"version": "1.2", "creator": {"name": "t"}, "entries": entries}}


def test_har_import_treats_every_header_credential_as_a_secret_everywhere(tmp_path: Path) -> None:
    audio = base64.b64encode(b"\x00\x01" * 300).decode()
    frames = [
        {"type": "receive", "time": 1.0, "opcode": 1, "data": json.dumps({"type": "session.created"})},
        {
            "type": "send",
            "time": 1.1,
            "opcode": 1,
            "data": json.dumps({"type": "input_audio_buffer.append", "audio": AZURE}),
        },
        {
            "type": "send",
            "time": 1.2,
            "opcode": 1,
            "data": json.dumps({"type": "input_audio_buffer.append", "audio": audio}),
        },
        {
            "type": "receive",
            "time": 1.3,
            "opcode": 1,
            "data": json.dumps({"type": "error", "error": {"message": f"bad key {AZURE} / {BEARER}"}}),
        },
        {"type": "receive", "time": 1.4, "opcode": 1, "data": f"not json {EPHEMERAL} {ENV_KEY}"},
    ]
    har = _har(
        [
            {  # the page fetched an ephemeral secret first: its bearer key must be known too
                "request": {
                    "method": "POST",
                    "url": f"https://api.example/v1/realtime/client_secrets?key={USERINFO}",
                    "headers": [{"name": "Authorization", "value": f"Bearer {BEARER}"}],
                },
                "response": {"content": {"text": json.dumps({"value": EPHEMERAL})}},
            },
            {
                "_resourceType": "websocket",
                "request": {
                    "url": "wss://r.openai.azure.com/openai/realtime?deployment=d",
                    "headers": [
                        {"name": "api-key", "value": AZURE},
                        {
                            "name": "Sec-WebSocket-Protocol",
                            "value": f"realtime, openai-insecure-ephemeral-key.{EPHEMERAL}",
                        },
                    ],
                },
                "_webSocketMessages": frames,
            },
        ]
    )
    src = tmp_path / "in" / "page.har"
    src.parent.mkdir()
    src.write_text(json.dumps(har))
    out = tmp_path / "out" / "page.jsonl"
    done = _rtinspect("import", str(src), "-o", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert '"type":"error"' in text and text.count(REDACTED) >= 4
    exported = _rtinspect("export", str(out), "--out", str(tmp_path / "out" / "x"), "--har")
    assert exported.returncode == 0, exported.stderr
    assert _grep_tree(tmp_path / "out") == []
    assert not any(c in done.stdout + done.stderr + exported.stdout for c in CANARIES)


def test_export_scrubs_a_key_an_old_recording_still_holds(tmp_path: Path) -> None:
    """A log written by hand or an older version: the environment's key is known and cut on export."""
    log = tmp_path / "old.jsonl"
    lines = [
        {"rtinspect_log": 1, "started": "2026-01-01T00:00:00Z", "url": None, "dialect": "ga"},
        {
            "t": 0.1,
            "dir": "client",
            "type": "session.update",
            "event": {"type": "session.update", "x": ENV_KEY},
        },
        {
            "t": 0.2,
            "dir": "server",
            "type": "error",
            "event": {"type": "error", "error": {"message": ENV_KEY}},
        },
    ]
    log.write_text("".join(json.dumps(x) + "\n" for x in lines))
    done = _rtinspect("export", str(log), "--out", str(tmp_path / "x"), "--har", "--markdown", "--script")
    assert done.returncode == 0, done.stderr
    assert ENV_KEY.encode() not in b"".join(p.read_bytes() for p in (tmp_path / "x").iterdir())
