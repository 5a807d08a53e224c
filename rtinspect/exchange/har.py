"""Read Realtime sessions out of a browser HAR file (Chrome DevTools "Save all as HAR").

Chrome stores each WebSocket as an entry with ``_resourceType: "websocket"`` and its frames in
``_webSocketMessages``: ``{"type": "send"|"receive", "time": <epoch seconds>, "opcode": 1|2,
"data": <text, or base64 for binary>}``. Each Realtime socket becomes one session; ``send`` is
the client, ``receive`` the server. Times become seconds since the socket opened.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

from rtinspect.errors import UserError
from rtinspect.exchange.model import ImportedSession
from rtinspect.secrets import (
    redact_text,
    register_header_secrets,
    register_url_secrets,
    scrub_headers,
    scrub_url,
)
from rtinspect.tap import META_BINARY_FRAME, META_CONNECTION_OPENED, Tapped

_DIRS = {"send": "client", "receive": "server"}


def looks_like_har(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("log"), dict) and "entries" in doc["log"]


def _started(entry: dict[str, Any]) -> float | None:
    value = entry.get("startedDateTime")
    if not isinstance(value, str):
        return None
    try:
        return _dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _request(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry's ``request`` object, or an empty one when the file has something else there."""
    request = entry.get("request")
    return request if isinstance(request, dict) else {}


def _url(entry: dict[str, Any]) -> str:
    url = _request(entry).get("url")
    return url if isinstance(url, str) else ""


def _header_pairs(entry: dict[str, Any]) -> list[tuple[str, str]]:
    headers = _request(entry).get("headers")
    if not isinstance(headers, list):
        return []
    return [
        (str(h.get("name")), str(h.get("value")))
        for h in headers
        if isinstance(h, dict) and isinstance(h.get("name"), str) and h.get("name")
    ]


def _is_realtime_url(entry: dict[str, Any]) -> bool:
    try:
        return "realtime" in urlsplit(_url(entry)).path
    except ValueError:
        return False


def _time(msg: dict[str, Any]) -> float | None:
    """A frame's epoch time, or None when it has none that is a finite number."""
    value = msg.get("time")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) and abs(value) < 1e12 else None


def _dialect(headers: dict[str, str]) -> str:
    for name, value in headers.items():
        if name.lower() == "openai-beta" and "realtime" in value:
            return "beta"
    return "ga"


# -- reading a HAR as a stream ---------------------------------------------------------------------
# A HAR is one JSON document, and a long voice session saved from DevTools is one entry holding every
# frame: reading it whole costs several times the file in memory. It is walked with ijson's event
# stream instead, by depth (not by ijson's dotted prefixes, which cannot tell an array item from a key
# named "item"), building one frame at a time; of every other entry only ``request`` and
# ``startedDateTime`` are built (a page's response bodies are skipped unread).

_KEEP = frozenset({"request", "startedDateTime"})
_OPEN = frozenset({"start_map", "start_array"})
_CLOSE = frozenset({"end_map", "end_array"})
Events = Iterator[tuple[str, str, Any]]


def _skip(events: Events, kind: str) -> None:
    """Consume the rest of a value whose first event was ``kind``."""
    if kind not in _OPEN:
        return
    depth = 1
    for _, ev, _ in events:
        if ev in _OPEN:
            depth += 1
        elif ev in _CLOSE:
            depth -= 1
            if not depth:
                return


def _build(events: Events, kind: str, value: Any) -> Any:
    """The value whose first event was ``(kind, value)``, built from the events that follow."""
    import ijson

    if kind not in _OPEN:
        return value
    builder = ijson.ObjectBuilder()
    builder.event(kind, value)
    depth = 1
    for _, ev, val in events:
        builder.event(ev, val)
        if ev in _OPEN:
            depth += 1
        elif ev in _CLOSE:
            depth -= 1
            if not depth:
                break
    return builder.value


def _walk(events: Events, frames_of: Callable[[int], bool]) -> Iterator[tuple[str, int, Any]]:
    """The HAR's entries as ``("frame", i, frame)`` for each frame of entry ``i`` when
    ``frames_of(i)``, then ``("entry", i, light)`` when the entry ends (``light``: its kept fields,
    ``"frames"``: how many frames it had, -1 when ``_webSocketMessages`` is not a list, None when
    absent). ``("entries", -1, None)`` says the document has ``log.entries``; raises UserError
    (message filled in by the caller) when it is not a list."""
    _, kind, _ = next(events)  # the root object (the caller checked its "log")
    if kind != "start_map":
        return
    for _, ev, key in events:
        if ev == "end_map":
            return
        _, kind, value = next(events)
        if key != "log" or kind != "start_map":
            _skip(events, kind)
            continue
        for _, ev, key in events:
            if ev == "end_map":
                break
            _, kind, value = next(events)
            if key != "entries":
                _skip(events, kind)
                continue
            yield "entries", -1, None
            if kind != "start_array":
                raise UserError("'log.entries' is not a list; is this a HAR file?")
            yield from _entries(events, frames_of)


