"""The ``realtime_server`` pytest fixture (rtinspect's pytest11 plugin), used here as a user's suite would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect

from rtinspect.testing import RealtimeServer


def _ask(server: RealtimeServer, text: str) -> dict[str, Any]:
    """One typed turn over a plain WebSocket; the ``response.done`` that answers it."""
    with connect(server.model_url, additional_headers=server.headers) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "session.created"
        ws.send(
            json.dumps(
                {"type": "session.update", "session": {"type": "realtime", "output_modalities": ["text"]}}
            )
        )
        item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
        ws.send(json.dumps({"type": "conversation.item.create", "item": item}))
        ws.send(json.dumps({"type": "response.create"}))
        while True:
            ev = json.loads(ws.recv(timeout=10))
            if ev["type"] == "response.done":
                return ev["response"]


def _words(response: dict[str, Any]) -> str:
    return " ".join(p.get("text", "") for o in response["output"] for p in o.get("content", []))


def test_fixture_serves_with_any_key(realtime_server: RealtimeServer) -> None:
    assert realtime_server.url == f"ws://127.0.0.1:{realtime_server.port}/v1/realtime"
    assert realtime_server.websocket_base_url == f"ws://127.0.0.1:{realtime_server.port}/v1"
    done = _ask(realtime_server, "hello there")
    assert done["status"] == "completed" and "I heard: hello there" in _words(done)


@pytest.mark.realtime(script={"rules": [{"match": "hello", "say": "Scripted hello."}]}, transcriber="none")
def test_marker_script(realtime_server: RealtimeServer) -> None:
    assert _words(_ask(realtime_server, "hello there")) == "Scripted hello."
    realtime_server.use_script(None, faults=["insufficient_quota"])  # the next connections fail
    done = _ask(realtime_server, "hello there")
    assert done["status"] == "failed"
    assert done["status_details"]["error"]["code"] == "insufficient_quota"


@pytest.mark.realtime(faults=["content_filter"], transcriber="none")
async def test_marker_faults_with_the_openai_sdk(realtime_server: RealtimeServer) -> None:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(
        api_key=realtime_server.api_key, websocket_base_url=realtime_server.websocket_base_url
    )
    async with client.realtime.connect(model="gpt-realtime") as conn:
        await conn.session.update(session={"type": "realtime", "output_modalities": ["text"]})
        await conn.conversation.item.create(
            item={
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "a b c d e f"}],
            }
        )
        await conn.response.create()
        async for ev in conn:
            if ev.type == "response.done":
                break
    assert ev.response.status == "incomplete"
    assert ev.response.status_details is not None and ev.response.status_details.reason == "content_filter"


def test_a_users_suite_gets_the_fixture_without_any_setup(tmp_path: Path) -> None:
    """A fresh project with only a test file: pytest finds the fixture through the entry point."""
    (tmp_path / "test_app.py").write_text(
        textwrap.dedent(
            """
            import json
            import pytest
            from websockets.sync.client import connect

            @pytest.mark.realtime(faults=["rate_limit_exceeded"], transcriber="none")
            def test_rate_limited(realtime_server):
                with connect(realtime_server.model_url, additional_headers=realtime_server.headers) as ws:
                    assert json.loads(ws.recv(timeout=10))["type"] == "session.created"
                    ws.send(json.dumps({"type": "response.create"}))
                    while (ev := json.loads(ws.recv(timeout=10)))["type"] != "response.done":
                        pass
                assert ev["response"]["status_details"]["error"]["code"] == "rate_limit_exceeded"

            @pytest.mark.realtime(colour="blue")
            def test_bad_marker(realtime_server):
                pass
            """
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert "1 passed" in proc.stdout and "1 error" in proc.stdout, proc.stdout + proc.stderr
    assert "unknown argument 'colour'" in proc.stdout


def test_servers_share_one_transcriber_pool(
    realtime_server: RealtimeServer, realtime_transcriber: Any
) -> None:
    """Each test gets its own server, but pocketsphinx workers start (and load the model) once per run."""
    assert realtime_server._thread.server.transcriber is realtime_transcriber
