"""Server scripts and faults over a real socket: the rules answer as written, faults arrive in the live shapes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from rtinspect.errors import UserError
from rtinspect.server import EmbeddedServer, FakeTranscriber
from rtinspect.server import script as rtscript

from .server_helpers import Client, open_client, silence, tone
from .test_tools import WEATHER, _calls, _respond, _say, _text


async def _client(server: EmbeddedServer, **session: Any) -> Client:
    client = await open_client(server.url)
    await client.recv()
    await client.send(
        "session.update",
        session={"type": "realtime", "output_modalities": ["text"], "tools": [WEATHER], **session},
    )
    await client.until("session.updated")
    return client


SCRIPT = {
    "rules": [
        {"turn": 1, "say": "Welcome to the test."},
        {"match": r"weather in (?P<city>\w+)", "call": "get_weather"},
        {
            "match": "berlin",
            "call": {"name": "get_weather", "arguments": {"city": "Berlin", "unit": "celsius"}},
        },
        {"match": "forbidden", "error": {"code": "policy_violation", "message": "Not allowed here."}},
        {"match": "slow", "first_audio_delay_ms": 600, "say": "Sorry for the wait."},
        {"match": "quota", "fault": "insufficient_quota"},
    ]
}


async def test_rules_say_call_error_and_delay() -> None:
    async with EmbeddedServer(transcriber=FakeTranscriber(), script=rtscript.from_data(SCRIPT)) as server:
        client = await _client(server)
        await _say(client, "hi")
        assert _text(await _respond(client)) == "Welcome to the test."
        await _say(client, "what is the weather in lisbon")
        first = await _respond(client)
        assert _calls(first) == [("get_weather", {"city": "lisbon"})]  # the regex's named group
        await client.send(
            "conversation.item.create",
            item={"type": "function_call_output", "call_id": first["output"][0]["call_id"], "output": "rain"},
        )
        await client.until("conversation.item.done")
        # the rule would call get_weather again for the same message: skipped, the output is answered
        assert "get_weather returned: rain" in _text(await _respond(client))
        await _say(client, "and Berlin?")
        assert _calls(await _respond(client)) == [("get_weather", {"city": "Berlin", "unit": "celsius"})]
        await _say(client, "something forbidden")
        await client.send("response.create")
        events = await client.collect_until("response.done")
        err = next(e for e in events if e["type"] == "error")["error"]
        assert (err["code"], err["message"], err["type"]) == (
            "policy_violation",
            "Not allowed here.",
            "invalid_request_error",
        )
        done = events[-1]["response"]
        assert done["status"] == "failed" and done["status_details"]["error"]["code"] == "policy_violation"
        await _say(client, "be slow")
        await client.send("response.create")
        await client.until("response.created")
        t0 = time.monotonic()
        await client.until("response.output_text.delta")
        assert time.monotonic() - t0 >= 0.55


@pytest.mark.parametrize(
    ("fault", "status", "details"),
    [
        (
            "rate_limit_exceeded",
            "failed",
            {"type": "failed", "error": {"type": "tokens", "code": "rate_limit_exceeded"}},
        ),
        (
            "insufficient_quota",
            "failed",
            {"type": "failed", "error": {"type": "insufficient_quota", "code": "insufficient_quota"}},
        ),
        ("server_error", "failed", {"type": "failed", "error": {"type": "server_error", "code": None}}),
        ("max_output_tokens", "incomplete", {"type": "incomplete", "reason": "max_output_tokens"}),
        ("content_filter", "incomplete", {"type": "incomplete", "reason": "content_filter"}),
    ],
)
async def test_response_faults_have_the_live_shapes(fault: str, status: str, details: dict[str, Any]) -> None:
    async with EmbeddedServer(transcriber=FakeTranscriber(), faults=[fault]) as server:
        client = await _client(server)
        await _say(client, "tell me a long story about the sea and the sky")
        await client.send("response.create")
        events = await client.collect_until("response.done")
        done = events[-1]["response"]
        assert done["status"] == status
        got = done["status_details"]
        if "error" in details:
            assert {k: got["error"][k] for k in details["error"]} == details["error"]
            assert got["error"]["message"]
            assert done["output"] == []
        else:
            assert got == details
            assert len(_text(done).split()) == 3  # cut short
        errors = [e["error"] for e in events if e["type"] == "error"]
        assert [e["type"] for e in errors] == (["server_error"] if fault == "server_error" else [])


async def test_dropped_connection_closes_1011() -> None:
    async with EmbeddedServer(transcriber=FakeTranscriber(), faults=["dropped_connection"]) as server:
        client = await _client(server)
        await _say(client, "hi")
        await client.send("response.create")
        await client.until("response.created")
        with pytest.raises(ConnectionClosed):
            await client.until("response.done")
        assert client.ws.close_code == 1011


async def test_transcription_failed_and_session_expiry_from_a_script() -> None:
    script = rtscript.from_data(
        {"session_expires_after_s": 1.5, "rules": [{"turn": 1, "fault": "transcription_failed"}]}
    )
    async with EmbeddedServer(transcriber=FakeTranscriber(), script=script) as server:
        client = await _client(server, audio={"input": {"transcription": {"model": "whisper-1"}}})
        await client.append(silence(100) + tone(500) + silence(400))
        failed = await client.until("conversation.item.input_audio_transcription.failed")
        assert failed["error"]["code"] == "audio_unintelligible" and failed["content_index"] == 0
        err = await client.until("error", timeout=5)
        assert err["error"]["code"] == "session_expired"
        assert err["error"]["message"] == "Your session hit the maximum duration of 0.03 minutes."
        with pytest.raises(ConnectionClosed):
            await client.recv()
        assert client.ws.close_code == 1001


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: [{say: 1}]", "rules[0]: say must be a string"),
        ("rules: [{match: '(', say: x}]", "rules[0]: match is not a valid regular expression"),
        ("rules: [{turn: 0, say: x}]", "rules[0]: turn must be a positive integer"),
        ("rules: [{match: x}]", "rules[0]: no action"),
        ("rules: [{say: x, call: y}]", "rules[0]: say, call, error and fault exclude each other"),
        ("rules: [{sayy: x}]", "rules[0]: unknown field 'sayy'"),
        ("rules: [{fault: nope}]", "rules[0]: fault: unknown fault 'nope'"),
        ("rules: [{say: x}]\nextra: 1", "unknown field 'extra'"),
        ("rules: [{say: x\n", "invalid YAML"),
    ],
)
def test_bad_scripts_are_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "script.yaml"
    path.write_text(text)
    with pytest.raises(UserError) as err:
        rtscript.load(path)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_serve_refuses_a_bad_script_with_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"rules": [{"turn": "one", "say": "x"}]}))
    proc = subprocess.run(
        [sys.executable, "-m", "rtinspect", "serve", "--port", "0", "--script", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2
    assert (
        proc.stderr.strip()
        == f"rtinspect: {path}: rules[0]: turn must be a positive integer (1 is the first user message)"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "rtinspect", "serve", "--port", "0", "--fault", "slow_first_audio:x"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "'x' is not a number" in proc.stderr


def test_send_uses_the_script_on_its_embedded_server(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text('rules:\n  - turn: 1\n    say: "Scripted answer for send."\n')
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    wav = str(Path(__file__).parents[2] / "recordings" / "hello_24k_mono.wav")
    run = [sys.executable, "-m", "rtinspect", "send", wav, "--fast", "--script", str(path)]
    proc = subprocess.run(run, capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr
    assert 'response  completed "Scripted answer for send."' in proc.stdout
    proc = subprocess.run(
        [*run, "--url", "ws://127.0.0.1:9/v1/realtime"], capture_output=True, text=True, timeout=60, env=env
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "rtinspect: --script/--fault drive the embedded server: drop --url and unset OPENAI_API_KEY to use it"
    )


def test_live_view_refuses_a_script_for_a_remote_endpoint() -> None:
    from rtinspect.tui.session import build_live

    with pytest.raises(UserError, match="drive the embedded server"):
        build_live(url="ws://127.0.0.1:9/v1/realtime", script=rtscript.Script(), no_record=True)


def test_live_view_starts_its_embedded_server_with_the_script(monkeypatch: pytest.MonkeyPatch) -> None:
    from rtinspect.tui.session import build_live

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    script = rtscript.from_data({"rules": [{"say": "From the TUI's script."}]})
    app = build_live(script=script, no_record=True, transcriber="none")
    thread = app.controller.server
    try:
        assert thread.server.script is script
    finally:
        thread.stop()


async def test_a_planning_bug_is_the_live_server_error_not_a_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    from rtinspect.server import responses

    def broken(*args: Any) -> None:
        raise RuntimeError("a bug in the tool rule")

    monkeypatch.setattr(responses, "decide", broken)
    async with EmbeddedServer(transcriber=FakeTranscriber()) as server:
        client = await _client(server)
        await _say(client, "What's the weather in Paris?")
        await client.send("response.create")
        events = await client.collect_until("response.done")
        assert [e["error"]["type"] for e in events if e["type"] == "error"] == ["server_error"]
        assert events[-1]["response"]["status"] == "failed"
        await client.until("rate_limits.updated")
        await _say(client, "hello")  # the session goes on
        monkeypatch.undo()
        assert (await _respond(client))["status"] == "completed"
