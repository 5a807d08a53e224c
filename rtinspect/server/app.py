"""The embedded Realtime server: ``EmbeddedServer`` (asyncio) and ``ServerThread`` (for sync callers).

Bound to 127.0.0.1 on a free port by default, it speaks the GA dialect like today's live API; with
``legacy_beta`` it also serves the retired beta dialect to clients that send ``OpenAI-Beta: realtime=v1``,
as the live API did until 2026-05.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from rtinspect.errors import UserError
from rtinspect.server import handshake
from rtinspect.server import script as rtscript
from rtinspect.server.calls import UNKNOWN_CALL_CLOSE, Call, Calls, unknown_call_message
from rtinspect.server.connection import Connection
from rtinspect.server.events import error_event
from rtinspect.server.faults import session_expired
from rtinspect.server.script import Script
from rtinspect.server.transcribe import Backend, TranscriberPool, make_transcriber

log = logging.getLogger("rtinspect.server")
# websockets logs request headers (the bearer token) at DEBUG, and a line per connection at INFO:
# its server logger stays at WARNING, and rtinspect logs one line per connection itself.
_ws_log = logging.getLogger("rtinspect.server.websockets")
_ws_log.setLevel(logging.WARNING)

PING_INTERVAL_S = 20.0
MAX_FRAME_BYTES = 32 * 1024 * 1024  # above the 15 MiB append limit, so oversized appends get the real error


class EmbeddedServer:
    """A protocol-faithful local stand-in for the Realtime API."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        legacy_beta: bool = False,
        transcriber: Backend | str | None = "pocketsphinx",
        session_minutes: float = 60,
        script: Script | str | Path | None = None,
        faults: Iterable[str] = (),
    ) -> None:
        self.host = host
        self.port = port
        self.legacy_beta = legacy_beta
        self.transcriber = make_transcriber(transcriber)
        # a pool the server built from a name is the server's to stop; one passed in is the caller's
        self._owns_transcriber = isinstance(transcriber, str) and isinstance(
            self.transcriber, TranscriberPool
        )
        self.session_minutes = session_minutes
        self.script: Script | None = None
        self.use_script(script, faults)
        self._server: Server | None = None
        self._sockets: set[ServerConnection] = set()
        self.connections: set[Connection] = set()
        self.calls = Calls()  # each session by its id, for sideband joins (``?call_id=``)

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}{handshake.PATH}"

    def use_script(self, script: Script | str | Path | None, faults: Iterable[str] = ()) -> None:
        """Rules and faults for the sessions that connect from now on (a path is read as YAML or JSON)."""
        loaded = rtscript.load(script) if isinstance(script, str | Path) else script
        if faults:
            loaded = (loaded or rtscript.Script()).with_faults(faults)
        self.script = loaded

    async def start(self) -> None:
        try:
            self._server = await serve(
                self._tracked,
                self.host,
                self.port,
                process_request=self._process_request,
                select_subprotocol=_select_subprotocol,
                max_size=MAX_FRAME_BYTES,
                ping_interval=PING_INTERVAL_S,
                compression=None,
                server_header="rtinspect-local-realtime",
                logger=_ws_log,
            )
        except OSError as exc:
            raise UserError(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}") from None
        sock = next(iter(self._server.sockets))
        self.port = sock.getsockname()[1]

    async def stop(self, grace: float = 0.2) -> None:
        """Close every connection (1001), then stop the transcription workers (even mid-decode: stop
        stays fast). A client that does not answer the close within ``grace`` seconds (stalled, not
        reading) is cut, so that Ctrl-C stops at once rather than after websockets' 10 s close timeout."""
        if self._server is not None:
            server, self._server = self._server, None
            server.close()
            try:
                await asyncio.wait_for(asyncio.shield(server.wait_closed()), grace)
            except TimeoutError:
                for ws in list(self._sockets):  # still here after the grace: stalled, cut them
                    ws.transport.abort()
                await server.wait_closed()
        if self._owns_transcriber and isinstance(self.transcriber, TranscriberPool):
            self.transcriber.close()

    async def __aenter__(self) -> EmbeddedServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @staticmethod
    def _process_request(connection: ServerConnection, request: Request) -> Response | None:
        if not handshake.path_ok(request.path):
            return connection.respond(404, "Not found: the Realtime endpoint is /v1/realtime\n")
        return None

    async def _tracked(self, ws: ServerConnection) -> None:
        """``_handle`` with the socket known to ``stop`` until it ends (any websockets version)."""
        self._sockets.add(ws)
        try:
            await self._handle(ws)
        finally:
            self._sockets.discard(ws)

    async def _handle(self, ws: ServerConnection) -> None:
        request = ws.request
        assert request is not None
        verdict = handshake.check(request.path, request.headers, legacy_beta=self.legacy_beta)
        peer = "{}:{}".format(*ws.remote_address[:2]) if ws.remote_address else "?"
        if isinstance(verdict, handshake.Accepted) and verdict.call_id is not None:
            call = self.calls.get(verdict.call_id)
            if call is None:
                verdict = handshake.Refused(None, unknown_call_message(verdict.call_id), UNKNOWN_CALL_CLOSE)
            else:
                log.info("sideband from %s joins %s", peer, verdict.call_id)
                await _sideband(call, ws)
                return
        if isinstance(verdict, handshake.Refused):
            log.info("refused %s: %s (close %d)", peer, verdict.reason, verdict.close_code)
            try:
                import orjson

                await ws.send(orjson.dumps(error_event(verdict.code, verdict.message)).decode())
                await ws.close(verdict.close_code, verdict.reason)
            except ConnectionClosed:
                pass
            return
        log.info(
            "session from %s: dialect=%s model=%s intent=%s",
            peer,
            verdict.dialect,
            verdict.model,
            verdict.intent,
        )
        call = Call(ws.send)
        conn = Connection(
            call.send,
            verdict.dialect,
            model=verdict.model,
            intent=verdict.intent,
            transcriber=self.transcriber,
            session_minutes=self.session_minutes,
        )
        conn.script = self.script
        conn.close_socket = ws.close
        if self.script is not None and self.script.session_expires_after_s is not None:
            conn.session_minutes = self.script.session_expires_after_s / 60
        self.connections.add(conn)
        call.connection = conn
        call_id = str(conn.session.get("id"))
        self.calls.add(call_id, call)
        expiry = asyncio.get_running_loop().call_later(
            conn.session_minutes * 60, lambda: conn.spawn(_expire(conn, ws))
        )
        try:
            await conn.start()
            async for message in ws:
                if isinstance(message, str):
                    await conn.handle_text(message)
                else:
                    await conn.handle_binary()
        except ConnectionClosed:
            pass
        finally:
            expiry.cancel()
            conn.shutdown()
            self.connections.discard(conn)
            await self.calls.end(call_id)
            log.info("closed %s: code=%s", peer, ws.close_code)


