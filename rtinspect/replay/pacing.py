"""Pace a re-run by what the original client had seen, not by the clock alone.

An app's events answer the server: a voice change sent after the first answer, a second
``response.create`` while one plays, a ``session.update`` after ``session.created``. Re-sent at
their recorded times against a server that runs at another speed (a faster recognizer, a loaded
machine), they can land before what they answered, and the re-run is another session. Re-sent as
soon as the server has said what it had said before each of them in the original, they keep their
place, and a re-run takes as long as the server needs, not as long as the original's pauses.

For each client event the original's log gives the counts of server milestones (every server event
but deltas, errors and ``rate_limits.updated``, which a fix may remove or which carry no step) seen
before it. ``CausalPacing.wait`` (over a ``Timeline`` of the log) holds an event until the re-run has seen as many, then keeps the
recorded lag after the last of them, at most ``LAG_CAP_S``. An event with no new milestone before
it keeps its recorded spacing from the previous one (audio streamed in real time stays in real
time), pauses longer than ``IDLE_KEEP_S`` cut. When the re-run does not reach the counts
(a fix changed what the server says) and its server is idle (no response in progress), that event
and every later one go at the recorded spacing.

The server names items, responses and calls anew in every session, so a client event that names
one of the original's (a truncate, a function_call_output, a cancel by id) is rewritten to name the
re-run's counterpart: the one the re-run's server created at the same place (``rewrite``).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from rtinspect.tap import Tapped

LAG_CAP_S = 0.2  # after the awaited server event: the app's reaction time, capped
DIVERGED_S = 2.0  # counts not reached this long after the recorded spacing, the server idle: another path
BUSY_MAX_S = 30.0  # ...or this much longer while a response is still in progress (the words' longest wait)
IDLE_KEEP_S = 1.0  # a longer pause in which neither side sent anything is cut to this
SKIPPED = frozenset({"error", "rate_limits.updated"})


ID_FIELDS = ("item_id", "previous_item_id", "response_id", "call_id")


def server_ids(rec: Tapped) -> Iterator[tuple[str, str]]:
    """``(kind, id)`` of the items, responses and calls a server event introduces."""
    if rec.dir != "server":
        return
    ev = rec.event
    if rec.type == "response.created":
        resp = ev.get("response")
        if isinstance(resp, dict) and isinstance(resp.get("id"), str):
            yield "response", resp["id"]
    elif rec.type in ("conversation.item.added", "conversation.item.created", "conversation.item.done"):
        item = ev.get("item")
        if isinstance(item, dict):
            if isinstance(item.get("id"), str):
                yield "item", item["id"]
            if isinstance(item.get("call_id"), str):
                yield "call", item["call_id"]
    elif rec.type == "input_audio_buffer.committed" and isinstance(ev.get("item_id"), str):
        yield "item", ev["item_id"]


class _Ids:
    """Ids per kind in the order a session's server introduced them."""

    def __init__(self) -> None:
        self.order: dict[str, list[str]] = {"item": [], "response": [], "call": []}
        self.known: dict[str, tuple[str, int]] = {}  # id -> (kind, ordinal)

    def add(self, rec: Tapped) -> None:
        for kind, value in server_ids(rec):
            if value not in self.known:
                self.known[value] = (kind, len(self.order[kind]))
                self.order[kind].append(value)


def milestone(rec: Tapped) -> str | None:
    """The server event type a client may have waited for, or None (deltas, errors, meta)."""
    if rec.dir != "server" or rec.type in SKIPPED or rec.type.endswith(".delta"):
        return None
    return rec.type


@dataclass(frozen=True, slots=True)
class _Step:
    t: float  # the client event's recorded time (since the log's first record)
    at: float  # recorded time with the idle pauses before it cut (what spacing counts in)
    needs: tuple[tuple[str, int], ...]  # milestone counts seen before it, when new ones came
    lag: float  # recorded time since the last of them