def _entries(events: Events, frames_of: Callable[[int], bool]) -> Iterator[tuple[str, int, Any]]:
    i = -1
    for _, kind, _ in events:
        if kind == "end_array":
            return
        i += 1
        if kind != "start_map":
            _skip(events, kind)
            continue
        light: dict[str, Any] = {"frames": None}
        for _, ev, key in events:
            if ev == "end_map":
                break
            _, kind, value = next(events)
            if key == "_webSocketMessages":
                if kind != "start_array":
                    _skip(events, kind)
                    light["frames"] = -1
                    continue
                n, want = 0, frames_of(i)
                for _, kind, value in events:
                    if kind == "end_array":
                        break
                    n += 1
                    if want:
                        yield "frame", i, _build(events, kind, value)
                    else:
                        _skip(events, kind)
                light["frames"] = n
            elif key in _KEEP:
                light[key] = _build(events, kind, value)
            else:
                _skip(events, kind)
        yield "entry", i, light


def _events(path: Path, source: str) -> Iterator[tuple[str, int, Any]]:
    """Open ``path`` (a BOM skipped) and walk it; bad JSON is one line."""
    import ijson

    with path.open("rb") as f:
        if f.read(3) != b"\xef\xbb\xbf":
            f.seek(0)
        try:
            yield from _walk(ijson.parse(f, use_float=True), lambda i: True)
        except ijson.JSONError as err:
            raise UserError(f"{source}: not valid JSON ({str(err).splitlines()[0][:120]})") from None
        except UserError as err:
            raise UserError(f"{source}: {err}") from None


@dataclass
class _Socket:
    """What the first pass learns of one WebSocket entry: enough to name, time and count it."""

    index: int
    light: dict[str, Any]
    realtime_hint: bool = False
    first_time: float | None = None
    skipped: int = 0


def read_har_file(path: Path, source: str = "HAR") -> list[ImportedSession] | None:
    """Every Realtime WebSocket of the HAR at ``path`` as one session (possibly none), or None when the
    document has no ``log.entries`` (not a HAR). Two streaming passes: the first registers every
    credential the file carries (so that a key sent in one place is scrubbed in every other: frames,
    other sockets, error messages) and finds the sockets, their first times and skipped frames; each
    session's records are made in another pass, as its log is written. Memory holds one frame."""
    has_entries = False
    sockets: dict[int, _Socket] = {}
    for what, i, value in _events(path, source):
        if what == "entries":
            has_entries = True
        elif what == "frame":
            sock = sockets.setdefault(i, _Socket(i, {}))
            if not isinstance(value, dict):
                continue
            if _DIRS.get(str(value.get("type"))) is None or not isinstance(value.get("data"), str):
                sock.skipped += 1
            data = value.get("data")
            if not sock.realtime_hint and isinstance(data, str) and '"session.created"' in data[:200]:
                sock.realtime_hint = True
            when = _time(value)
            if when is not None and (sock.first_time is None or when < sock.first_time):
                sock.first_time = when
        elif what == "entry":
            register_header_secrets(_header_pairs(value))
            register_url_secrets(_url(value))
            if value["frames"] and value["frames"] > 0:
                sockets.setdefault(i, _Socket(i, {})).light = value
            else:
                sockets.pop(i, None)
    if not has_entries:
        return None
    chosen = [s for s in sockets.values() if s.realtime_hint or _is_realtime_url(s.light)]
    return [_session(path, source, s, n) for n, s in enumerate(chosen, 1)]


class HarRecords:
    """One socket's records, made again at each pass over the file; ``counts`` (events per direction)
    are filled as they are made, so they are known once the log is written."""

    def __init__(self, path: Path, source: str, index: int, opened: Tapped, t0: float) -> None:
        self.path, self.source, self.index, self.opened, self.t0 = path, source, index, opened, t0
        self.counts: dict[str, int] = {"client": 0, "server": 0, "meta": 0}

    def __iter__(self) -> Iterator[Tapped]:
        import ijson

        for key in self.counts:
            self.counts[key] = 0
        yield self.opened
        last_t = 0.0
        with self.path.open("rb") as f:
            if f.read(3) != b"\xef\xbb\xbf":
                f.seek(0)
            try:
                walk = _walk(ijson.parse(f, use_float=True), lambda i: i == self.index)
                for what, i, msg in walk:
                    if what != "frame" or i != self.index or not isinstance(msg, dict):
                        continue
                    rec = _record(msg, self.t0, last_t)
                    if rec is not None:
                        last_t = rec.t
                        self.counts[rec.dir] += 1
                        yield rec
            except ijson.JSONError as err:  # the file changed since the first pass
                raise UserError(f"{self.source}: not valid JSON ({str(err).splitlines()[0][:120]})") from None


