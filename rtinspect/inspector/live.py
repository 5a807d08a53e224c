"""LiveController: the socket, the recorder and the queue the TUI drains. No Textual here.

Why a queue: the tap's sinks run on the socket's task for every event; the TUI sink only appends
to a deque, and the app drains it on a ~30 Hz timer and refreshes once per frame, so a 200 events/s
stream costs 30 repaints a second, not 200. The recorder is a sink ahead of the queue, so every
event is on disk before anything can fail downstream.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections import deque
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rtinspect.audio.formats import make_format
from rtinspect.errors import UserError
from rtinspect.inspector.summary import describe_source
from rtinspect.protocol.audio import PCM16
from rtinspect.tap import META_AUDIO_SOURCE_STARTED, EventTap, Tapped
from rtinspect.transport.target import Target

if TYPE_CHECKING:  # heavy modules, imported when a session starts (the CLI starts fast)
    from rtinspect.audio.devices import Microphone
    from rtinspect.audio.stream import StreamResult
    from rtinspect.log.writer import LogWriter
    from rtinspect.server.app import ServerThread
    from rtinspect.transport.client import RealtimeClient


def default_record_path() -> Path:
    """``$XDG_DATA_HOME/rtinspect/sessions/<timestamp>.jsonl`` (``~/.local/share`` by default)."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    folder = base / "rtinspect" / "sessions"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{datetime.now().strftime('%Y%m%d-%H%M%S')}.jsonl"