class Timeline:
    """What the original client had seen before each of its events (one pass over the log)."""

    def __init__(self, records: Iterable[Tapped], base: float = 0.0) -> None:
        """``records``: the original log (times and types only); ``base``: the time the plan's
        send times count from (the connection's opening)."""
        self.steps: list[_Step] = []
        self.ids = _Ids()
        self.milestones: list[tuple[float, str]] = []  # (time since base, type), in order
        seen: Counter[str] = Counter()
        fresh = False
        last_any: float | None = None
        last_milestone = 0.0
        cut = 0.0
        for rec in records:
            if last_any is not None and rec.t - last_any > IDLE_KEEP_S:
                cut += rec.t - last_any - IDLE_KEEP_S
            if rec.dir == "client":
                needs = tuple(seen.items()) if fresh else ()
                self.steps.append(_Step(rec.t - base, rec.t - cut, needs, rec.t - last_milestone))
                fresh = False
            else:
                self.ids.add(rec)
                kind = milestone(rec)
                if kind is not None:
                    seen[kind] += 1
                    fresh = True
                    last_milestone = rec.t
                    self.milestones.append((rec.t - base, kind))
            last_any = rec.t
        self.times = [s.t for s in self.steps]
        self._milestone_times = [t for t, _ in self.milestones]

    def needs_before(self, t: float) -> tuple[tuple[str, int], ...]:
        """The milestone counts the original had seen by ``t`` (since base)."""
        k = bisect.bisect_left(self._milestone_times, t)
        return tuple(Counter(kind for _, kind in self.milestones[:k]).items())


class CausalPacing:
    """A replay's pacing (``run_replay(pacing=...)``) and a sink of the re-run's records; one per run."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.steps = timeline.steps
        self._times = timeline.times
        self.seen: Counter[str] = Counter()
        self._changed = asyncio.Event()
        self._anchor: tuple[float, float] | None = None  # (loop time, step.at) of the last event held
        self.diverged = False
        self.ids = _Ids()  # the re-run's

    def __call__(self, rec: Tapped) -> None:
        """Sink: count the re-run's milestones (and note its ids) as they arrive."""
        self.ids.add(rec)
        kind = milestone(rec)
        if kind is not None:
            self.seen[kind] += 1
            self._changed.set()

    def _step(self, t: float) -> _Step | None:
        """The original client event a send at recorded time ``t`` stands for (an event a fix
        inserted carries the time of the one it follows)."""
        i = bisect.bisect_right(self._times, t + 1e-9) - 1
        return self.steps[i] if i >= 0 else None

    @property
    def _busy(self) -> bool:
        """A response is in progress in the re-run (it may be waiting for words a slow recognizer
        has not given yet): what the event waits for may still come."""
        return self.seen["response.created"] > self.seen["response.done"]

    def _reached(self, needs: tuple[tuple[str, int], ...]) -> bool:
        return all(self.seen[kind] >= n for kind, n in needs)

    async def wait(self, t: float) -> None:
        """Hold the client event recorded at ``t`` until its place in the re-run comes.

        Spacing is scheduled from the last event that waited for the server (the anchor), not from
        the previous send, so a stream of appends does not drift behind real time."""
        loop = asyncio.get_running_loop()
        step = self._step(t)
        if step is not None and t > step.t + 1e-6:
            # an event a fix placed at a time of its own (after what the server said by then)
            step = _Step(t, step.at + (t - step.t), self.timeline.needs_before(t), 0.0)
        if step is None or self._anchor is None:
            self._anchor = (loop.time(), step.at if step is not None else 0.0)
            return
        spaced = self._anchor[0] + max(0.0, step.at - self._anchor[1])
        if step.needs and not self.diverged:
            give_up = max(spaced, loop.time()) + DIVERGED_S
            cap = give_up + BUSY_MAX_S
            while not self._reached(step.needs):
                self._changed.clear()
                now = loop.time()
                if now >= cap or (now >= give_up and not self._busy):
                    self.diverged = True  # a fix changed what the server says: recorded spacing from here
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), give_up - now if now < give_up else 0.25)
            if not self.diverged:
                await asyncio.sleep(min(step.lag, LAG_CAP_S))
                self._anchor = (loop.time(), step.at)
                return
        await asyncio.sleep(max(0.0, spaced - loop.time()))

    def rewrite(self, event: dict[str, Any]) -> dict[str, Any]:
        """``event`` naming the re-run's items, responses and calls where it named the original's
        (the same kind at the same ordinal); unchanged when it names none (most events)."""
        original = self.timeline.ids.known
        changed: dict[str, Any] = {}
        for key in ID_FIELDS:
            value = event.get(key)
            if isinstance(value, str) and value in original:
                changed[key] = self._counterpart(value)
        item = event.get("item")
        if isinstance(item, dict) and isinstance(item.get("call_id"), str) and item["call_id"] in original:
            changed["item"] = {**item, "call_id": self._counterpart(item["call_id"])}
        return {**event, **changed} if changed else event

    def _counterpart(self, value: str) -> str:
        kind, ordinal = self.timeline.ids.known[value]
        mine = self.ids.order[kind]
        return mine[ordinal] if ordinal < len(mine) else value
