"""Frame-level relay between two websockets connections, with no queue in between.

Why frames and not messages: the proxy must hand every frame on unchanged and fast. Each incoming
data, ping and pong frame is written to the peer's transport inside the same ``data_received``
callback that parsed it (no task switch, no re-encoding, fragmentation preserved), and only then
shown to the observer. Automatic pongs are turned off once the pair is joined so that pings travel
end to end and the app's own pongs answer them. Back-pressure: when a peer's write buffer fills up,
reading from the other side pauses until it drains.

Size: each side parses with the live API's frame limit (``max_size``), so a frame over it is refused
from its header, before its payload is read into memory; that side is closed with 1009, the peer
too, and ``on_too_big`` hears the size (the proxy records it as a meta event, not the frame).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.asyncio.server import ServerConnection
from websockets.client import ClientProtocol
from websockets.exceptions import PayloadTooBig
from websockets.frames import Close, CloseCode, Frame, Opcode
from websockets.protocol import CLOSING, OPEN, Protocol
from websockets.server import ServerProtocol

# (opcode, payload) of a complete message -> observer; called after forwarding.
FrameObserver = Callable[[Opcode, bytes], None]
CloseObserver = Callable[[int | None, str], None]
# (size of the refused frame or message, limit) -> observer
TooBigObserver = Callable[[int | None, int | None], None]


def _recv_frame_without_auto_pong(self: Any, frame: Frame) -> None:
    """Like ``Protocol.recv_frame`` but, once relaying, lets the far end answer pings."""
    if frame.opcode is Opcode.PING and getattr(self, "relay_pings", False):
        self.events.append(frame)
        return
    Protocol.recv_frame(self, frame)


class _RelayClientProtocol(ClientProtocol):
    relay_pings = False
    recv_frame = _recv_frame_without_auto_pong


class _RelayServerProtocol(ServerProtocol):
    relay_pings = False
    recv_frame = _recv_frame_without_auto_pong


class _RelayMixin:
    """Shared relay state; mixed into websockets' server and client connection classes."""

    peer: RelayServerConnection | RelayClientConnection | None
    on_message: FrameObserver | None
    on_close_frame: CloseObserver | None
    _pending: list[Frame]
    _fragments: list[bytes]
    _fragment_opcode: Opcode | None
    on_too_big: TooBigObserver | None
    _too_big_seen: bool

    def _relay_init(self) -> None:
        self.peer = None
        self.on_message = None
        self.on_close_frame = None
        self.on_too_big = None
        self._too_big_seen = False
        self._pending = []
        self._fragments = []
        self._fragment_opcode = None

    def join(
        self,
        peer: Any,
        on_message: FrameObserver | None,
        on_close: CloseObserver | None,
        on_too_big: TooBigObserver | None = None,
    ) -> None:
        """Start relaying to ``peer``; frames that arrived before this are relayed now, in order."""
        self.peer = peer
        self.on_message = on_message
        self.on_close_frame = on_close
        self.on_too_big = on_too_big
        self.protocol.relay_pings = True  # type: ignore[attr-defined]
        pending, self._pending = self._pending, []
        for frame in pending:
            self._relay(frame)

    def _relay(self, frame: Frame) -> None:
        peer = self.peer
        if peer is None:
            self._pending.append(frame)
            return
        opcode = frame.opcode
        if opcode is Opcode.CLOSE:
            close = Close.parse(frame.data)
            code = None if close.code == 1005 else close.code
            if self.on_close_frame is not None:
                self.on_close_frame(code, close.reason)
            if peer.protocol.state is OPEN:
                # Mirror the close with the same code and reason (an empty close frame stays empty).
                peer.loop.create_task(peer.close(code, close.reason))  # type: ignore[arg-type]
            return
        if peer.protocol.state is OPEN or (
            opcode in (Opcode.PING, Opcode.PONG) and peer.protocol.state is CLOSING
        ):
            with contextlib.suppress(Exception):
                # Write the frame exactly as received: same opcode, payload and FIN bit.
                peer.protocol.send_frame(Frame(opcode, frame.data, frame.fin))
                peer.send_data()
        if opcode is Opcode.PONG:
            self.acknowledge_pings(bytes(frame.data))  # type: ignore[attr-defined]
        if self.on_message is None or opcode in (Opcode.PING, Opcode.PONG):
            return
        # The observer sees whole messages; reassemble fragments (rare on this API).
        if opcode is Opcode.CONT:
            self._fragments.append(bytes(frame.data))
            if frame.fin and self._fragment_opcode is not None:
                data, kind = b"".join(self._fragments), self._fragment_opcode
                self._fragments, self._fragment_opcode = [], None
                self._observe(kind, data)
        elif not frame.fin:
            self._fragment_opcode, self._fragments = opcode, [bytes(frame.data)]
        else:
            self._observe(opcode, bytes(frame.data))

    def _observe(self, opcode: Opcode, data: bytes) -> None:
        # After the whole batch of frames parsed from this read is forwarded: tapping (JSON parse,
        # recorder, views) never delays the frames that arrived with this one. FIFO keeps the order.
        self.loop.call_soon(self.on_message, opcode, data)  # type: ignore[attr-defined, arg-type]

    def data_received(self, data: bytes) -> None:
        super().data_received(data)  # type: ignore[misc]
        exc = self.protocol.parser_exc  # type: ignore[attr-defined]
        if isinstance(exc, PayloadTooBig) and not self._too_big_seen:
            self._too_big_seen = True
            size = getattr(exc, "size", None)
            current = getattr(exc, "current_size", None)
            if size is not None and current:
                size += current  # a fragmented message: what came before this frame counts too
            if self.on_too_big is not None:
                with contextlib.suppress(Exception):
                    self.on_too_big(size, getattr(exc, "max_size", None))
            peer = self.peer
            if peer is not None and peer.protocol.state is OPEN:
                reason = "rtinspect proxy: the other side sent a message over the size limit"
                peer.loop.create_task(peer.close(CloseCode.MESSAGE_TOO_BIG, reason))

    # Back-pressure: a slow peer pauses reading on this side.
    def pause_writing(self) -> None:
        super().pause_writing()  # type: ignore[misc]
        if self.peer is not None:
            with contextlib.suppress(Exception):
                self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        super().resume_writing()  # type: ignore[misc]
        if self.peer is not None:
            with contextlib.suppress(Exception):
                self.peer.transport.resume_reading()