class LiveController:
    """One live session (reconnectable): target, client, recorder, embedded server if any."""

    def __init__(
        self,
        target: Target,
        *,
        record_path: str | os.PathLike[str] | None = None,
        server: ServerThread | None = None,
        embedded: bool = False,
        client_factory: Callable[[Target, EventTap], RealtimeClient] | None = None,
    ) -> None:
        self.target = target
        self.server = server  # an embedded server this controller owns (stopped on close)
        self.embedded = embedded or server is not None
        self.tap = EventTap()
        self.queue: deque[Tapped] = deque()
        self.writer: LogWriter | None = None
        self.record_path: Path | None = None
        self.client: RealtimeClient | None = None
        self._client_factory = client_factory
        self.stream_task: asyncio.Task[object] | None = None
        self.stream_label = ""
        self.mic: Microphone | None = None
        self._stream_total_ms = 0.0
        self._stream_sent_ms = 0.0
        self._stream_format = PCM16
        self.stream_note = ""  # what was done to the file: "a.wav: 16000 Hz → 24000 Hz (resampled)"
        if record_path is not None:
            self.start_recording(record_path)
        self.tap.add_sink(self._track_stream)
        self.tap.add_sink(self.queue.append)

    # ---- labels ----------------------------------------------------------------------------
    @property
    def dialect(self) -> str:
        return self.target.dialect.value

    @property
    def endpoint_label(self) -> str:
        if self.embedded:
            return "embedded local server — no API key"
        from rtinspect.secrets import redact_text, scrub_url

        return redact_text(self.target.label or scrub_url(self.target.url))

    # ---- recording ---------------------------------------------------------------------------
    def start_recording(self, path: str | os.PathLike[str] | None = None) -> Path:
        from rtinspect.log import LogWriter

        if self.writer is not None and self.record_path is not None:
            return self.record_path
        p = Path(path) if path is not None else default_record_path()
        from rtinspect.tap import META_RECORDING_STOPPED

        def stopped(message: str) -> None:
            # disk full: the session goes on and the event list says once where recording stopped
            self.tap.meta(META_RECORDING_STOPPED, path=str(p), message=message)

        self.writer = LogWriter(
            p, url=self.target.url, dialect=self.dialect, model=self.target.model, on_stopped=stopped
        )
        self.record_path = p
        # the recorder goes first: it must see an event before any other sink can fail
        self.tap.sinks.insert(0, self.writer.write)
        return p

    def stop_recording(self) -> Path | None:
        if self.writer is None:
            return None
        self.tap.remove_sink(self.writer.write)
        self.writer.close()
        self.writer = None
        return self.record_path

    # ---- connection ------------------------------------------------------------------------------
    def drain(self, limit: int = 50_000) -> list[Tapped]:
        """Everything queued since the last frame (bounded, so one frame never takes too long)."""
        q = self.queue
        n = min(len(q), limit)
        return [q.popleft() for _ in range(n)]

    async def connect(self) -> None:
        if self._client_factory is not None:
            self.client = self._client_factory(self.target, self.tap)
        else:
            from rtinspect.transport import RealtimeClient

            self.client = RealtimeClient(self.target, self.tap)
        await self.client.connect()

    async def reconnect(self) -> None:
        await self.stop_stream()
        if self.client is not None:
            await self.client.close()
        await self.connect()

    @property
    def connected(self) -> bool:
        return bool(self.client is not None and self.client.connected)

    async def send(self, event: dict[str, Any]) -> None:
        if self.client is None:
            raise UserError("not connected")
        await self.client.send(event)

    async def send_raw(self, text: str) -> None:
        if self.client is None:
            raise UserError("not connected")
        await self.client.send_raw(text)

    # ---- audio -----------------------------------------------------------------------------------
    def _track_stream(self, rec: Tapped) -> None:
        """Count the audio a file stream has sent, for the progress in the status bar (cheap: lengths only)."""
        if rec.type == META_AUDIO_SOURCE_STARTED:
            ev = rec.event
            self._stream_total_ms = float(ev.get("duration_ms") or 0.0)
            self._stream_sent_ms = 0.0
            self.stream_note = describe_source(ev)
            try:  # the format the stream goes out in (a G.711 ms is 8 bytes, a 24 kHz pcm16 one 48)
                self._stream_format = make_format(rec.event["encoding"], rec.event.get("wire_rate"))
            except (KeyError, TypeError, ValueError):
                self._stream_format = PCM16
        elif self.stream_label and rec.dir == "client" and rec.type == "input_audio_buffer.append":
            self._stream_sent_ms += self._stream_format.ms_for_b64(rec.event.get("audio"))

    @property
    def stream_progress(self) -> str:
        """``a.wav 1.2/3.4 s (A stops)`` while a file streams, else empty."""
        if not self.stream_label:
            return ""
        total = self._stream_total_ms / 1000
        sent = min(self._stream_sent_ms / 1000, total) if total else self._stream_sent_ms / 1000
        note = self.stream_note.partition(": ")[2]
        note = note if "resampled" in note else ""  # a conversion, or its absence, is news; "no need" is not
        return (
            f"streaming {self.stream_label} {sent:.1f}/{total:.1f} s"
            + (f", {note}" if note else "")
            + " (A stops)"
        )

    async def stream_file(
        self, path: str | os.PathLike[str], *, realtime: bool = True, resample: bool = True
    ) -> StreamResult:
        """Stream a file into the session; ``resample=False`` sends its samples at the file's own
        rate under the declared one (the CLI's ``--no-resample``: the 16 kHz mistake, on purpose)."""
        from rtinspect.audio.stream import stream_file

        if self.client is None:
            raise UserError("not connected")
        self.stream_label = Path(path).name
        self.stream_note = ""
        try:
            return await stream_file(self.client, path, realtime=realtime, resample=resample)
        finally:
            self.stream_label = ""

    async def stop_stream(self) -> None:
        task, self.stream_task = self.stream_task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):  # stopping, not reporting
                await task

    async def close(self) -> None:
        await self.stop_stream()
        if self.mic is not None:
            with contextlib.suppress(Exception):
                self.mic.stop()
            self.mic = None
        if self.client is not None:
            with contextlib.suppress(Exception):  # closing on exit must not raise at the user
                await self.client.close()
        self.stop_recording()
        if self.server is not None:
            self.server.stop()
