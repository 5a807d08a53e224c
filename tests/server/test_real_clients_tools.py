"""Real clients that nobody here wrote drive a tool through the embedded server (issue 11's own measurement).

The openai SDK's realtime client and the OpenAI Agents SDK (``RealtimeRunner`` with the model config ``url``
pointed at the server) ask "What's the weather in Paris?", typed and spoken (espeak-ng speech, heard by the
server's pocketsphinx): ``get_weather`` is called exactly once, from the words, and the answer uses its
output. Before the tool rule, the Agents SDK looped (197 calls in 20 s) and speech never called a tool.
Every event the openai SDK receives must parse into its own models with no unknown or missing field.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from rtinspect.testing import RealtimeServer

from .test_sdk_clients import _gaps

WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "The city"}},
        "required": ["city"],
    },
}
FORECAST = "Sunny and 21 degrees"
SPOKEN = "What's the weather in Paris?"  # pocketsphinx hears espeak-ng's en-us voice as "what's the weather"


def speech(tmp_path: Path, text: str) -> bytes:
    """``text`` spoken by espeak-ng (en-us), as 24 kHz pcm16 with silence around it."""
    if shutil.which("espeak-ng") is None:
        if os.environ.get("CI"):
            pytest.fail("espeak-ng is missing: .ci/run installs it")
        pytest.skip("espeak-ng is not installed")
    import soundfile as sf
    import soxr

    wav = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), text], check=True, capture_output=True)
    samples, rate = sf.read(wav, dtype="int16")
    pcm = soxr.resample(samples, rate, 24000).astype("<i2").tobytes()
    return bytes(24000 * 2 // 5) + pcm + bytes(24000 * 2 * 2)  # 0.4 s before, 2 s after


# -- the openai SDK -------------------------------------------------------------------------------------


async def _openai_turn(server: RealtimeServer, pcm: bytes | None) -> tuple[list[Any], list[dict[str, Any]]]:
    """One user turn (typed, or spoken with server VAD and no transcription asked for) answered with the
    tool's output by a client written as the SDK's docs show; every event, and the calls made."""
    from openai import AsyncOpenAI

    client = AsyncOpenAI(api_key=server.api_key, websocket_base_url=server.websocket_base_url)
    events: list[Any] = []
    calls: list[dict[str, Any]] = []
    async with client.realtime.connect(model="gpt-realtime") as conn:
        await conn.session.update(
            session={"type": "realtime", "output_modalities": ["text"], "tools": [WEATHER_TOOL]}
        )
        if pcm is None:
            await conn.conversation.item.create(
                item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": SPOKEN}]}
            )
            await conn.response.create()
        else:
            import base64

            for i in range(0, len(pcm), 4800):
                await conn.input_audio_buffer.append(audio=base64.b64encode(pcm[i : i + 4800]).decode())
        answered = False
        async for ev in conn:
            events.append(ev)
            if ev.type == "response.function_call_arguments.done":
                calls.append({"name": ev.name, "arguments": json.loads(ev.arguments)})
                await conn.conversation.item.create(
                    item={"type": "function_call_output", "call_id": ev.call_id, "output": FORECAST}
                )
                await conn.response.create()
            elif ev.type == "response.done" and any(o.type == "message" for o in ev.response.output or []):
                answered = True
            elif ev.type == "rate_limits.updated" and answered:
                break
        await asyncio.sleep(0.5)  # a runaway server would start another call here
        with pytest.raises(TimeoutError):
            events.append(await asyncio.wait_for(conn.recv(), 0.5))
    return events, calls


def _answer(events: list[Any]) -> str:
    done = [e for e in events if e.type == "response.done"][-1]
    return " ".join(part.text or "" for o in done.response.output for part in o.content or [])


async def test_openai_sdk_typed_weather_question_calls_the_tool_once(realtime_server: RealtimeServer) -> None:
    events, calls = await asyncio.wait_for(_openai_turn(realtime_server, None), 60)
    assert calls == [{"name": "get_weather", "arguments": {"city": "Paris"}}]
    assert f"get_weather returned: {FORECAST}" in _answer(events)
    for ev in events:
        assert not _gaps(ev), (ev.type, _gaps(ev))


async def test_openai_sdk_spoken_weather_question_calls_the_tool_from_what_it_heard(
    realtime_server: RealtimeServer, tmp_path: Path
) -> None:
    """VAD on and no transcription asked for: the local model hears the turn itself, as the live one would."""
    events, calls = await asyncio.wait_for(_openai_turn(realtime_server, speech(tmp_path, SPOKEN)), 90)
    assert [c["name"] for c in calls] == ["get_weather"]
    assert (
        "weather" in calls[0]["arguments"]["city"].lower().split() or calls[0]["arguments"]["city"] == "Paris"
    )
    assert f"get_weather returned: {FORECAST}" in _answer(events)
    assert not [e for e in events if "input_audio_transcription" in e.type]
    for ev in events:
        assert not _gaps(ev), (ev.type, _gaps(ev))


# -- the OpenAI Agents SDK ------------------------------------------------------------------------------


async def _agents_turn(server: RealtimeServer, pcm: bytes | None) -> tuple[list[str], list[dict[str, Any]]]:
    """The issue's Agents SDK app: one function tool, RealtimeRunner, the model config url at the server.
    Returns the tool's calls and the server events the SDK received."""
    from agents import function_tool
    from agents.realtime import RealtimeAgent, RealtimeRunner

    calls: list[str] = []

    @function_tool
    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        calls.append(city)
        return f"{FORECAST} in {city}"

    agent = RealtimeAgent(name="weather", instructions="Answer weather questions.", tools=[get_weather])
    # the session's model is the URL's: the server, like live, refuses a session.update that changes it, and
    # the SDK sends its own default model unless told which one
    settings: dict[str, Any] = {"output_modalities": ["text"], "model_name": "gpt-realtime"}
    runner = RealtimeRunner(agent, config={"model_settings": settings})  # type: ignore[typeddict-item]
    raw: list[dict[str, Any]] = []
    session = await runner.run(model_config={"url": server.model_url, "api_key": server.api_key})
    async with session:
        if pcm is None:
            await session.send_message(SPOKEN)
        else:
            for i in range(0, len(pcm), 4800):
                await session.send_audio(pcm[i : i + 4800])
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (15 if pcm is None else 60)
        answered_at: float | None = None
        events = session.__aiter__()
        while True:  # read until a quiet second after the answer (a runaway would keep calling)
            wait = deadline - loop.time()
            if answered_at is not None:
                wait = min(wait, 1.0)
            try:
                ev = await asyncio.wait_for(events.__anext__(), max(0.0, wait))
            except TimeoutError:
                break
            assert ev.type != "error", ev
            if ev.type == "raw_model_event" and ev.data.type == "raw_server_event":
                raw.append(ev.data.data)
                done = ev.data.data
                if done.get("type") == "response.done" and any(
                    o.get("type") == "message" for o in done["response"]["output"]
                ):
                    answered_at = loop.time()
    assert answered_at is not None, [e.get("type") for e in raw]
    return calls, raw


