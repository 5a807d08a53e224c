"""rtinspect's mitmproxy addon: stream every Realtime WebSocket flow to rtinspect's local collector.

Run by ``rtinspect capture`` (``mitmdump -s <this file> --set rtinspect_collector=ws://127.0.0.1:8766``),
or by you in your own mitmproxy (``rtinspect capture --addon-path`` prints where this file is).

Why a file of its own: it runs inside mitmproxy's Python, which cannot share rtinspect's environment
(mitmproxy pins an ``h11`` that the openai SDK's HTTP stack refuses), so it imports nothing from
rtinspect, only the standard library and ``wsproto`` (a mitmproxy dependency).

What it does, and does not:

- A flow is a Realtime session when its path is OpenAI's ``/v1/realtime``, Azure's ``/openai/realtime``
  or ``/openai/v1/realtime``, or its host is one of ``rtinspect_hosts``. Other traffic passes
  untouched, unrecorded and unsent. Nothing is redirected or changed: the addon only reads.
- No latency for your app: a hook only puts a small tuple on a bounded queue; a daemon thread does
  the JSON, the masking and the sending. When the collector is down or slow, frames are dropped
  (never queued without bound) and counted; the count reaches the collector when it is back.
- No credential leaves mitmproxy: auth headers are sent as ``[redacted]``, browser key subprotocols
  likewise, and the flow's own token is masked in any payload that echoes it. The collector scrubs
  URLs and headers once more with rtinspect's scrubber.
- Memory: mitmproxy keeps every message of a flow; for Realtime flows (an hour of audio) the addon
  keeps only the latest (``rtinspect_keep_messages`` turns that off, e.g. in mitmweb).

The message protocol is described in ``rtinspect/capture/collector.py``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import queue
import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Ping, RejectConnection, Request, TextMessage

log = logging.getLogger("rtinspect")

REALTIME_PATHS = ("/v1/realtime", "/openai/realtime", "/openai/v1/realtime")
CREDENTIAL_HEADERS = frozenset(
    {"authorization", "api-key", "openai-api-key", "x-api-key", "proxy-authorization", "cookie"}
)
KEY_SUBPROTOCOLS = ("openai-insecure-api-key.", "openai-insecure-ephemeral-key.")
REDACTED = "[redacted]"
QUEUE_MAX = 20_000  # about 3 minutes of a busy session: a collector that long away loses frames, counted
QUEUE_BYTES_MAX = 64 * 1024 * 1024  # and never more than this much payload waiting (appends go up to 15 MiB)
RECONNECT_S = 1.0


def is_realtime(host: str, path: str, hosts: frozenset[str]) -> bool:
    """Whether a WebSocket flow to ``host`` + ``path`` is a Realtime session worth streaming."""
    clean = urlsplit(path).path.rstrip("/")
    return clean in REALTIME_PATHS or host.lower() in hosts


def credentials(headers: list[tuple[str, str]]) -> list[bytes]:
    """The tokens a handshake carries (to mask in payloads), longest first."""
    found = []
    for name, value in headers:
        lower = name.lower()
        if lower in CREDENTIAL_HEADERS:
            found.append(value.split(" ", 1)[1] if " " in value else value)
        elif lower == "sec-websocket-protocol":
            found += [
                p.strip().split(".", 1)[1] for p in value.split(",") if p.strip().startswith(KEY_SUBPROTOCOLS)
            ]
    return sorted((t.encode() for t in found if len(t) >= 6), key=len, reverse=True)


def safe_headers(headers: list[tuple[str, str]]) -> list[list[str]]:
    out = []
    for name, value in headers:
        lower = name.lower()
        if lower in CREDENTIAL_HEADERS:
            value = REDACTED
        elif lower == "sec-websocket-protocol":
            value = ", ".join(
                REDACTED if p.strip().startswith(KEY_SUBPROTOCOLS) else p.strip() for p in value.split(",")
            )
        out.append([name, value])
    return out


def mask(content: bytes, secrets: list[bytes]) -> bytes:
    for secret in secrets:
        if secret in content:
            content = content.replace(secret, REDACTED.encode())
    return content


class Sender:
    """A daemon thread that owns the socket to the collector; ``put`` never blocks."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.queue: queue.Queue[tuple[Any, ...] | None] = queue.Queue(QUEUE_MAX)
        self.dropped: dict[str, int] = {}  # flow id -> frames dropped, reported on reconnect
        self.secrets: dict[str, list[bytes]] = {}
        self.sock: socket.socket | None = None
        self.ws: WSConnection | None = None
        self._warned = False
        self._retry_at = 0.0
        self._lock = threading.Lock()  # the sender and reader threads both write to the socket
        self._count_lock = threading.Lock()  # mitmproxy's thread and the sender both count
        self.queued_bytes = 0
        self.thread = threading.Thread(target=self._run, name="rtinspect-sender", daemon=True)
        self.thread.start()

    def put(self, item: tuple[Any, ...]) -> None:
        size = len(item[4]) if item[0] == "frame" else 0
        with self._count_lock:
            if self.queued_bytes + size > QUEUE_BYTES_MAX:
                self._count_drop(str(item[1]))
                return
            self.queued_bytes += size
        try:
            self.queue.put_nowait(item)
        except queue.Full:
            with self._count_lock:
                self.queued_bytes -= size
                self._count_drop(str(item[1]))

    def _count_drop(self, flow: str) -> None:
        """Count one dropped frame of ``flow`` (the caller holds ``_count_lock``)."""
        self.dropped[flow] = self.dropped.get(flow, 0) + 1

    def stop(self) -> None:
        with contextlib.suppress(queue.Full):
            self.queue.put_nowait(None)
        self.thread.join(timeout=2)

    # -- the thread ------------------------------------------------------------------------------
    def _run(self) -> None:
        opened: dict[str, dict[str, Any]] = {}  # open messages, re-sent after a reconnect
        while True:
            item = self.queue.get()
            if item is None:
                self._close()
                return
            if item[0] == "frame":
                with self._count_lock:
                    self.queued_bytes -= len(item[4])
            message = self._message(item, opened)
            if message is None:
                continue
            if not self._ensure_connected(opened):
                if item[0] == "frame":
                    with self._count_lock:
                        self._count_drop(item[1])
                continue
            self._send(message)

    def _message(self, item: tuple[Any, ...], opened: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
        kind, flow = item[0], item[1]
        if kind == "open":
            _, _, url, headers, t = item
            self.secrets[flow] = credentials(headers)
            msg = {
                "kind": "open",
                "id": flow,
                "url": url,
                "headers": safe_headers(headers),
                "t": t,
                "via": "mitmproxy",
            }
            opened[flow] = msg
            return msg
        if kind == "frame":
            _, _, from_client, is_text, content, t = item
            content = mask(content, self.secrets.get(flow, []))
            data = content.decode("utf-8", "replace") if is_text else base64.b64encode(content).decode()
            return {
                "kind": "frame",
                "id": flow,
                "dir": "client" if from_client else "server",
                "t": t,
                "text": is_text,
                "data": data,
            }
        if kind == "close":
            _, _, code, reason, by, t = item
            opened.pop(flow, None)
            self.secrets.pop(flow, None)
            return {"kind": "close", "id": flow, "t": t, "code": code, "reason": reason or "", "by": by}
        return None

    def _ensure_connected(self, opened: dict[str, dict[str, Any]]) -> bool:
        if self.ws is not None:
            return True
        if self._retry_at > time.monotonic():
            return False
        parts = urlsplit(self.url)
        try:
            sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=3)
            ws = WSConnection(ConnectionType.CLIENT)
            sock.sendall(ws.send(Request(host=parts.netloc, target="/mitm")))
            while True:
                data = sock.recv(65536)
                if not data:
                    raise OSError("the collector closed the connection")
                ws.receive_data(data)
                events = list(ws.events())
                if any(isinstance(e, RejectConnection) for e in events):
                    raise OSError("the collector refused the connection")
                if any(isinstance(e, AcceptConnection) for e in events):
                    break
            sock.settimeout(None)
        except OSError as err:
            self._retry_at = time.monotonic() + RECONNECT_S
            if not self._warned:
                log.warning(
                    "rtinspect: collector %s unreachable (%s); dropping frames until it is back",
                    self.url,
                    err,
                )
                self._warned = True
            return False
        self.sock, self.ws, self._warned = sock, ws, False
        threading.Thread(target=self._read, args=(sock, ws), name="rtinspect-reader", daemon=True).start()
        for msg in list(opened.values()):  # the collector starts each flow afresh after a reconnect
            self._send(msg)
        with self._count_lock:
            dropped, self.dropped = self.dropped, {}
        for flow, count in dropped.items():
            if flow in opened:
                self._send({"kind": "dropped", "id": flow, "count": count})
        return True

    def _send(self, msg: dict[str, Any]) -> None:
        sock, ws = self.sock, self.ws
        if sock is None or ws is None:
            return
        try:
            with self._lock:
                sock.sendall(ws.send(TextMessage(data=json.dumps(msg, separators=(",", ":")))))
        except Exception:  # noqa: BLE001 - a dead collector: reconnect on the next frame
            self._drop_connection()

    def _read(self, sock: socket.socket, ws: WSConnection) -> None:
        """Answer the collector's pings and notice when it goes away."""
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                ws.receive_data(data)
                for event in ws.events():
                    if isinstance(event, Ping):
                        with self._lock:
                            sock.sendall(ws.send(event.response()))
                    elif isinstance(event, CloseConnection):
                        raise OSError("closed")
        except Exception:  # noqa: BLE001 - any failure means: connect again later
            pass
        if self.sock is sock:
            self._drop_connection()

    def _drop_connection(self) -> None:
        sock, self.sock, self.ws = self.sock, None, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()

    def _close(self) -> None:
        sock, ws = self.sock, self.ws
        if sock is not None and ws is not None:
            try:
                with self._lock:
                    sock.sendall(ws.send(CloseConnection(code=1000)))
            except Exception:  # noqa: BLE001 - shutting down anyway
                pass
        self._drop_connection()


