"""Causal pacing: a re-run's client event waits for what the original client had seen before it,
and names the re-run's items where it named the original's."""

from __future__ import annotations

import asyncio

from rtinspect.replay.pacing import CausalPacing, Timeline
from rtinspect.tap import Tapped


def _original() -> list[Tapped]:
    return [
        Tapped(0.00, "client", {"type": "session.update", "session": {}}),
        Tapped(0.01, "server", {"type": "session.created", "session": {}}),
        Tapped(0.50, "server", {"type": "response.created", "response": {"id": "resp_A"}}),
        Tapped(0.51, "server", {"type": "conversation.item.added", "item": {"id": "item_A"}}),
        Tapped(9.00, "server", {"type": "response.done", "response": {"id": "resp_A"}}),
        Tapped(
            9.05, "client", {"type": "conversation.item.truncate", "item_id": "item_A", "audio_end_ms": 5}
        ),
    ]


async def test_an_event_waits_for_what_it_answered_not_for_the_recorded_clock() -> None:
    pacing = CausalPacing(Timeline(_original()))
    loop = asyncio.get_running_loop()
    await pacing.wait(0.0)
    pacing(Tapped(0.0, "server", {"type": "session.created", "session": {}}))
    pacing(Tapped(0.0, "server", {"type": "response.created", "response": {"id": "resp_B"}}))
    pacing(Tapped(0.0, "server", {"type": "conversation.item.added", "item": {"id": "item_B"}}))
    waiting = asyncio.ensure_future(pacing.wait(9.05))
    await asyncio.sleep(0.3)
    assert not waiting.done()  # the original client had seen response.done first
    start = loop.time()
    pacing(Tapped(0.0, "server", {"type": "response.done", "response": {"id": "resp_B"}}))
    await asyncio.wait_for(waiting, 2)
    assert loop.time() - start < 0.5  # the recorded 9 s pause is not replayed
    event = pacing.rewrite(_original()[-1].event)
    assert event["item_id"] == "item_B"


async def test_a_rerun_that_takes_another_path_falls_back_to_the_recorded_spacing(monkeypatch) -> None:
    monkeypatch.setattr("rtinspect.replay.pacing.DIVERGED_S", 0.3)
    original = [
        Tapped(0.0, "client", {"type": "session.update", "session": {}}),
        Tapped(0.1, "server", {"type": "session.updated", "session": {}}),
        Tapped(0.2, "client", {"type": "response.create"}),
    ]
    pacing = CausalPacing(Timeline(original))
    await pacing.wait(0.0)
    await asyncio.wait_for(pacing.wait(0.2), 5)  # session.updated never comes (a fix refused)
    assert pacing.diverged
