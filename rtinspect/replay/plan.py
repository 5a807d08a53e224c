"""What a replay re-sends and how it connects, read from a recorded session.

The plan keeps each client event with its original time since the connection opened, and the
connection parameters that change the server's behaviour: dialect (the ``OpenAI-Beta`` header),
model or ``intent``, and how the original ended (who closed, with which code).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import numpy as np

from rtinspect.errors import UserError
from rtinspect.exchange.logio import SessionLog
from rtinspect.log.format import LogFormatError
from rtinspect.log.reader import LogReader
from rtinspect.log.writer import scrub_for_log
from rtinspect.tap import DIRECTIONS, META_CONNECTION_CLOSED, META_CONNECTION_OPENED, Tapped

# Headers worth carrying over: they select server behaviour and hold no credential.
CARRIED_HEADERS = ("openai-beta",)


class LogSends:
    """The client events of a log with their times since the connection opened, read from disk at
    each pass (a long session's appends are most of its bytes: they are never all in memory)."""

    def __init__(self, log: SessionLog, base: float, count: int) -> None:
        self.log, self.base, self.count = log, base, count

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[tuple[float, dict[str, Any]]]:
        records = self.log.records
        reader = getattr(records, "reader", None)
        if not isinstance(reader, LogReader):
            for rec in records:
                if rec.dir == "client":
                    yield max(0.0, rec.t - self.base), rec.event
            return
        # straight from the log, only the client events: the index says where their runs are, so
        # the server's lines (audio deltas: a quarter of a voice session) are neither parsed nor
        # scrubbed again as ``LogRecords`` would
        client = reader.dirs == DIRECTIONS.index("client")
        edges = np.flatnonzero(np.diff(np.concatenate(([0], client.view(np.int8), [0]))))
        for start, stop in zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True):
            for rec in reader.iter_records(start, stop):
                yield max(0.0, rec.t - self.base), scrub_for_log(rec.event)


@dataclass
class ReplayPlan:
    sends: Any  # (seconds since the connection opened, event): a list, or LogSends
    dialect: str = "ga"
    model: str | None = None
    intent: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    original_url: str | None = None
    closed_by: str | None = None  # "client" | "server" | "network" | None (not recorded)
    close_code: int | None = None
    close_reason: str = ""
    duration: float = 0.0  # time of the original's last event
    skipped_binary: int = 0  # client binary frames: only their size was recorded, not their bytes


def _meta(log: SessionLog, i: int) -> Tapped | None:
    try:
        return log.records[i]  # type: ignore[no-any-return]
    except LogFormatError:
        return None  # a damaged line: skipped, as a pass over the records does


def plan_from_log(log: SessionLog) -> ReplayPlan:
    """What the replay needs, from the log's index where it has one (the client events counted, the
    few meta events read); the events themselves stay on disk."""
    opened: dict[str, Any] = {}
    closed: dict[str, Any] = {}
    count = 0
    skipped = 0
    base: float | None = None
    last_t = 0.0
    records: Any = log.records
    reader = getattr(records, "reader", None)
    reader = reader if isinstance(reader, LogReader) else None
    if reader is not None:
        cols = reader.columns()
        dirs = cols["dirs"]
        count = int(np.count_nonzero(dirs == DIRECTIONS.index("client")))
        last_t = float(cols["times"][-1]) if len(dirs) else 0.0
        metas = np.flatnonzero(dirs == DIRECTIONS.index("meta")).tolist()
        records = (r for i in metas if (r := _meta(log, i)) is not None)
    for rec in records:
        if reader is None:
            last_t = rec.t
        if rec.dir == "client":
            count += 1  # (a log's reader yields no client events here: counted from its index)
        elif rec.type == META_CONNECTION_OPENED:
            if base is None:
                base = rec.t
            if not opened:
                opened = rec.event
        elif rec.type == META_CONNECTION_CLOSED:
            closed = rec.event
        elif rec.dir == "meta" and rec.event.get("dir") == "client":
            skipped += 1
    if not count:
        raise UserError(f"{log.path}: no client events to replay")
    # Times count from the connection's opening, so a pause before the app's first event is kept.
    sends = LogSends(log, base or 0.0, count)
    headers_in = {**log.headers, **(opened.get("headers") or {})}
    headers = {k: str(v) for k, v in headers_in.items() if k.lower() in CARRIED_HEADERS}
    dialect = str(opened.get("dialect") or log.dialect or "ga")
    if any(v.replace(" ", "") == "realtime=v1" for v in headers.values()):
        dialect = "beta"
    url = str(opened.get("url") or log.url or "")
    query = dict(parse_qsl(urlsplit(url).query))
    path_query = dict(parse_qsl(urlsplit(str(opened.get("path") or "")).query))
    query.update(path_query)
    model = opened.get("model") or log.model or query.get("model")
    code = closed.get("code")
    return ReplayPlan(
        sends=sends,
        dialect=dialect,
        model=str(model) if model else None,
        intent=query.get("intent"),
        headers=headers,
        original_url=url or None,
        closed_by=closed.get("by"),
        close_code=int(code) if isinstance(code, int) else None,
        close_reason=str(closed.get("reason") or ""),
        duration=last_t,
        skipped_binary=skipped,
    )
