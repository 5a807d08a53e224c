"""Sideband connections: a second WebSocket joining one of the server's sessions by ``?call_id=<id>``.

The live API lets a server watch and steer a WebRTC or SIP call with a WebSocket to
``/v1/realtime?call_id=<id>`` and the same key (docs/protocol.md §11): the joined socket receives the
call's server events from then on and may send client events into it. The embedded server offers the
same for its own sessions, keyed by the session's id (``session.created.session.id``, ``sess_...``),
so that rtinspect's sideband view is tested offline.

Each session's outgoing events go through its ``Call``: the session's own socket first, then every
sideband socket. When the session's socket ends, the call ends and its sideband sockets are closed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

SendText = Callable[[str], Awaitable[None]]

# The live API's answer to an unknown call id is not published; this one is the embedded server's own.
UNKNOWN_CALL_CLOSE = 4000


def unknown_call_message(call_id: str) -> str:
    return f"Call '{call_id}' not found: no active session has this id."


class Call:
    """One session's server events, fanned out to its own socket and to the sockets that joined it."""

    def __init__(self, send: SendText) -> None:
        self._send = send
        self.watchers: set[ServerConnection] = set()
        self.connection: Any = None  # the session's ``Connection``: where sideband client events go

    async def send(self, text: str) -> None:
        """Send to the session's socket (its ``ConnectionClosed`` ends the session as before), then to
        each sideband socket (a closed one just leaves the call)."""
        try:
            await self._send(text)
        finally:
            for ws in list(self.watchers):
                try:
                    await ws.send(text)
                except ConnectionClosed:
                    self.watchers.discard(ws)

    async def end(self) -> None:
        """The session's socket is gone: so is the call, for the sockets that joined it."""
        watchers, self.watchers = list(self.watchers), set()
        for ws in watchers:
            with contextlib.suppress(ConnectionClosed):
                await ws.close(1000, "call ended")


class Calls:
    """The server's active calls by id."""

    def __init__(self) -> None:
        self._calls: dict[str, Call] = {}

    def __contains__(self, call_id: object) -> bool:
        return call_id in self._calls

    def ids(self) -> list[str]:
        return list(self._calls)

    def get(self, call_id: str) -> Call | None:
        return self._calls.get(call_id)

    def add(self, call_id: str, call: Call) -> None:
        self._calls[call_id] = call

    async def end(self, call_id: str) -> None:
        call = self._calls.pop(call_id, None)
        if call is not None:
            await call.end()
