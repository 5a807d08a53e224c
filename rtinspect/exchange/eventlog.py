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


def parse_json_records(text: str, source: str) -> list[Any]:
    """A JSON array, an object with an ``events`` list (a saved console session), or JSON Lines
    -> a list of values."""
    stripped = text.strip()
    if stripped.startswith(("[", "{")):
        try:
            doc = orjson.loads(stripped)
        except orjson.JSONDecodeError as err:
            if stripped.startswith("["):
                raise UserError(f"{source}: not valid JSON ({err})") from None
            doc = None  # JSON Lines
        if isinstance(doc, list):
            return doc
        if isinstance(doc, dict):
            return list(doc["events"]) if isinstance(doc.get("events"), list) else [doc]
    values: list[Any] = []
    lines = [line for line in text.splitlines() if line.strip()]
    for n, line in enumerate(lines, 1):
        try:
            values.append(orjson.loads(line))
        except orjson.JSONDecodeError:
            if n == len(lines) and n > 1:
                break  # a truncated last line (the tool was killed mid-write): keep the rest
            if n == 1 and len(lines) == 1:
                raise UserError(f"{source}: not JSON or JSON Lines") from None
            raise UserError(f"{source}: line {n} is not JSON") from None
    return values


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


def read_event_log(values: list[Any], source: str) -> ImportedSession:
    """One session from a list of records of any of the shapes above."""
    if values and isinstance(values[0], dict) and "rtinspect_log" in values[0]:
        raise UserError(f"{source} is already an rtinspect log; open it with 'rtinspect open'")
    records: list[Tapped] = []
    skipped = 0
    raw_times: list[float | None] = []
    shapes: set[str] = set()
    for value in values:
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
        records.append(Tapped(0.0, direction, event))  # type: ignore[arg-type]
        raw_times.append(t)
    if not records:
        raise UserError(f"{source}: no Realtime events found (expected JSON objects with a 'type')")
    known = [t for t in raw_times if t is not None]
    t0 = min(known) if known else 0.0
    last = 0.0
    timed: list[Tapped] = []
    for rec, t in zip(records, raw_times, strict=True):
        rel = max(last, t - t0) if t is not None else last
        last = rel
        timed.append(Tapped(rel, rec.dir, rec.event))
    dialect = "ga"
    if any(r.type in ("response.audio.delta", "response.text.delta", "conversation.created") for r in timed):
        dialect = "beta"
    model = None
    for rec in timed:
        if rec.type in ("session.created", "session.updated"):
            session = rec.event.get("session")
            if isinstance(session, dict) and isinstance(session.get("model"), str):
                model = session["model"]
                break
    return ImportedSession(
        name=source,
        url=None,
        headers={},
        dialect=dialect,
        model=model,
        records=timed,
        skipped=skipped,
        format="+".join(sorted(shapes)) + (" (timed)" if known else " (no times)"),
    )