def _answers(raw: list[dict[str, Any]]) -> list[str]:
    return [
        part.get("text") or part.get("transcript") or ""
        for ev in raw
        if ev.get("type") == "response.done"
        for o in ev["response"]["output"]
        if o.get("type") == "message"
        for part in o.get("content") or []
    ]


async def test_agents_sdk_typed_weather_question_calls_the_tool_once(realtime_server: RealtimeServer) -> None:
    calls, raw = await _agents_turn(realtime_server, None)
    assert calls == ["Paris"]
    assert any(f"{FORECAST} in Paris" in answer for answer in _answers(raw))
    assert sum(ev.get("type") == "response.function_call_arguments.done" for ev in raw) == 1


async def test_agents_sdk_spoken_weather_question_calls_the_tool_from_its_transcript(
    realtime_server: RealtimeServer, tmp_path: Path
) -> None:
    """The SDK's defaults: semantic VAD and input transcription on; the response waits for the words."""
    calls, raw = await _agents_turn(realtime_server, speech(tmp_path, SPOKEN))
    transcript = next(
        ev["transcript"]
        for ev in raw
        if ev.get("type") == "conversation.item.input_audio_transcription.completed"
    )
    assert "weather" in transcript.split()
    assert len(calls) == 1
    assert any(f"{FORECAST} in {calls[0]}" in answer for answer in _answers(raw))
