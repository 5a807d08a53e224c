"""The live WebSocket client: every frame, both ways, goes through the tap with its time.

The reader task only parses (orjson) and taps; tap sinks are synchronous and cheap (the TUI sink
queues), so the reader never waits on a consumer and the socket's buffers never back up behind a
slow screen. A drop mid-session becomes a ``META_CONNECTION_CLOSED`` with ``by="network"``; the
recorder, being a sink, has already written everything that arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import orjson

from rtinspect.errors import UserError
from rtinspect.protocol import AUDIO_FIELDS
from rtinspect.secrets import redact_text, scrub_headers, scrub_url
from rtinspect.tap import (
    META_BINARY_FRAME,
    META_CONNECTION_CLOSED,
    META_CONNECTION_OPENED,
    META_TRANSPORT_ERROR,
    EventTap,
    Tapped,
)
from rtinspect.transport.target import Target

# A text frame that is not a JSON object (either direction); rtinspect's own note, like the META_* names.
META_RAW_FRAME = "rtinspect.raw_frame"  # {dir, size, text (first 200 chars)}
MAX_FRAME_BYTES = 64 * 1024 * 1024  # audio deltas are big; the live server allows 15 MiB appends
_PREVIEW = 200

Predicate = Callable[[Tapped], bool] | str


class TransportError(UserError):
    """The connection could not be made or was lost while sending."""


class RealtimeClient:
    """One Realtime session over websockets, tapped in both directions.

    ``closed`` resolves with ``(code, reason)`` when the socket ends, whoever ended it.
    ``events`` holds every record this client tapped, in order (for ``wait_for``).
    """

    def __init__(
        self,
        target: Target,
        tap: EventTap,
        *,
        open_timeout: float = 15.0,
        keep_audio: bool = True,
        keep_events: bool = True,
    ) -> None:
        self.target = target
        self.tap = tap
        self.open_timeout = open_timeout
        # False: ``events`` keeps audio events without their payload (see ``_light``): long streams
        # (send, replay) stay bounded in memory; the tap's sinks still see every event whole.
        self.keep_audio = keep_audio
        # False: ``events`` stays empty (a caller that follows the session through its own tap sink,
        # like replay, needs no history; ``wait_for`` then finds nothing).
        self.keep_events = keep_events
        self.events: list[Tapped] = []
        self._ws: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._closing = False
        self._closed: asyncio.Future[tuple[int | None, str]] | None = None
        self._changed: asyncio.Event | None = None
        self._cursor = 0

    # -- lifecycle -----------------------------------------------------------------------------
    @property
    def closed(self) -> asyncio.Future[tuple[int | None, str]]:
        if self._closed is None:
            self._closed = asyncio.get_running_loop().create_future()
        return self._closed

    @property
    def connected(self) -> bool:
        return self._ws is not None and not self.closed.done()

    async def connect(self) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI

        _ = self.closed
        self._changed = asyncio.Event()
        safe = scrub_url(self.target.url)
        try:
            self._ws = await connect(
                self.target.url,
                additional_headers=self.target.headers,
                open_timeout=self.open_timeout,
                max_size=MAX_FRAME_BYTES,
                compression=None,
                max_queue=1024,
                user_agent_header="rtinspect",
            )
        except InvalidStatus as err:
            status = err.response.status_code
            body = redact_text(bytes(err.response.body or b"")[:_PREVIEW].decode("utf-8", "replace"))
            self._fail(f"{safe} refused the WebSocket upgrade: HTTP {status} {body}".strip())
        except InvalidURI:
            self._fail(f"not a valid WebSocket URL: {safe}")
        except (InvalidHandshake, OSError, TimeoutError, EOFError) as err:
            reason = redact_text(str(err) or type(err).__name__).splitlines()[0]
            self._fail(f"cannot connect to {safe}: {reason}")
        self._record(
            self.tap.meta(
                META_CONNECTION_OPENED,
                url=safe,
                headers=scrub_headers(self.target.headers),
                dialect=self.target.dialect.value,
                model=self.target.model,
                label=self.target.label,
            )
        )
        self._reader = asyncio.create_task(self._read_loop(), name="rtinspect-reader")

    def _fail(self, message: str) -> None:
        self._record(self.tap.meta(META_TRANSPORT_ERROR, message=message))
        if not self.closed.done():
            self.closed.set_result((None, message))
        raise TransportError(message)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close from our side and wait until the reader has tapped the close."""
        if self._ws is None:
            return
        self._closing = True
        with contextlib.suppress(Exception):
            await self._ws.close(code, reason)
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def __aenter__(self) -> RealtimeClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- sending -------------------------------------------------------------------------------
    async def send(self, event: dict[str, Any]) -> Tapped:
        """Tap then send the event verbatim (no event_id is added: the user decides)."""
        try:
            data = orjson.dumps(event).decode()
        except TypeError as err:
            raise UserError(f"the event is not plain JSON: {err}") from None
        self._check_open()
        rec = self._record(self.tap.tap("client", event))
        await self._send_frame(data)
        return rec

    async def send_raw(self, data: str | bytes) -> None:
        """Send a frame as is, e.g. deliberately malformed JSON or a binary frame, to see what the server says."""
        self._check_open()
        if isinstance(data, bytes | bytearray | memoryview):
            raw = bytes(data)
            self._record(
                self.tap.meta(META_BINARY_FRAME, dir="client", size=len(raw), preview_hex=raw[:32].hex())
            )
            await self._send_frame(raw)
            return
        parsed = _parse_object(data)
        if parsed is not None:
            self._record(self.tap.tap("client", parsed))
        else:
            self._record(self.tap.meta(META_RAW_FRAME, dir="client", size=len(data), text=data[:_PREVIEW]))
        await self._send_frame(data)

    def _check_open(self) -> None:
        if self._ws is None:
            raise TransportError("not connected")
        if self.closed.done():
            code, reason = self.closed.result()
            raise TransportError(f"connection already closed (code {code}{': ' + reason if reason else ''})")

    async def _send_frame(self, data: str | bytes) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            await self._ws.send(data)
        except ConnectionClosed as err:
            raise TransportError(f"connection closed while sending (code {err.code})") from None

    # -- receiving -----------------------------------------------------------------------------
    async def _read_loop(self) -> None:
        from websockets.exceptions import ConnectionClosed

        ws = self._ws
        try:
            async for frame in ws:
                self._on_frame(frame)
        except ConnectionClosed:
            pass
        except Exception as err:  # noqa: BLE001 - a reader crash must end as a tapped event, not vanish
            self._record(self.tap.meta(META_TRANSPORT_ERROR, message=redact_text(f"reader: {err!r}")))
        finally:
            self._finish(ws)

    def _on_frame(self, frame: str | bytes) -> None:
        if isinstance(frame, bytes):
            self._record(
                self.tap.meta(META_BINARY_FRAME, dir="server", size=len(frame), preview_hex=frame[:32].hex())
            )
            return
        event = _parse_object(frame)
        if event is None:
            self._record(
                self.tap.meta(
                    META_RAW_FRAME, dir="server", size=len(frame), text=redact_text(frame[:_PREVIEW])
                )
            )
        else:
            self._record(self.tap.tap("server", event))

    def _finish(self, ws: Any) -> None:
        code = ws.close_code
        reason = ws.close_reason or ""
        if self._closing:
            by = "client"
        elif ws.protocol.close_rcvd is not None:
            by = "server"
        else:
            by = "network"
            code = code if code not in (None, 1000) else 1006
        self._record(self.tap.meta(META_CONNECTION_CLOSED, code=code, reason=reason, by=by))
        if not self.closed.done():
            self.closed.set_result((code, reason))

    def _record(self, rec: Tapped) -> Tapped:
        if self.keep_events:
            self.events.append(rec if self.keep_audio else _light(rec))
        if self._changed is not None:
            self._changed.set()
        return rec

    # -- waiting -------------------------------------------------------------------------------
    async def wait_for(
        self, predicate: Predicate, timeout: float = 10.0, *, since: int | None = None
    ) -> Tapped:
        """The first event (after the one the previous ``wait_for`` returned, or from index ``since``)
        matching ``predicate`` (a callable or an event type). Raises ``TimeoutError``, or
        ``TransportError`` when the connection ends first without a match."""
        match = (lambda r: r.type == predicate) if isinstance(predicate, str) else predicate
        index = self._cursor if since is None else since
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            while index < len(self.events):
                rec = self.events[index]
                index += 1
                if match(rec):
                    self._cursor = index
                    return rec
            if self.closed.done():
                code, reason = self.closed.result()
                raise TransportError(f"connection closed (code {code} {reason}) before the awaited event")
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no matching event within {timeout:g} s")
            assert self._changed is not None
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)


