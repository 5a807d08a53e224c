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


def _register_secrets(entries: list[Any]) -> None:
    """Every credential a HAR carries (any entry's auth headers, key subprotocols, URL keys) is
    registered before a frame is read, so that a key sent in one place is scrubbed in every other:
    frames, other sockets, error messages."""
    for entry in entries:
        if isinstance(entry, dict):
            register_header_secrets(_header_pairs(entry))
            register_url_secrets(_url(entry))


def _is_realtime(entry: dict[str, Any]) -> bool:
    try:
        path = urlsplit(_url(entry)).path
    except ValueError:
        path = ""
    if "realtime" in path:
        return True
    for msg in entry.get("_webSocketMessages") or []:
        data = msg.get("data") if isinstance(msg, dict) else None
        if isinstance(data, str) and '"session.created"' in data[:200]:
            return True
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


def read_har(doc: dict[str, Any], source: str = "HAR") -> list[ImportedSession]:
    """Every Realtime WebSocket in the HAR as one session (possibly none)."""
    entries = doc["log"].get("entries")
    if not isinstance(entries, list):
        raise UserError(f"{source}: 'log.entries' is not a list; is this a HAR file?")
    _register_secrets(entries)
    sockets = [
        e
        for e in entries
        if isinstance(e, dict) and isinstance(e.get("_webSocketMessages"), list) and e["_webSocketMessages"]
    ]
    chosen = [e for e in sockets if _is_realtime(e)]
    return [_session(e, source, n) for n, e in enumerate(chosen, 1)]


def _session(entry: dict[str, Any], source: str, n: int) -> ImportedSession:
    url = _url(entry)
    headers = scrub_headers(_header_pairs(entry))
    try:
        model = dict(parse_qsl(urlsplit(url).query)).get("model")
    except ValueError:
        model = None
    messages = [m for m in entry["_webSocketMessages"] if isinstance(m, dict)]
    times = [_time(m) for m in messages]
    times = [t for t in times if t is not None]
    t0 = _started(entry)
    if t0 is None or (times and t0 > min(times)):
        t0 = min(times) if times else 0.0
    records = [
        Tapped(
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
    ]
    skipped = 0
    last_t = 0.0
    for msg in messages:
        direction = _DIRS.get(str(msg.get("type")))
        if direction is None:
            skipped += 1
            continue
        when = _time(msg)
        t = when - t0 if when is not None else last_t
        t = max(t, last_t)  # keep the log ordered even if the browser's clock stepped back
        last_t = t
        data = msg.get("data")
        opcode = msg.get("opcode", 1)
        if opcode == 1 and isinstance(data, str):
            try:
                event = orjson.loads(data)
            except orjson.JSONDecodeError:
                event = None
            if isinstance(event, dict):
                records.append(Tapped(t, direction, event))  # type: ignore[arg-type]
            else:
                records.append(
                    Tapped(
                        t,
                        "meta",
                        {
                            "type": META_BINARY_FRAME,
                            "dir": direction,
                            "opcode": "text",
                            "size": len(data),
                            "text": redact_text(data[:200]),
                        },
                    )
                )
        elif isinstance(data, str):
            try:
                payload = base64.b64decode(data, validate=False)
            except (binascii.Error, ValueError):
                payload = data.encode()
            records.append(
                Tapped(
                    t,
                    "meta",
                    {
                        "type": META_BINARY_FRAME,
                        "dir": direction,
                        "opcode": "binary",
                        "size": len(payload),
                        "preview_hex": payload[:32].hex(),
                    },
                )
            )
        else:
            skipped += 1
    return ImportedSession(
        name=f"socket {n}: {scrub_url(url) or '(no url)'}",
        url=scrub_url(url) or None,
        headers=headers,
        dialect=_dialect(headers),
        model=model,
        records=records,
        skipped=skipped,
        format="har",
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
