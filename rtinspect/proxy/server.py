"""``ProxyServer``: sit between a user's app and the Realtime API, forward and observe.

Every app connection becomes a ``ProxySession`` with its own ``EventTap`` (and its own log file
when recording). Subscribers (the headless printer, the TUI) hear about a session before its
first event, so they can attach sinks and miss nothing. The relay itself is in ``relay.py``;
this module does the handshake (connecting upstream first so that an upstream refusal reaches
the app as the same HTTP status), session bookkeeping and tapping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson
from websockets.asyncio.client import connect
from websockets.asyncio.server import Server, serve
from websockets.exceptions import InvalidHandshake, InvalidStatus
from websockets.frames import Opcode
from websockets.http11 import Request, Response
from websockets.protocol import CLOSED

from rtinspect.exchange.logio import Recorder
from rtinspect.origin import check_origin
from rtinspect.protocol import Dialect
from rtinspect.protocol.audio import MAX_FRAME_BYTES
from rtinspect.protocol.dialect import detect_dialect
from rtinspect.proxy.relay import RelayClientConnection, RelayServerConnection, wait_both_closed
from rtinspect.proxy.sessions import SessionCallback, SessionHub
from rtinspect.proxy.upstream import (
    DEFAULT_UPSTREAM,
    HANDSHAKE_HEADERS,
    check_upstream,
    forward_headers,
    requested_subprotocols,
    upstream_url,
)
from rtinspect.secrets import (
    credential_tokens,
    redact_text,
    register_secret,
    scrub_event,
    scrub_headers,
    scrub_url,
)
from rtinspect.tap import (
    META_BINARY_FRAME,
    META_CONNECTION_CLOSED,
    META_FRAME_REFUSED,
    META_RECORDING_STOPPED,
    META_TRANSPORT_ERROR,
    Direction,
    EventTap,
)

NoticeCallback = Callable[[str], None]
log = logging.getLogger("rtinspect.proxy")


@dataclass
class ProxySession:
    """One proxied app connection: what the views need to follow it."""

    id: int
    path: str  # scrubbed request path and query, as the app asked
    upstream: str  # scrubbed upstream URL
    headers: dict[str, str]  # scrubbed app request headers
    model: str | None
    dialect: str
    tap: EventTap = field(default_factory=EventTap)
    record_path: Path | None = None
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    close_code: int | None = None
    close_reason: str = ""
    closed_by: str | None = None
    frames: int = 0
    sink_errors: int = 0
    recorder: Recorder | None = field(default=None, repr=False)
    secrets: tuple[bytes, ...] = field(default=(), repr=False)

    def observe(self, direction: Direction, opcode: Opcode, data: bytes) -> None:
        """Tap one forwarded message; never raises into the relay."""
        self.frames += 1
        try:
            if opcode is Opcode.TEXT:
                try:
                    event = orjson.loads(data)
                except orjson.JSONDecodeError:
                    event = None
                if isinstance(event, dict):
                    if self.secrets and any(secret in data for secret in self.secrets):
                        event = scrub_event(event)  # a credential echoed back never reaches a view
                    self.tap.tap(direction, event)
                    return
                text = data.decode("utf-8", "replace")
                self.tap.meta(
                    META_BINARY_FRAME,
                    dir=direction,
                    opcode="text",
                    size=len(data),
                    text=redact_text(text[:200]),
                )
            else:
                self.tap.meta(
                    META_BINARY_FRAME,
                    dir=direction,
                    opcode="binary",
                    size=len(data),
                    preview_hex=data[:32].hex(),
                )
        except Exception:  # noqa: BLE001 - a broken view must never break the user's app
            self.sink_errors += 1

    def recording_stopped(self, message: str) -> None:
        """The recorder gave up (disk full): the relay goes on, the views say so once."""
        with contextlib.suppress(Exception):
            self.tap.meta(META_RECORDING_STOPPED, path=str(self.record_path), message=message)

    def refused_frame(self, direction: Direction, size: int | None, limit: int | None) -> None:
        """A message over the frame limit: its size goes on record, never its bytes."""
        with contextlib.suppress(Exception):
            self.tap.meta(META_FRAME_REFUSED, dir=direction, size=size, limit=limit)
        by = "app" if direction == "client" else "upstream"
        self.note_close(
            "proxy", 1009, f"the {by} sent a message of {size} bytes, over the {limit}-byte limit"
        )

    def note_close(self, by: str, code: int | None, reason: str) -> None:
        if self.closed_by is None:
            self.closed_by, self.close_code, self.close_reason = by, code, reason

    def finish(self) -> None:
        if self.closed.is_set():
            return
        with contextlib.suppress(Exception):
            self.tap.meta(
                META_CONNECTION_CLOSED,
                code=self.close_code if self.closed_by else 1006,
                reason=redact_text(self.close_reason),
                by=self.closed_by or "network",
            )
        if self.recorder is not None:
            with contextlib.suppress(Exception):
                self.recorder.close()
        self.closed.set()


def handshake_dialect(headers: list[tuple[str, str]]) -> str:
    """The dialect an app's handshake asks for (the protocol's beta-header rule; GA otherwise)."""
    return (detect_dialect(headers=headers) or Dialect.GA).value


def _secrets_in(headers: list[tuple[str, str]]) -> tuple[bytes, ...]:
    """The credential values in the request (auth headers, browser key subprotocols), as bytes for
    a fast search in frames."""
    found = []
    for token in (t for name, value in headers for t in credential_tokens(name, value)):
        if len(token) >= 6:
            register_secret(token)
            found.append(token.encode())
    return tuple(found)


class ProxyServer:
    """A WebSocket proxy on ``listen_host:listen_port`` (loopback by default) to ``upstream``.

    ``upstream``: a ws(s) URL, ``None`` for the real API, or ``"embedded"`` for an in-process
    embedded server. ``record``: a log path (the first connection writes it, later ones
    ``NAME-2.jsonl``, ``NAME-3.jsonl``...) or an existing folder; ``record_dir``: a folder.

    ``allow_origins``: origins (or globs) whose browser pages may connect; every other handshake
    carrying an ``Origin`` header is refused with HTTP 403 (``rtinspect.origin``). ``inject_key``:
    add ``env_key`` (default ``OPENAI_API_KEY``) to connections that bring no credential; off by
    default, so a connection that brought no key reaches the upstream without one. The embedded
    upstream is local and spends nothing, so there the key is added as before.
    """

    def __init__(
        self,
        listen_host: str = "127.0.0.1",
        listen_port: int = 8765,
        upstream: str | None = None,
        *,
        record: str | Path | None = None,
        record_dir: str | Path | None = None,
        on_session: SessionCallback | None = None,
        env_key: str | None = None,
        open_timeout: float = 10.0,
        allow_origins: tuple[str, ...] | list[str] = (),
        inject_key: bool = False,
        frame_limit: int = MAX_FRAME_BYTES,
    ) -> None:
        self.listen_host = listen_host
        self.listen_port = listen_port
        self.upstream = DEFAULT_UPSTREAM if upstream is None else upstream
        if self.upstream != "embedded":
            self.upstream = check_upstream(self.upstream)
        self.hub = SessionHub(record=record, record_dir=record_dir, prefix="proxy", on_session=on_session)
        self.env_key = env_key
        self.open_timeout = open_timeout
        self.allow_origins = tuple(allow_origins)
        self.inject_key = inject_key or self.upstream == "embedded"
        self.refused_origins = 0
        self.frame_limit = frame_limit
        self._notice_subscribers: list[NoticeCallback] = []
        self._server: Server | None = None
        self._embedded: Any = None

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> ProxyServer:
        if self.upstream == "embedded":
            self.upstream = await self._start_embedded()
        try:
            self._server = await serve(
                self._handler,
                self.listen_host,
                self.listen_port,
                create_connection=RelayServerConnection,
                process_request=self._process_request,
                select_subprotocol=self._select_subprotocol,
                compression=None,
                ping_interval=None,
                max_size=self.frame_limit,
                server_header=None,
            )
        except OSError as err:
            await self._stop_embedded()
            why = os.strerror(err.errno) if err.errno else str(err)
            raise OSError(
                err.errno, f"cannot listen on {self.listen_host}:{self.listen_port}: {why}"
            ) from None
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close(close_connections=True)
            await self._server.wait_closed()
            self._server = None
        for session in self.sessions:
            session.finish()
        await self._stop_embedded()

    async def __aenter__(self) -> ProxyServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def serve_forever(self) -> None:
        assert self._server is not None, "start() first"
        await self._server.serve_forever()

    @property
    def upstream_is_embedded(self) -> bool:
        return self._embedded is not None or self.upstream == "embedded"

    async def _start_embedded(self) -> str:
        from rtinspect.server import EmbeddedServer  # type: ignore[attr-defined]

        self._embedded = EmbeddedServer(port=0)
        await self._embedded.__aenter__()
        return str(self._embedded.url)

    async def _stop_embedded(self) -> None:
        if self._embedded is not None:
            embedded, self._embedded = self._embedded, None
            await embedded.__aexit__(None, None, None)

    @property
    def port(self) -> int:
        assert self._server is not None, "start() first"
        return int(next(iter(self._server.sockets)).getsockname()[1])

    @property
    def url(self) -> str:
        host = self.listen_host if ":" not in self.listen_host else f"[{self.listen_host}]"
        return f"ws://{host}:{self.port}"

    # -- subscribers -----------------------------------------------------------------------
    @property
    def sessions(self) -> list[ProxySession]:
        return self.hub.sessions

    def subscribe(self, callback: SessionCallback) -> Callable[[], None]:
        """Call ``callback(session)`` for each new app connection, before its first event
        (``SessionHub.subscribe``); returns a function that unsubscribes."""
        return self.hub.subscribe(callback)

    def subscribe_notices(self, callback: NoticeCallback) -> Callable[[], None]:
        """Call ``callback(line)`` for each one-line notice that belongs to no session (a refused
        origin). Without a subscriber, notices go to the ``rtinspect.proxy`` logger."""
        self._notice_subscribers.append(callback)
        return lambda: (
            self._notice_subscribers.remove(callback) if callback in self._notice_subscribers else None
        )

    def notice(self, line: str) -> None:
        if not self._notice_subscribers:
            log.warning("%s", line)
        for callback in list(self._notice_subscribers):
            with contextlib.suppress(Exception):
                callback(line)

    @property
    def key_policy(self) -> str:
        """One line for the banner: whether the proxy adds the environment's key, and how to change it."""
        if self.upstream_is_embedded:
            return "key: the embedded upstream is local: a connection without one gets OPENAI_API_KEY, if set"
        if self.inject_key:
            return (
                "key: OPENAI_API_KEY is added to connections that bring none (--inject-key); "
                "only allowed origins and non-browser clients can connect"
            )
        return "key: passed through from your app; the proxy adds none (--inject-key to add OPENAI_API_KEY)"

    def _new_session(self, request: Request, url: str, injected: bool) -> ProxySession:
        raw = list(request.headers.raw_items())
        query = dict(parse_qsl(urlsplit(request.path).query))
        n = self.hub.next_id()
        session = ProxySession(
            id=n,
            path=scrub_url(request.path),
            upstream=scrub_url(url),
            headers=scrub_headers([(k, v) for k, v in raw if k.lower() not in HANDSHAKE_HEADERS]),
            model=query.get("model"),
            dialect=handshake_dialect(raw),
            record_path=self.hub.record_path(n),
        )
        self.hub.open(session, proxy=True, key_injected=injected)
        return session

    async def _process_request(self, conn: RelayServerConnection, request: Request) -> Response | None:
        raw = list(request.headers.raw_items())
        refusal = check_origin(raw, self.allow_origins, "rtinspect proxy")
        if refusal is not None:
            # Before any session, recording or upstream connection: a page gets nothing but the 403.
            self.refused_origins += 1
            self.notice(refusal)
            return conn.respond(HTTPStatus.FORBIDDEN, refusal + "\n")
        url = upstream_url(self.upstream, request.path)
        headers, injected = forward_headers(raw, self.env_key, inject=self.inject_key)
        session = self._new_session(request, url, injected)
        session.secrets = _secrets_in(headers + raw)
        conn.rt_context = session
        user_agent = request.headers.get("User-Agent")
        try:
            upstream = await connect(
                url,
                additional_headers=headers,
                subprotocols=requested_subprotocols(raw) or None,  # type: ignore[arg-type]
                user_agent_header=user_agent,
                compression=None,
                ping_interval=None,
                max_size=self.frame_limit,
                open_timeout=self.open_timeout,
                create_connection=RelayClientConnection,
            )
        except InvalidStatus as err:
            status = err.response.status_code
            self._refused(session, f"upstream refused the connection: HTTP {status}")
            body = bytes(err.response.body or b"").decode("utf-8", "replace")
            return conn.respond(HTTPStatus(status), redact_text(body) or f"upstream answered HTTP {status}\n")
        except (OSError, TimeoutError, InvalidHandshake) as err:
            reason = redact_text(str(err) or type(err).__name__)
            self._refused(session, f"cannot reach upstream {session.upstream}: {reason}")
            return conn.respond(HTTPStatus.BAD_GATEWAY, f"rtinspect proxy: cannot reach upstream: {reason}\n")
        conn.upstream = upstream
        return None

    def _refused(self, session: ProxySession, message: str) -> None:
        session.tap.meta(META_TRANSPORT_ERROR, message=redact_text(message))
        session.finish()

    def _select_subprotocol(self, conn: RelayServerConnection, offered: Any) -> Any:
        up = conn.upstream
        return up.subprotocol if up is not None and up.subprotocol in offered else None

    async def _handler(self, conn: RelayServerConnection) -> None:
        session: ProxySession = conn.rt_context
        upstream = conn.upstream
        if upstream is None:
            return
        try:
            conn.join(
                upstream,
                lambda op, data: session.observe("client", op, data),
                lambda code, reason: session.note_close("client", code, reason),
                lambda size, limit: session.refused_frame("client", size, limit),
            )
            upstream.join(
                conn,
                lambda op, data: session.observe("server", op, data),
                lambda code, reason: session.note_close("server", code, reason),
                lambda size, limit: session.refused_frame("server", size, limit),
            )
            await wait_both_closed(conn, upstream)
        finally:
            if upstream.protocol.state is not CLOSED:
                upstream.transport.abort()
            session.finish()