def _record(msg: dict[str, Any], t0: float, last_t: float) -> Tapped | None:
    """One frame as a record (an event, or a meta record for a binary or non-JSON frame), or None
    when it is not a send/receive frame with data."""
    direction = _DIRS.get(str(msg.get("type")))
    data = msg.get("data")
    if direction is None or not isinstance(data, str):
        return None
    when = _time(msg)
    t = when - t0 if when is not None else last_t
    t = max(t, last_t)  # keep the log ordered even if the browser's clock stepped back
    if msg.get("opcode", 1) == 1:
        try:
            event = orjson.loads(data)
        except orjson.JSONDecodeError:
            event = None
        if isinstance(event, dict):
            return Tapped(t, direction, event)  # type: ignore[arg-type]
        meta = {"type": META_BINARY_FRAME, "dir": direction, "opcode": "text", "size": len(data), "text": redact_text(data[:200])}  # fmt: skip
        return Tapped(t, "meta", meta)
    try:
        payload = base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError):
        payload = data.encode()
    meta = {"type": META_BINARY_FRAME, "dir": direction, "opcode": "binary", "size": len(payload), "preview_hex": payload[:32].hex()}  # fmt: skip
    return Tapped(t, "meta", meta)


def _session(path: Path, source: str, sock: _Socket, n: int) -> ImportedSession:
    entry = sock.light
    url = _url(entry)
    headers = scrub_headers(_header_pairs(entry))
    try:
        model = dict(parse_qsl(urlsplit(url).query)).get("model")
    except ValueError:
        model = None
    t0 = _started(entry)
    if t0 is None or (sock.first_time is not None and t0 > sock.first_time):
        t0 = sock.first_time if sock.first_time is not None else 0.0
    opened = Tapped(
        0.0,
        "meta",
        {
            "type": META_CONNECTION_OPENED,
            "url": scrub_url(url),
            "headers": headers,
            "dialect": _dialect(headers),
            "model": model,
            "imported_from": "har",
        },
    )
    records = HarRecords(path, source, sock.index, opened, t0)
    return ImportedSession(
        name=f"socket {n}: {scrub_url(url) or '(no url)'}",
        url=scrub_url(url) or None,
        headers=headers,
        dialect=_dialect(headers),
        model=model,
        records=records,  # type: ignore[arg-type]
        skipped=sock.skipped,
        format="har",
        counts=records.counts,
    )


def write_har(log: Any, path: Path) -> Path:
    """``session_to_har`` written as it is read: one pass, one frame in memory at a time."""
    doc = session_to_har(log, frames=False)
    entry = doc["log"]["entries"][0]
    t0 = entry.pop("_t0")
    last_t = 0.0
    with path.open("w", encoding="utf-8") as fh:
        # everything up to the entry's last field, then the frames, then the entry's duration
        prefix, _, _ = json.dumps(doc).rpartition("}]}}")
        fh.write(prefix + ', "_webSocketMessages": [\n')
        first = True
        for rec in log.records:
            if rec.dir not in ("client", "server"):
                continue
            last_t = rec.t
            message = {
                "type": "send" if rec.dir == "client" else "receive",
                "time": round(t0 + rec.t, 6),
                "opcode": 1,
                "data": orjson.dumps(rec.event).decode(),
            }
            fh.write(("" if first else ",\n") + json.dumps(message))
            first = False
        fh.write(f'\n], "time": {round(last_t * 1000, 3)}}}]}}}}\n')
    return path


def session_to_har(log: Any, *, frames: bool = True) -> dict[str, Any]:
    """A HAR document with the session as one Chrome-style WebSocket entry (what DevTools imports).

    Binary frames are left out: the log keeps only their size and first bytes.
    """
    started = str(log.header.get("started") or "1970-01-01T00:00:00Z")
    try:
        t0 = _dt.datetime.fromisoformat(started.replace("Z", "+00:00")).timestamp()
    except ValueError:
        t0 = 0.0
    messages = (
        [
            {
                "type": "send" if rec.dir == "client" else "receive",
                "time": round(t0 + rec.t, 6),
                "opcode": 1,
                "data": orjson.dumps(rec.event).decode(),
            }
            for rec in log.records
            if rec.dir in ("client", "server")
        ]
        if frames
        else []
    )
    url = scrub_url(str(log.header.get("url") or ""))
    headers = [{"name": k, "value": str(v)} for k, v in scrub_headers(log.headers).items()]
    entry = {
        "_resourceType": "websocket",
        "request": {
            "method": "GET",
            "url": url,
            "httpVersion": "HTTP/1.1",
            "headers": headers,
            "queryString": [{"name": k, "value": v} for k, v in parse_qsl(urlsplit(url).query)],
            "cookies": [],
            "headersSize": -1,
            "bodySize": 0,
        },
        "response": {
            "status": 101,
            "statusText": "Switching Protocols",
            "httpVersion": "HTTP/1.1",
            "headers": [],
            "cookies": [],
            "content": {"size": 0, "mimeType": "x-unknown"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": 0,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
        "startedDateTime": started,
        "time": round((log.records[-1].t if frames and log.records else 0.0) * 1000, 3),
        "_webSocketMessages": messages,
    }
    if not frames:  # write_har streams the frames and the duration itself
        del entry["time"], entry["_webSocketMessages"]
        entry["_t0"] = t0
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "rtinspect", "version": "1"},
            "pages": [],
            "entries": [entry],
        }
    }
