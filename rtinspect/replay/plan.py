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

from rtinspect.errors import UserError
from rtinspect.exchange.logio import SessionLog
from rtinspect.tap import META_CONNECTION_CLOSED, META_CONNECTION_OPENED

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
        for rec in self.log.records:
            if rec.dir == "client":
                yield max(0.0, rec.t - self.base), rec.event


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


def plan_from_log(log: SessionLog) -> ReplayPlan:
    """One pass over the log for what the replay needs; the events themselves stay on disk."""
    opened: dict[str, Any] = {}
    closed: dict[str, Any] = {}
    count = 0
    skipped = 0
    base: float | None = None
    last_t = 0.0
    for rec in log.records:
        last_t = rec.t
        if rec.dir == "client":
            count += 1
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