class RelayServerConnection(_RelayMixin, ServerConnection):
    """The app's side of the proxy."""

    upstream: RelayClientConnection | None = None
    rt_context: Any = None

    def __init__(self, protocol: ServerProtocol, *args: Any, **kwargs: Any) -> None:
        protocol.__class__ = _RelayServerProtocol
        super().__init__(protocol, *args, **kwargs)
        self._relay_init()

    def process_event(self, event: Any) -> None:
        if self.request is None or not isinstance(event, Frame):
            super().process_event(event)
        else:
            self._relay(event)


class RelayClientConnection(_RelayMixin, ClientConnection):
    """The proxy's connection to the upstream server."""

    def __init__(self, protocol: ClientProtocol, *args: Any, **kwargs: Any) -> None:
        protocol.__class__ = _RelayClientProtocol
        super().__init__(protocol, *args, **kwargs)
        self._relay_init()

    def process_event(self, event: Any) -> None:
        if self.response is None or not isinstance(event, Frame):
            super().process_event(event)
        else:
            self._relay(event)


async def wait_both_closed(a: Any, b: Any, grace: float = 10.0) -> None:
    """Wait until either side closes, then give the other ``grace`` seconds before cutting it."""
    ta = asyncio.ensure_future(a.wait_closed())
    tb = asyncio.ensure_future(b.wait_closed())
    done, _ = await asyncio.wait({ta, tb}, return_when=asyncio.FIRST_COMPLETED)
    other, other_task = (b, tb) if ta in done else (a, ta)
    first = a if other is b else b
    if first.protocol.close_rcvd is None and other.protocol.state is OPEN:
        # The first side vanished without a close frame (1006): mirror that by dropping the other.
        other.transport.abort()
    try:
        await asyncio.wait_for(asyncio.shield(other_task), grace)
    except TimeoutError:
        other.transport.abort()
        await asyncio.gather(other_task, return_exceptions=True)