async def _sideband(call: Call, ws: ServerConnection) -> None:
    """A socket that joined a session: it gets the session's server events from now on, and its
    client events go into the session like the session's own."""
    conn: Connection = call.connection
    call.watchers.add(ws)
    try:
        async for message in ws:
            if isinstance(message, str):
                await conn.handle_text(message)
            else:
                await conn.handle_binary()
    except ConnectionClosed:
        pass
    finally:
        call.watchers.discard(ws)


async def _expire(conn: Connection, ws: ServerConnection) -> None:
    error, code, reason = session_expired(conn.session_minutes)
    await conn.send(error)
    conn.closed = True
    await ws.close(code, reason)


def _select_subprotocol(connection: ServerConnection, subprotocols: Any) -> str | None:
    """Answer ``realtime`` when the browser-style subprotocols are offered; never echo the key-bearing one."""
    return "realtime" if "realtime" in subprotocols else None


class ServerThread:
    """The same server on its own event loop in a daemon thread, for synchronous callers (TUI, CLI)."""

    def __init__(self, **kwargs: Any) -> None:
        self.server = EmbeddedServer(**kwargs)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return self.server.port

    def start(self) -> ServerThread:
        self._thread = threading.Thread(target=self._main, name="rtinspect-server", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self.server.start())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self.server.stop())
            # responses and transcriptions of closed sessions: cancel them rather than leave them pending
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = ["EmbeddedServer", "ServerThread"]
