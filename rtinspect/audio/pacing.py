"""Chunking by duration and drift-free real-time pacing.

Chunk ``k`` is due at ``start + k * chunk_ms``, measured from one start time: a late wake-up
shortens the next wait instead of pushing every later chunk back, so an hour of audio takes an
hour, not an hour plus the sum of every sleep's overshoot.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from rtinspect.audio.formats import AudioFormat


def chunk_bytes(fmt: AudioFormat | Any, chunk_ms: float) -> int:
    """Bytes in ``chunk_ms`` of ``fmt``, whole samples only (at least one sample)."""
    if chunk_ms <= 0:
        raise ValueError("chunk_ms must be positive")
    width = int(getattr(fmt, "sample_width", 0) or (2 if fmt.bytes_per_ms > 8 else 1))
    n = int(round(chunk_ms * fmt.bytes_per_ms))
    return max(width, n - n % width)


def chunks(data: bytes, fmt: AudioFormat | Any, chunk_ms: float = 40) -> Iterator[bytes]:
    """``data`` cut into ``chunk_ms`` pieces; the last one may be shorter."""
    size = chunk_bytes(fmt, chunk_ms)
    view = memoryview(data)
    for start in range(0, len(data), size):
        yield bytes(view[start : start + size])


class Pacer:
    """Waits until chunk ``k`` is due. ``realtime=False`` never waits (as fast as the socket allows).

    The clock starts at the first ``wait``. ``lateness`` collects how late each wake-up was
    (seconds), for benchmarks and the recorded log, never for assertions on timing.

    The event loop's timers wake up to ~1 ms late (epoll rounds its timeout up to whole ms), so
    the last ``spin_ms`` before a chunk is due is spent yielding (``sleep(0)``) rather than
    sleeping: other tasks, the socket reader included, keep running while the deadline is met
    to a fraction of a millisecond. ``spin_ms=0`` trades that precision for zero spinning.
    """

    def __init__(
        self,
        chunk_ms: float,
        *,
        realtime: bool = True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        spin_ms: float = 1.5,
    ) -> None:
        self.chunk_s = chunk_ms / 1000.0
        self.realtime = realtime
        self.clock = clock
        self.sleep = sleep
        self.start: float | None = None
        self.lateness: list[float] = []
        self.spin_s = max(0.0, spin_ms / 1000.0)

    def due(self, k: int) -> float:
        if self.start is None:
            self.start = self.clock()
        return self.start + k * self.chunk_s

    async def wait(self, k: int) -> None:
        if not self.realtime:
            return
        due = self.due(k)
        delay = due - self.clock() - self.spin_s
        if delay > 0:
            await self.sleep(delay)
        while self.clock() < due:
            await self.sleep(0)
        self.lateness.append(self.clock() - due)
