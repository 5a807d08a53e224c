"""Read other tools' Realtime event logs (JSON array or JSON Lines).

Formats taken over (each checked against public code):
- openai-realtime-console / ``@openai/realtime-api-beta`` ``realtime.event`` records:
  ``{"time": ISO-8601, "source": "client"|"server", "count"?: n, "event": {...}}``.
- Wrapped records from scripts: a direction under ``direction``/``dir``/``source``/``from``
  (client|server|sent|send|received|receive|outgoing|incoming|in|out), the event under
  ``event``/``data``/``message``/``payload`` (object or JSON text), a time under
  ``t``/``time``/``timestamp``/``ts`` (seconds, epoch seconds or ms, or ISO-8601).
- Raw events, one per line, as dumped by ``print(json.dumps(event))`` loops, or as a saved
  session object ``{"id", "title", "timestamp", "events": [event + "timestamp" display string]}``
  of console apps built on the WebRTC console: the direction comes from the event type (the
  client event names); display-only timestamps are not times, so such logs import untimed.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson

from rtinspect.errors import UserError
from rtinspect.exchange.model import ImportedSession
from rtinspect.tap import Tapped

# Client event names of both dialects (docs/protocol.md §2); anything else is from the server.
CLIENT_TYPES = frozenset(
    {
        "session.update",
        "transcription_session.update",
        "input_audio_buffer.append",
        "input_audio_buffer.commit",
        "input_audio_buffer.clear",
        "conversation.item.create",
        "conversation.item.retrieve",
        "conversation.item.truncate",
        "conversation.item.delete",
        "response.create",
        "response.cancel",
        "output_audio_buffer.clear",
        "session.close",
    }
)
_DIR_WORDS = {
    "client": "client",
    "server": "server",
    "sent": "client",
    "send": "client",
    "outgoing": "client",
    "out": "client",
    "received": "server",
    "receive": "server",
    "recv": "server",
    "incoming": "server",
    "in": "server",
}
_DIR_KEYS = ("direction", "dir", "source", "from")
_EVENT_KEYS = ("event", "data", "message", "payload")
_TIME_KEYS = ("t", "time", "timestamp", "ts")


def _seconds(value: Any) -> float | None:
    """A time value in seconds (relative or epoch), or None when it cannot be read."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) / 1000.0 if value > 1e11 else float(value)
    if isinstance(value, str):
        try:
            return _dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def _unwrap(record: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None, float | None]:
    """(direction or None, event, time) of one record, whichever shape it has."""
    direction = None
    for key in _DIR_KEYS:
        word = record.get(key)
        if isinstance(word, str) and word.lower() in _DIR_WORDS:
            direction = _DIR_WORDS[word.lower()]
            break
    event: Any = None
    for key in _EVENT_KEYS:
        value = record.get(key)
        if isinstance(value, str) and value.lstrip().startswith("{"):
            try:
                value = orjson.loads(value)
            except orjson.JSONDecodeError:
                continue
        if isinstance(value, dict) and isinstance(value.get("type"), str):
            event = value
            break
    time_value = next((record[k] for k in _TIME_KEYS if k in record), None)
    if event is None and isinstance(record.get("type"), str):
        event = record  # a raw event; its own "timestamp" (if any) is only a display string
        time_value = None
    return direction, event, _seconds(time_value)


class EventLogRecords:
    """The records of an event log, made again at each pass from ``values()`` (a fresh stream of
    the file's JSON values): nothing but the counters below is held between passes."""

    def __init__(self, values: Callable[[], Iterable[Any]], t0: float) -> None:
        self.values, self.t0 = values, t0

    def __iter__(self) -> Iterator[Tapped]:
        last = 0.0
        for value in self.values():
            if not isinstance(value, dict):
                continue
            direction, event, t = _unwrap(value)
            if event is None:
                continue
            if direction is None:
                direction = "client" if event["type"] in CLIENT_TYPES else "server"
            last = max(last, t - self.t0) if t is not None else last
            yield Tapped(last, direction, event)  # type: ignore[arg-type]


def stream_event_log(values: Callable[[], Iterable[Any]], source: str) -> ImportedSession:
    """One session from an event log of any of the shapes above, in two streaming passes: the
    first finds the earliest time, dialect, model and counts; the records are made in the second
    (as the log is written). Memory does not grow with the file."""
    skipped = 0
    shapes: set[str] = set()
    t0: float | None = None
    any_time = False
    dialect = "ga"
    model = None
    counts = {"client": 0, "server": 0, "meta": 0}
    for value in values():  # (an rtinspect log never gets here: the importer knows it by its header)
        if not isinstance(value, dict):
            skipped += 1
            continue
        direction, event, t = _unwrap(value)
        if event is None:
            skipped += 1
            continue
        shapes.add("wrapped" if event is not value else "raw")
        if direction is None:
            direction = "client" if event["type"] in CLIENT_TYPES else "server"
        counts[direction] += 1
        if t is not None:
            any_time = True
            t0 = t if t0 is None else min(t0, t)
        kind = event["type"]
        if kind in ("response.audio.delta", "response.text.delta", "conversation.created"):
            dialect = "beta"
        if model is None and kind in ("session.created", "session.updated"):
            session = event.get("session")
            if isinstance(session, dict) and isinstance(session.get("model"), str):
                model = session["model"]
    if not counts["client"] + counts["server"]:
        raise UserError(f"{source}: no Realtime events found (expected JSON objects with a 'type')")
    return ImportedSession(
        name=source,
        url=None,
        headers={},
        dialect=dialect,
        model=model,
        records=EventLogRecords(values, t0 or 0.0),  # type: ignore[arg-type]
        skipped=skipped,
        format="+".join(sorted(shapes)) + (" (timed)" if any_time else " (no times)"),
        counts=counts,
    )
