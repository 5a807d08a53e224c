"""A session recorded in the retired beta dialect replays against the legacy-beta embedded server."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from websockets.asyncio.client import connect

from rtinspect.exchange.logio import read_log
from rtinspect.proxy import ProxyServer
from rtinspect.replay.plan import plan_from_log
from rtinspect.server import EmbeddedServer

BETA = {"Authorization": "Bearer sk-canaryBETA0123456789", "OpenAI-Beta": "realtime=v1"}


async def _record_beta(path: Path) -> None:
    async with (
        EmbeddedServer(port=0, legacy_beta=True, transcriber=None) as server,
        ProxyServer("127.0.0.1", 0, server.url, record=path, env_key="") as px,
    ):
        async with connect(
            px.url + "/v1/realtime?model=gpt-4o-realtime-preview", additional_headers=BETA
        ) as ws:

            async def until(type_: str) -> None:
                while json.loads(await asyncio.wait_for(ws.recv(), 20))["type"] != type_:
                    pass

            await until("session.created")
            await ws.send(
                json.dumps(
                    {"type": "session.update", "session": {"modalities": ["text"], "turn_detection": None}}
                )
            )
            await until("session.updated")
            item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hello"}]}
            await ws.send(json.dumps({"type": "conversation.item.create", "item": item}))
            await ws.send(json.dumps({"type": "response.create"}))
            await until("response.done")
        for _ in range(200):
            if px.sessions[0].closed.is_set():
                break
            await asyncio.sleep(0.01)


def test_beta_log_replays_in_beta_with_no_difference(tmp_path: Path) -> None:
    log = tmp_path / "beta.jsonl"
    asyncio.run(_record_beta(log))
    plan = plan_from_log(read_log(log))
    assert plan.dialect == "beta" and plan.headers == {"OpenAI-Beta": "realtime=v1"}
    assert plan.model == "gpt-4o-realtime-preview"
    out = subprocess.run(
        [sys.executable, "-m", "rtinspect", "replay", str(log), "--compare", "--as-fast-as-possible"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert "(beta)" in out.stdout and "no differences" in out.stdout