class RtinspectCapture:
    """The addon: mitmproxy calls these hooks on its event loop; each does one queue put at most."""

    def __init__(self) -> None:
        self.sender: Sender | None = None
        self.hosts: frozenset[str] = frozenset()
        self.keep_messages = False
        self.flows: set[str] = set()

    def load(self, loader: Any) -> None:
        loader.add_option(
            "rtinspect_collector", str, "ws://127.0.0.1:8766", "rtinspect's collector (rtinspect capture)"
        )
        loader.add_option(
            "rtinspect_hosts",
            str,
            "",
            "more hosts whose WebSocket flows are Realtime sessions (comma-separated)",
        )
        loader.add_option(
            "rtinspect_keep_messages",
            bool,
            False,
            "keep every message of Realtime flows in mitmproxy's memory",
        )

    def configure(self, updated: set[str]) -> None:
        from mitmproxy import ctx

        if "rtinspect_hosts" in updated:
            self.hosts = frozenset(
                h.strip().lower() for h in ctx.options.rtinspect_hosts.split(",") if h.strip()
            )
        if "rtinspect_keep_messages" in updated:
            self.keep_messages = bool(ctx.options.rtinspect_keep_messages)
        if "rtinspect_collector" in updated:
            if self.sender is not None:
                self.sender.stop()
            self.sender = Sender(ctx.options.rtinspect_collector)

    def websocket_start(self, flow: Any) -> None:
        request = flow.request
        if self.sender is None or not is_realtime(request.pretty_host, request.path, self.hosts):
            return
        self.flows.add(flow.id)
        headers = list(request.headers.items(multi=True))
        self.sender.put(("open", flow.id, request.pretty_url, headers, time.time()))

    def websocket_message(self, flow: Any) -> None:
        if flow.id not in self.flows or self.sender is None:
            return
        messages = flow.websocket.messages
        message = messages[-1]
        self.sender.put(
            ("frame", flow.id, message.from_client, message.is_text, message.content, message.timestamp)
        )
        if not self.keep_messages and len(messages) > 1:
            del messages[:-1]  # mitmproxy forwards the message object it holds, not the list

    def websocket_end(self, flow: Any) -> None:
        if flow.id not in self.flows or self.sender is None:
            return
        self.flows.discard(flow.id)
        ws = flow.websocket
        by = "network" if ws.closed_by_client is None else ("client" if ws.closed_by_client else "server")
        self.sender.put(
            ("close", flow.id, ws.close_code, ws.close_reason, by, ws.timestamp_end or time.time())
        )

    def done(self) -> None:
        if self.sender is not None:
            self.sender.stop()


addons = [RtinspectCapture()]
