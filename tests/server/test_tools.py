"""The local model's tool rule, over a real socket: which tool, which arguments, and no runaway loop."""

from __future__ import annotations

import json
from typing import Any

from rtinspect.server import EmbeddedServer, FakeTranscriber
from rtinspect.server.tools import Turn, arguments_for, decide, place

from .server_helpers import Client, open_client, silence, tone

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "The city"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["city"],
    },
}
TIMER = {
    "type": "function",
    "name": "set_timer",
    "description": "Start a countdown timer.",
    "parameters": {
        "type": "object",
        "properties": {"minutes": {"type": "integer"}, "label": {"type": "string"}},
        "required": ["minutes"],
    },
}


async def _setup(server: EmbeddedServer, **session: Any) -> Client:
    client = await open_client(server.url)
    await client.recv()
    await client.send(
        "session.update",
        session={"type": "realtime", "output_modalities": ["text"], "tools": [WEATHER, TIMER], **session},
    )
    await client.until("session.updated")
    return client


async def _say(client: Client, text: str) -> None:
    await client.send(
        "conversation.item.create",
        item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]},
    )
    await client.until("conversation.item.done")


async def _respond(client: Client, **response: Any) -> dict[str, Any]:
    await client.send("response.create", **({"response": response} if response else {}))
    done = await client.until("response.done")
    await client.until("rate_limits.updated")
    return done["response"]


def _calls(response: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (o["name"], json.loads(o["arguments"])) for o in response["output"] if o["type"] == "function_call"
    ]


def _text(response: dict[str, Any]) -> str:
    return " ".join(
        part.get("text") or part.get("transcript") or ""
        for o in response["output"]
        if o["type"] == "message"
        for part in o["content"]
    )


async def test_tool_output_is_answered_and_the_tool_never_called_again(server: EmbeddedServer) -> None:
    """The runaway loop of issue 11: after the output and the client's response.create, an answer."""
    client = await _setup(server)
    await _say(client, "What's the weather in Paris?")
    first = await _respond(client)
    assert _calls(first) == [("get_weather", {"city": "Paris"})]
    call_id = first["output"][0]["call_id"]
    await client.send(
        "conversation.item.create",
        item={"type": "function_call_output", "call_id": call_id, "output": '{"sky": "sunny", "c": 21}'},
    )
    await client.until("conversation.item.done")
    second = await _respond(client)
    assert _calls(second) == []
    assert 'get_weather returned: {"sky": "sunny", "c": 21}' in _text(second)
    third = await _respond(client)  # a framework that asks again still gets words, not a call
    assert _calls(third) == [] and second["status"] == third["status"] == "completed"
    # a new user message is a new turn: the tool may be called again
    await _say(client, "And the weather in Oslo in fahrenheit?")
    fourth = await _respond(client)
    assert _calls(fourth) == [("get_weather", {"city": "Oslo", "unit": "fahrenheit"})]


async def test_best_match_numbers_and_plain_words(server: EmbeddedServer) -> None:
    client = await _setup(server)
    await _say(client, "Please start a timer for 12 minutes")
    assert _calls(await _respond(client)) == [("set_timer", {"minutes": 12})]
    await _say(client, "Tell me a joke")
    answer = await _respond(client)
    assert _calls(answer) == [] and "I heard: Tell me a joke" in _text(answer)


async def test_tool_choice_none_required_and_named(server: EmbeddedServer) -> None:
    client = await _setup(server, tool_choice="none")
    await _say(client, "What's the weather in Paris?")
    assert _calls(await _respond(client)) == []
    await _say(client, "Tell me a joke")
    assert _calls(await _respond(client, tool_choice="required"))[0][0] == "get_weather"  # first declared
    await _say(client, "What's the weather in Rome?")
    named = await _respond(client, tool_choice={"type": "function", "name": "set_timer"})
    assert _calls(named) == [("set_timer", {"minutes": 0})]


async def test_spoken_question_calls_the_tool_from_words_the_session_never_asked_to_transcribe() -> None:
    """VAD on, transcription off: the model still hears the words (silently) and waits for them."""
    heard = FakeTranscriber("what is the weather in paris")
    async with EmbeddedServer(transcriber=heard) as server:
        client = await _setup(server)
        await client.append(silence(100) + tone(600) + silence(400))
        events = await client.collect_until("response.done")
        done = events[-1]["response"]
        assert _calls(done) == [("get_weather", {"city": "Paris"})]
        types = [e["type"] for e in events]
        assert not any("input_audio_transcription" in t for t in types)
        user = next(e["item"] for e in events if e["type"] == "conversation.item.done")
        assert user["content"][0]["transcript"] is None  # as live with transcription off
        assert heard.calls == 1


def test_arguments_from_the_schema() -> None:
    schema = {
        "name": "book",
        "parameters": {
            "type": "object",
            "properties": {
                "destination": {"type": "string"},
                "nights": {"type": "integer"},
                "guests": {"type": "number"},
                "class": {"type": "string", "enum": ["economy", "first_class"]},
                "breakfast": {"type": "boolean"},
                "note": {"type": "string"},
            },
            "required": ["destination", "nights", "guests", "class", "breakfast"],
        },
    }
    args = arguments_for(schema, "Book first class to New York for three nights, 2 guests")
    assert args == {
        "destination": "New York",
        "nights": 3,
        "guests": 2,
        "class": "first_class",
        "breakfast": False,
    }


def test_place_words() -> None:
    assert place("What's the weather in Paris?") == "Paris"
    assert place("whats the weather in paris") == "Paris"
    assert place("Is it raining at San Francisco airport") == "San Francisco"
    assert place("how are you") is None


def test_decide_skips_tools_called_this_turn() -> None:
    turn = Turn(words="weather in Paris", number=1, called=["get_weather"], outputs=[])
    assert decide([WEATHER], "auto", turn) is None
    assert decide([WEATHER], "required", turn) is None
    assert decide([WEATHER], {"type": "function", "name": "get_weather"}, turn) is None
    assert decide([WEATHER], "auto", Turn(words="weather in Paris", number=1)) is not None
