"""Two script features over a real socket: ``preamble`` (gpt-realtime-2 style, two assistant message items
in one response, each with its own events in output order) and ``repeat`` (the explicit opt-in for a model
that calls the same tool again and again; without it the guard answers after one call)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rtinspect.errors import UserError
from rtinspect.server import EmbeddedServer, FakeTranscriber
from rtinspect.server import script as rtscript

from .server_helpers import Client, open_client
from .test_tools import WEATHER, _calls, _say, _text

PARIS = {"name": "get_weather", "arguments": {"city": "Paris"}}


async def _client(server: EmbeddedServer, modalities: list[str]) -> Client:
    client = await open_client(server.url)
    await client.recv()
    await client.send(
        "session.update",
        session={"type": "realtime", "output_modalities": modalities, "tools": [WEATHER]},
    )
    await client.until("session.updated")
    return client


def _server(rules: list[dict[str, Any]]) -> EmbeddedServer:
    return EmbeddedServer(transcriber=FakeTranscriber(), script=rtscript.from_data({"rules": rules}))


def _shape(events: list[dict[str, Any]]) -> list[tuple[str, int | None]]:
    """The response's events as (type, output_index), deltas of a run collapsed to one."""
    out: list[tuple[str, int | None]] = []
    for ev in events:
        if ev["type"] in ("rate_limits.updated", "conversation.item.added", "conversation.item.done"):
            continue
        step = (ev["type"], ev.get("output_index"))
        if not (out and out[-1] == step and ev["type"].endswith(".delta")):
            out.append(step)
    return out


def _text_item_events(index: int) -> list[tuple[str, int | None]]:
    """The events of one text message item at ``index``, deltas collapsed."""
    return [
        ("response.output_item.added", index),
        ("response.content_part.added", index),
        ("response.output_text.delta", index),
        ("response.output_text.done", index),
        ("response.content_part.done", index),
        ("response.output_item.done", index),
    ]


async def test_preamble_then_answer_in_one_response_in_output_order() -> None:
    async with _server(
        [{"match": "flight", "preamble": "Let me check that.", "say": "It is on time."}]
    ) as server:
        client = await _client(server, ["text"])
        await _say(client, "is my flight on time")
        await client.send("response.create")
        events = await client.collect_until("response.done")
        assert _shape(events) == [
            ("response.created", None),
            *_text_item_events(0),
            *_text_item_events(1),
            ("response.done", None),
        ]
        done = events[-1]["response"]
        assert done["status"] == "completed"
        assert [(o["type"], o["role"]) for o in done["output"]] == [("message", "assistant")] * 2
        assert [o["content"][0]["text"] for o in done["output"]] == ["Let me check that.", "It is on time."]
        # both items joined the conversation, in order, each with its own id
        added = [e["item"]["id"] for e in client.seen if e["type"] == "conversation.item.added"]
        assert added[-2:] == [o["id"] for o in done["output"]] and len(set(added)) == len(added)


async def test_preamble_with_audio_gives_each_item_its_own_audio_and_transcript() -> None:
    async with _server([{"preamble": "One moment.", "say": "Here it is."}]) as server:
        client = await _client(server, ["audio"])
        await _say(client, "hello")
        await client.send("response.create")
        events = await client.collect_until("response.done")
        audio_only = [e for e in events if e["type"] != "response.output_audio_transcript.delta"]
        per_item = [
            "response.output_item.added",
            "response.content_part.added",
            "response.output_audio.delta",
            "response.output_audio.done",
            "response.output_audio_transcript.done",
            "response.content_part.done",
            "response.output_item.done",
        ]
        assert _shape(audio_only)[1:-1] == [(t, i) for i in (0, 1) for t in per_item]
        transcripts = [
            e["transcript"] for e in events if e["type"] == "response.output_audio_transcript.done"
        ]
        assert transcripts == ["One moment.", "Here it is."]
        items = {e["item_id"] for e in events if e["type"] == "response.output_audio.delta"}
        assert len(items) == 2


async def test_preamble_before_a_tool_call_then_the_answer_without_it() -> None:
    async with _server([{"match": "weather", "preamble": "Let me look.", "call": PARIS}]) as server:
        client = await _client(server, ["text"])
        await _say(client, "what is the weather")
        await client.send("response.create")
        done = (await client.until("response.done"))["response"]
        assert [o["type"] for o in done["output"]] == ["message", "function_call"]
        assert _calls(done) == [("get_weather", {"city": "Paris"})]
        call_id = done["output"][1]["call_id"]
        await client.send(
            "conversation.item.create",
            item={"type": "function_call_output", "call_id": call_id, "output": "sun"},
        )
        await client.until("conversation.item.done")
        await client.send("response.create")
        answer = (await client.until("response.done"))["response"]
        assert [o["type"] for o in answer["output"]] == ["message"]  # the rule is spent: no preamble again
        assert "get_weather returned: sun" in _text(answer)


async def _loop(client: Client, limit: int) -> list[dict[str, Any]]:
    """Answer every call with the same output and a response.create, as a framework does; the responses."""
    await _say(client, "weather please")
    await client.send("response.create")
    responses = []
    for _ in range(limit):
        done = (await client.until("response.done"))["response"]
        responses.append(done)
        calls = [o for o in done["output"] if o["type"] == "function_call"]
        if not calls:
            break
        await client.send(
            "conversation.item.create",
            item={"type": "function_call_output", "call_id": calls[0]["call_id"], "output": '{"temp_c": 18}'},
        )
        await client.until("conversation.item.done")
        await client.send("response.create")
    return responses


async def test_repeat_lets_a_rule_call_the_same_tool_again_up_to_its_count() -> None:
    async with _server([{"call": PARIS, "repeat": 4}]) as server:
        client = await _client(server, ["text"])
        responses = await _loop(client, 10)
        calls = [_calls(r) for r in responses]
        assert calls == [[("get_weather", {"city": "Paris"})]] * 4 + [[]]
        args = {o["arguments"] for r in responses for o in r["output"] if o["type"] == "function_call"}
        assert args == {json.dumps({"city": "Paris"})}  # the same arguments every time
        assert "get_weather returned" in _text(responses[-1])
        # a new user message starts a new count
        again = await _loop(client, 10)
        assert len(again) == 5


async def test_without_repeat_the_guard_answers_after_one_call() -> None:
    async with _server([{"call": PARIS}]) as server:
        client = await _client(server, ["text"])
        responses = await _loop(client, 10)
        assert [len(_calls(r)) for r in responses] == [1, 0]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"call": "get_weather", "repeat": 0}, "repeat must be a positive integer"),
        ({"call": "get_weather", "repeat": True}, "repeat must be a positive integer"),
        ({"say": "x", "repeat": 3}, "repeat needs call"),
        ({"preamble": "", "say": "x"}, "preamble must be the words"),
        ({"preamble": 3}, "preamble must be the words"),
        ({"preamble": "Hold on.", "fault": "server_error"}, "preamble goes with say or call"),
    ],
)
def test_bad_preamble_and_repeat_are_one_line(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(UserError) as err:
        rtscript.from_data({"rules": [rule]})
    assert message in str(err.value) and "rules[0]" in str(err.value) and "\n" not in str(err.value)
