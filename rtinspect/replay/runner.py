"""Re-send a recorded session's client events with their original timing, and record the answers.

Timing is scheduled from the start (event i goes at ``start + t_i / speed``), so sleeps never
accumulate drift. After the last event the replay waits for the server to settle (no response in
progress and a quiet spell), then closes the way the original did.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rtinspect.exchange.logio import open_writer
from rtinspect.protocol import Dialect
from rtinspect.replay.pacing import CausalPacing
from rtinspect.replay.plan import ReplayPlan
from rtinspect.tap import EventTap, Sink, Tapped
from rtinspect.transport import RealtimeClient, Target, TransportError

QUIET_S = 0.6  # a spell without server events that means "the server is done answering"
SETTLE_MAX_S = 30.0  # never wait longer than this after the last event


@dataclass
class ReplayResult:
    records: Any = field(default_factory=list)  # in memory without a recording, else read from it
    counts: dict[str, int] = field(default_factory=dict)  # events per direction
    sent: int = 0
    unsent: int = 0  # events not sent because the connection had closed
    record_path: Path | None = None
    error: str | None = None


def embedded_target(url: str, plan: ReplayPlan) -> Target:
    target = Target.embedded(url, dialect=Dialect(plan.dialect), model=plan.model or "gpt-realtime")
    if plan.intent and plan.model is None:
        target = Target(
            url.split("?", 1)[0] + "?intent=" + plan.intent,
            target.headers,
            target.dialect,
            None,
            target.label,
        )
    return target


async def run_replay(
    plan: ReplayPlan,
    target: Target,
    *,
    speed: float | None = 1.0,
    record: str | Path | None = None,
    sinks: list[Sink] | None = None,
    quiet: float = QUIET_S,
    keep: bool | None = None,
    pacing: CausalPacing | None = None,
) -> ReplayResult:
    """Replay ``plan`` against ``target``; ``speed=None`` sends as fast as possible; ``pacing``
    (instead of ``speed``) holds each event until the server has said what it had said before it
    in the original (``replay.pacing``).

    With ``record``, the answers are not kept in memory: ``records`` reads them back from the log,
    so a replay of a long session stays as small as a short one. ``keep=False`` keeps nothing
    without a recording either (a caller that needs only the counts)."""
    result = ResultCollector(keep=record is None if keep is None else keep)
    tap = EventTap()
    tap.add_sink(result)
    writer = None
    if record is not None:
        writer = open_writer(
            record, url=target.url, dialect=target.dialect.value, model=target.model, headers=target.headers
        )
        tap.add_sink(writer)
    for sink in [*(sinks or []), *([pacing] if pacing is not None else [])]:
        tap.add_sink(sink)
    out = ReplayResult(record_path=Path(record) if record else None)
    client = RealtimeClient(target, tap, keep_events=False)  # the collector follows the session
    try:
        try:
            await client.connect()
        except TransportError as err:
            out.error = str(err)
            return out
        loop = asyncio.get_running_loop()
        start = loop.time()
        for t, event in plan.sends:
            if pacing is not None:
                await pacing.wait(t)
                event = pacing.rewrite(event)
            elif speed is not None:
                delay = start + t / speed - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            if client.closed.done():
                out.unsent += 1
                continue
            try:
                await client.send(event)
                out.sent += 1
            except TransportError:
                out.unsent += 1
        if not client.closed.done():
            await _settle(client, result, quiet)
        if not client.closed.done():
            if plan.closed_by == "client" and plan.close_code not in (None, 1005, 1006):
                await client.close(int(plan.close_code or 1000), plan.close_reason)
            else:
                await client.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(client.closed), 10)
    finally:
        if writer is not None:
            tap.remove_sink(writer)  # a close that arrives later (the server stopping) is not written
            writer.close()
    out.counts = dict(result.counts)
    if writer is not None:
        from rtinspect.exchange.logio import read_log

        out.records = read_log(writer.path).records
    else:
        out.records = result.records
    return out


class ResultCollector:
    """Counts records (and keeps them, with ``keep``) and the time of the last server event, for
    settling."""

    def __init__(self, keep: bool = True) -> None:
        self.keep = keep
        self.records: list[Tapped] = []
        self.counts = {"client": 0, "server": 0, "meta": 0}
        self.last_server = 0.0
        self.active_responses = 0
        self.pending_transcripts = 0
        self.transcribing = False
        self.changed = asyncio.Event()

    @property
    def busy(self) -> bool:
        return self.active_responses > 0 or self.pending_transcripts > 0

    def __call__(self, rec: Tapped) -> None:
        if self.keep:
            self.records.append(rec)
        self.counts[rec.dir] = self.counts.get(rec.dir, 0) + 1
        if rec.dir == "server":
            self.last_server = asyncio.get_running_loop().time()
            if rec.type == "response.created":
                self.active_responses += 1
            elif rec.type == "response.done":
                self.active_responses = max(0, self.active_responses - 1)
            elif rec.type in ("session.created", "session.updated"):
                self.transcribing = _transcription_on(rec.event.get("session"))
            elif rec.type == "input_audio_buffer.committed" and self.transcribing:
                self.pending_transcripts += 1
            elif rec.type.startswith("conversation.item.input_audio_transcription.") and rec.type.endswith(
                (".completed", ".failed")
            ):
                self.pending_transcripts = max(0, self.pending_transcripts - 1)
        self.changed.set()


async def _settle(client: RealtimeClient, result: ResultCollector, quiet: float) -> None:
    """Wait until no response is in progress and the server has been quiet for ``quiet`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_MAX_S
    result.last_server = max(result.last_server, loop.time())
    while not client.closed.done() and loop.time() < deadline:
        idle = loop.time() - result.last_server
        if not result.busy and idle >= quiet:
            return
        result.changed.clear()
        wait = quiet - idle if not result.busy else 1.0
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(result.changed.wait(), max(0.01, wait))


def _transcription_on(session: Any) -> bool:
    if not isinstance(session, dict):
        return False
    if session.get("input_audio_transcription"):  # beta
        return True
    audio = session.get("audio")
    inp = audio.get("input") if isinstance(audio, dict) else None
    return bool(isinstance(inp, dict) and inp.get("transcription"))


def summary_of(records: list[Tapped]) -> dict[str, Any]:
    """Counts per direction, for the command's closing line."""
    return {d: sum(1 for r in records if r.dir == d) for d in ("client", "server", "meta")}
