"""The local collector: Realtime frames seen by someone else (mitmproxy, a web page) become sessions.

Two kinds of sender connect to it over a loopback WebSocket and speak the same small JSON protocol:

- ``/mitm``: rtinspect's mitmproxy addon (``mitm_addon.py``), one socket for every flow it sees;
- ``/page``: the in-page script (``page.js``, served at ``/rtinspect.js``), one socket per page.

Each message is one JSON object with a ``kind``:

``{"kind": "open", "id": FLOW, "url": URL, "headers": [[name, value], ...], "t": EPOCH_S, "via": "mitmproxy"|"page"}``
``{"kind": "frame", "id": FLOW, "dir": "client"|"server", "t": EPOCH_S, "text": true|false, "data": TEXT_OR_BASE64}``
``{"kind": "close", "id": FLOW, "t": EPOCH_S, "code": INT|null, "reason": STR, "by": "client"|"server"|"network"}``
``{"kind": "dropped", "id": FLOW, "count": N}`` (frames the sender had to drop while the collector was away)

Senders never send a credential: the addon leaves auth headers out and masks its flow's own token in
payloads; the page script only sees data-channel events, which carry none. The collector scrubs
URLs and headers once more (``rtinspect.secrets``) before anything is recorded or shown.

Every flow becomes a ``ProxySession`` opened through the same ``SessionHub`` as ``rtinspect proxy``,
and each frame goes through ``ProxySession.observe``: one road to the recorder, the doctor and the
TUI. Times are the sender's (when the frame crossed the wire), not when it reached the collector.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import math
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import Opcode
from websockets.http11 import Request, Response

from rtinspect.origin import check_origin
from rtinspect.proxy.server import ProxySession, handshake_dialect
from rtinspect.proxy.sessions import SessionCallback, SessionHub
from rtinspect.proxy.upstream import HANDSHAKE_HEADERS
from rtinspect.secrets import scrub_headers, scrub_url
from rtinspect.tap import META_TRANSPORT_ERROR, EventTap

log = logging.getLogger("rtinspect.capture")

DEFAULT_PORT = 8766
# Page origins a collector accepts unless told otherwise: pages the developer serves on this machine.
DEFAULT_PAGE_ORIGINS = ("http://localhost:*", "http://127.0.0.1:*", "http://localhost", "http://127.0.0.1")
SCRIPT_PATH = "/rtinspect.js"
MITM_PATH = "/mitm"
PAGE_PATH = "/page"
# One frame can be a 15 MiB append as base64 inside a JSON string (~21 MB): room for that and more.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
# A sender that keeps many flows open at once (a buggy page in a loop) must not exhaust memory.
MAX_OPEN_FLOWS_PER_SENDER = 256


class SenderClock:
    """The clock of a captured session's tap: the sender's time of the frame being tapped.

    Never goes backwards, so the log's times stay ordered even when the two directions of a flow
    are stamped by different threads.
    """

    def __init__(self, t: float) -> None:
        self.t = t

    def advance(self, t: Any) -> None:
        if isinstance(t, (int, float)) and math.isfinite(t) and t > self.t:
            self.t = float(t)

    def __call__(self) -> float:
        return self.t


@dataclass
class _Flow:
    session: ProxySession
    clock: SenderClock


def page_script(collector_url: str) -> str:
    """The in-page script, pointed at this collector's ``/page`` socket."""
    text = resources.files("rtinspect.capture").joinpath("page.js").read_text(encoding="utf-8")
    return text.replace("__RTINSPECT_COLLECTOR__", collector_url + PAGE_PATH)


