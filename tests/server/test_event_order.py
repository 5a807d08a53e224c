"""The server's event order is a function of the client's: same client events, same server events, every run.

A test double whose order varies makes its users' tests flaky. Live, the server answers each client event
in the order received, so the ``response.created`` of a first ``response.create`` precedes the ``error`` for
a second one sent right behind it, and ``rate_limits.updated`` follows ``response.done`` before anything of
the next response.
"""

from __future__ import annotations

import json

from rtinspect.server import EmbeddedServer
from rtinspect.server.events import TokenBudget

from .server_helpers import open_client, silence, tone

NO_VAD = {"type": "realtime", "audio": {"input": {"turn_detection": None}}, "output_modalities": ["text"]}
RUNS = 5


def _text_item(text: str) -> dict:
    return {
        "type": "conversation.item.create",
        "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]},
    }


async def _double_create(url: str) -> list[str]:
    """An item, then two ``response.create`` in one burst (the issue's client); the server's event types."""
    client = await open_client(url)
    await client.recv()
    await client.send("session.update", session=NO_VAD)
    await client.until("session.updated")
    start = len(client.seen)
    burst = [_text_item("hello"), {"type": "response.create"}, {"type": "response.create"}]
    for ev in burst:  # no await between the client's events beyond the socket write
        await client.ws.send(json.dumps(ev))
    await client.until("rate_limits.updated")
    await client.ws.close()
    return [e["type"] for e in client.seen[start:] if not e["type"].endswith(".delta")]


async def test_second_response_create_is_refused_after_the_first_is_created(server: EmbeddedServer) -> None:
    runs = [await _double_create(server.url) for _ in range(RUNS)]
    assert all(r == runs[0] for r in runs), runs
    types = runs[0]
    assert types[:4] == [
        "conversation.item.added",
        "conversation.item.done",
        "response.created",
        "error",
    ]
    assert types[-2:] == ["response.done", "rate_limits.updated"]


async def test_rate_limits_follow_each_response_in_a_fast_loop(server: EmbeddedServer) -> None:
    """Each ``response.create`` sent the moment ``response.done`` arrives: the budget event still comes
    between the two responses, and ``remaining`` drops by what each response used."""
    client = await open_client(server.url)
    await client.recv()
    await client.send("session.update", session=NO_VAD)
    await client.until("session.updated")
    await client.ws.send(json.dumps(_text_item("count my tokens")))
    await client.until("conversation.item.done")
    start = len(client.seen)
    for _ in range(4):
        await client.send("response.create")
        await client.until("response.done")
    await client.until("rate_limits.updated")
    types = [
        e["type"]
        for e in client.seen[start:]
        if e["type"] in ("response.created", "response.done", "rate_limits.updated")
    ]
    assert types == ["response.created", "response.done", "rate_limits.updated"] * 4
    limits = [e["rate_limits"][0] for e in client.seen[start:] if e["type"] == "rate_limits.updated"]
    dones = [
        e["response"]["usage"]["total_tokens"] for e in client.seen[start:] if e["type"] == "response.done"
    ]
    for lim, used in zip(limits, dones, strict=True):
        spent = lim["limit"] - lim["remaining"]
        assert 0 < spent <= used, (spent, used)  # this response's tokens, less what refilled meanwhile
        assert lim["reset_seconds"] == round(spent * 60 / lim["limit"], 3)


def test_token_budget_drops_with_use_and_refills_at_the_limit_per_minute() -> None:
    now = [0.0]
    budget = TokenBudget(clock=lambda: now[0])
    first = budget.spend(300)["rate_limits"][0]
    assert first == {"name": "tokens", "limit": 40000, "remaining": 39700, "reset_seconds": 0.45}
    second = budget.spend(300)["rate_limits"][0]  # a fast loop: no time to refill
    assert second["remaining"] == 39400
    now[0] = 0.3  # 40000 per minute refill 200 tokens in 0.3 s
    assert budget.spend(0)["rate_limits"][0]["remaining"] == 39600
    now[0] = 120.0
    assert budget.spend(0)["rate_limits"][0] == {**first, "remaining": 40000, "reset_seconds": 0.0}
    assert budget.spend(10**9)["rate_limits"][0]["remaining"] == 0


async def _spoken_turn(url: str) -> list[str]:
    """A VAD turn with transcription on, the audio sent in one burst; the server's event types."""
    client = await open_client(url)
    await client.recv()
    session = {"type": "realtime", "audio": {"input": {"transcription": {"model": "whisper-1"}}}}
    await client.send("session.update", session=session)
    await client.until("session.updated")
    start = len(client.seen)
    await client.append(silence(300) + tone(800) + silence(600))
    await client.until("rate_limits.updated")
    await client.ws.close()
    return [e["type"] for e in client.seen[start:]]


async def test_a_spoken_turn_gives_the_same_events_every_run(server: EmbeddedServer) -> None:
    """VAD, commit, item, transcription and the response: one sequence (deltas included), run after run."""
    runs = [await _spoken_turn(server.url) for _ in range(RUNS)]
    assert all(r == runs[0] for r in runs), [r for r in runs if r != runs[0]][:1]
    assert "conversation.item.input_audio_transcription.completed" in runs[0]
    assert runs[0][:5] == [
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
    ]
