"""Drift-free pacing, checked with a simulated clock whose every sleep overshoots."""

from __future__ import annotations

import pytest

from rtinspect.audio import Pacer


class LateClock:
    """A clock where each sleep lasts longer than asked (like a busy machine)."""

    def __init__(self, overshoot: float) -> None:
        self.now = 100.0
        self.overshoot = overshoot
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds + self.overshoot + 0.0001  # time always passes, even for sleep(0)


async def test_pacing_does_not_accumulate_overshoot() -> None:
    clock = LateClock(overshoot=0.005)
    pacer = Pacer(20, clock=clock, sleep=clock.sleep)
    for k in range(500):
        await pacer.wait(k)
    # 500 chunks of 20 ms: chunk 499 is due at +9.98 s; a per-chunk sleep would end at +12.5 s.
    assert clock.now - 100.0 < 9.98 + 0.02
    assert max(pacer.lateness) <= 0.0052
    # the waits shrink to absorb the overshoot
    assert all(s < 0.02 for s in clock.sleeps[1:])


async def test_the_last_moment_is_spun_not_slept() -> None:
    clock = LateClock(overshoot=0.0)
    pacer = Pacer(20, clock=clock, sleep=clock.sleep, spin_ms=2)
    await pacer.wait(0)
    await pacer.wait(1)
    assert clock.sleeps[0] == pytest.approx(0.018)  # sleeps until 2 ms before the chunk is due ...
    assert set(clock.sleeps[1:]) == {0}  # ... then yields to the loop until it is due
    assert 0 <= pacer.lateness[-1] < 0.0002


async def test_a_long_stall_is_caught_up_without_sleeping() -> None:
    clock = LateClock(overshoot=0.0)
    pacer = Pacer(40, clock=clock, sleep=clock.sleep)
    await pacer.wait(0)
    clock.now += 1.0  # the process was stalled for a second
    before = len(clock.sleeps)
    for k in range(1, 26):
        await pacer.wait(k)
    assert len(clock.sleeps) == before  # chunks 1..25 were already due
    await pacer.wait(30)
    assert abs(clock.now - (100.0 + 30 * 0.04)) < 0.001


async def test_fast_mode_never_sleeps() -> None:
    clock = LateClock(overshoot=0.0)
    pacer = Pacer(20, realtime=False, clock=clock, sleep=clock.sleep)
    for k in range(100):
        await pacer.wait(k)
    assert clock.sleeps == [] and pacer.lateness == []


async def test_a_cancelled_stream_still_records_how_far_it_got() -> None:
    import asyncio

    from rtinspect.audio import PCM16_24K, stream_bytes
    from rtinspect.tap import EventTap, Tapped

    class SlowClient:
        def __init__(self) -> None:
            self.tap = EventTap()
            self.events: list[Tapped] = []
            self.sent = 0

        async def send(self, event: dict) -> None:
            self.sent += 1
            if self.sent == 3:
                raise asyncio.CancelledError  # the user pressed stop during the third append

    client = SlowClient()
    seen: list[Tapped] = []
    client.tap.add_sink(seen.append)
    with pytest.raises(asyncio.CancelledError):
        await stream_bytes(client, bytes(48 * 400), fmt=PCM16_24K, chunk_ms=40, realtime=False, vad=False)
    assert seen[-1].type == "rtinspect.audio.stopped"
    assert seen[-1].event["appends"] == 2 and seen[-1].event["sent_ms"] == 80.0
    assert seen[-1].event["complete"] is False