class Collector:
    """A loopback WebSocket server that turns captured frames into proxy-style sessions.

    ``allow_origins``: the page origins accepted on any path (globs such as ``http://localhost:*``,
    as ``rtinspect.origin`` reads them); senders without an ``Origin`` header (the addon) are
    accepted. ``record``/``record_dir`` as for the proxy. ``label``/``hint`` say in the views where
    the frames come from and what the user must do.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        *,
        record: str | Path | None = None,
        record_dir: str | Path | None = None,
        allow_origins: Iterable[str] = DEFAULT_PAGE_ORIGINS,
        on_session: SessionCallback | None = None,
        label: str = "capture",
        hint: str | Callable[[], str] = "",
        prefix: str = "capture",
    ) -> None:
        self.listen_host = host
        self.listen_port = port
        self.allow_origins = tuple(allow_origins)
        self.hub = SessionHub(record=record, record_dir=record_dir, prefix=prefix, on_session=on_session)
        self.label = label
        self.hint = hint
        # (title, lead, via) of the TUI's wait screen: "<title> / <lead> <hint> / <via> <label>"
        self.wait_words = ("rtinspect collector", "to be seen, do this", "frames come from")
        self.refused: list[str] = []  # refusal lines, newest last (bounded)
        self.bad_messages = 0
        self._server: Server | None = None
        self._senders: set[ServerConnection] = set()
        # Started after the collector listens and stopped before it closes (e.g. mitmdump, which
        # must know the collector's port): whoever starts the collector (CLI, TUI) starts them too.
        self.companions: list[Any] = []

    # -- what the views read ----------------------------------------------------------------
    @property
    def sessions(self) -> list[ProxySession]:
        return self.hub.sessions

    @property
    def port(self) -> int:
        return self.listen_port

    @property
    def url(self) -> str:
        host = self.listen_host if ":" not in self.listen_host else f"[{self.listen_host}]"
        return f"ws://{host}:{self.listen_port}"

    @property
    def script_url(self) -> str:
        return self.url.replace("ws://", "http://", 1) + SCRIPT_PATH

    @property
    def upstream(self) -> str:
        """What the views print where the proxy prints its upstream."""
        return self.label

    @property
    def app_url(self) -> str:
        """What the user must do for their app to be seen (the TUI shows it where the proxy shows its URL)."""
        hint = self.hint() if callable(self.hint) else self.hint
        return hint or self.url

    def subscribe(self, callback: SessionCallback) -> Callable[[], None]:
        return self.hub.subscribe(callback)

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> Collector:
        try:
            self._server = await serve(
                self._handler,
                self.listen_host,
                self.listen_port,
                process_request=self._process_request,
                compression=None,
                max_size=MAX_MESSAGE_BYTES,
                server_header=None,
            )
        except OSError as err:
            why = os.strerror(err.errno) if err.errno else str(err)
            raise OSError(
                err.errno, f"cannot listen on {self.listen_host}:{self.listen_port}: {why}"
            ) from None
        self.listen_port = next(iter(self._server.sockets)).getsockname()[1]
        try:
            for companion in self.companions:
                await companion.start(self)
        except BaseException:
            await self.stop()
            raise
        return self

    async def stop(self) -> None:
        for companion in reversed(self.companions):
            await companion.stop()
        if self._server is not None:
            self._server.close(close_connections=True)
            await self._server.wait_closed()
            self._server = None
        self.hub.finish_all()

    async def __aenter__(self) -> Collector:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def serve_forever(self) -> None:
        assert self._server is not None, "start() first"
        await self._server.serve_forever()

    # -- handshake ------------------------------------------------------------------------------
    def _process_request(self, conn: ServerConnection, request: Request) -> Response | None:
        path = urlsplit(request.path).path
        refusal = check_origin(
            request.headers.raw_items(), self.allow_origins, listener="rtinspect collector"
        )
        if refusal is not None:
            log.warning("%s", refusal)
            self.refused = [*self.refused[-19:], refusal]
            return conn.respond(HTTPStatus.FORBIDDEN, refusal + "\n")
        if path == SCRIPT_PATH:
            response = conn.respond(HTTPStatus.OK, page_script(self.url))
            response.headers["Content-Type"] = "text/javascript; charset=utf-8"
            response.headers["Cache-Control"] = "no-store"
            return response
        if path not in (MITM_PATH, PAGE_PATH):
            return conn.respond(
                HTTPStatus.NOT_FOUND, f"rtinspect collector: {SCRIPT_PATH}, {MITM_PATH} or {PAGE_PATH}\n"
            )
        return None

    # -- one sender -------------------------------------------------------------------------------
    async def _handler(self, conn: ServerConnection) -> None:
        via = "page" if urlsplit(conn.request.path).path == PAGE_PATH else "mitmproxy"  # type: ignore[union-attr]
        flows: dict[str, _Flow] = {}
        self._senders.add(conn)
        try:
            async for message in conn:
                self.ingest(message, flows, via)
        except ConnectionClosed:
            pass
        finally:
            self._senders.discard(conn)
            for flow in flows.values():  # the sender went away: so did what it was watching
                flow.session.finish()

    def ingest(self, message: str | bytes, flows: dict[str, _Flow], via: str) -> None:
        """One sender message; a malformed one is counted and skipped, never fatal."""
        try:
            msg = orjson.loads(message)
            kind = msg.get("kind")
            flow_id = str(msg.get("id"))
        except (orjson.JSONDecodeError, AttributeError):
            self.bad_messages += 1
            return
        flow = flows.get(flow_id)
        if kind == "frame" and flow is not None:
            data = msg.get("data")
            direction = msg.get("dir")
            if not isinstance(data, str) or direction not in ("client", "server"):
                self.bad_messages += 1
                return
            if msg.get("text", True):
                opcode, payload = Opcode.TEXT, data.encode("utf-8", "surrogatepass")
            else:
                try:
                    opcode, payload = Opcode.BINARY, base64.b64decode(data, validate=True)
                except (binascii.Error, ValueError):
                    self.bad_messages += 1
                    return
            flow.clock.advance(msg.get("t"))
            flow.session.observe(direction, opcode, payload)
        elif kind == "open" and flow is None:
            if len(flows) >= MAX_OPEN_FLOWS_PER_SENDER:
                self.bad_messages += 1
                return
            flows[flow_id] = self._open(msg, via)
        elif kind == "close" and flow is not None:
            flow.clock.advance(msg.get("t"))
            code = msg.get("code") if isinstance(msg.get("code"), int) else None
            by = msg.get("by") if msg.get("by") in ("client", "server", "network") else "network"
            flow.session.note_close(by, code, str(msg.get("reason") or ""))
            flow.session.finish()
            del flows[flow_id]
        elif kind == "dropped" and flow is not None:
            count = msg.get("count")
            flow.session.tap.meta(
                META_TRANSPORT_ERROR,
                message=f"the {via} capture dropped {count} frame(s) while the collector was unreachable",
            )
        else:
            self.bad_messages += 1

    def _open(self, msg: dict[str, Any], via: str) -> _Flow:
        t0 = msg.get("t")
        clock = SenderClock(float(t0) if isinstance(t0, (int, float)) and math.isfinite(t0) else time.time())
        url = str(msg.get("url") or "")
        raw = msg.get("headers")
        pairs = [
            (str(p[0]), str(p[1]))
            for p in (raw if isinstance(raw, list) else [])
            if isinstance(p, (list, tuple)) and len(p) == 2
        ]
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        safe_url = scrub_url(url)
        safe_parts = urlsplit(safe_url)
        n = self.hub.next_id()
        session = ProxySession(
            id=n,
            path=safe_parts.path + (f"?{safe_parts.query}" if safe_parts.query else ""),
            upstream=safe_url,
            headers=scrub_headers([(k, v) for k, v in pairs if k.lower() not in HANDSHAKE_HEADERS]),
            model=query.get("model") or query.get("deployment"),
            dialect=handshake_dialect(pairs),
            tap=EventTap(clock=clock),
            record_path=self.hub.record_path(n),
        )
        self.hub.open(session, capture=via)
        return _Flow(session, clock)

    async def wait_for_sessions(self, count: int, *, closed: bool = False, timeout: float = 10.0) -> None:
        """For tests and scripts: wait until ``count`` sessions exist (and, with ``closed``, ended)."""

        async def ready() -> None:
            while len(self.sessions) < count or (
                closed and not all(s.closed.is_set() for s in self.sessions[:count])
            ):
                await asyncio.sleep(0.02)

        await asyncio.wait_for(ready(), timeout)


__all__ = [
    "DEFAULT_PAGE_ORIGINS",
    "DEFAULT_PORT",
    "Collector",
    "SenderClock",
    "page_script",
]