AUDIO_BYTES_KEY = "rtinspect_audio_bytes"
"""In ``RealtimeClient.events``, an audio event keeps its decoded size here instead of its payload."""


def _light(rec: Tapped) -> Tapped:
    """``rec`` as ``events`` keeps it: an audio payload (most of a session's bytes) is replaced by
    its size, so that a 2-hour stream does not hold 2 hours of base64. The tap's sinks (recorder,
    views) have already seen the whole event."""
    field = AUDIO_FIELDS.get(rec.type)
    payload = rec.event.get(field) if field else None
    if not isinstance(payload, str) or len(payload) < 256:
        return rec
    light = {k: v for k, v in rec.event.items() if k != field}
    light[field] = ""
    light[AUDIO_BYTES_KEY] = len(payload) * 3 // 4 - payload.count("=", -2)
    return Tapped(rec.t, rec.dir, light)


def audio_payload_bytes(event: dict[str, Any], field: str) -> int:
    """Decoded bytes of an event's base64 audio in ``field``, whole or as ``events`` keeps it."""
    kept = event.get(AUDIO_BYTES_KEY)
    if isinstance(kept, int):
        return kept
    payload = event.get(field)
    return len(payload) * 3 // 4 if isinstance(payload, str) else 0


def _parse_object(text: str) -> dict[str, Any] | None:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None
