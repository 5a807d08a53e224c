"""Turn detection for one connection: VAD boundaries become the live API's buffer and response events.

``server_vad`` / ``semantic_vad``: speech_started (with the future item id; cancels an active response when
``interrupt_response``), speech_stopped, auto-commit and, when ``create_response``, a response.
``idle_timeout_ms``: with no speech for that long, ``input_audio_buffer.timeout_triggered`` and a turn.
``turn_detection: null``: nothing; the client commits and asks for responses itself.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from rtinspect.server import proto
from rtinspect.server.events import event
from rtinspect.server.ids import new_id
from rtinspect.server.vad import EnergyVad, VadSettings

if TYPE_CHECKING:
    from rtinspect.server.connection import Connection


class TurnDetector:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.config: dict[str, Any] | None = None
        self.vad: EnergyVad | None = None
        self.item_id: str | None = None
        self._idle: asyncio.TimerHandle | None = None

    @property
    def position_ms(self) -> float:
        return self.conn.buffer_start_ms + self.conn.buffer_ms

    def configure(self) -> None:
        """(Re)read the session's turn detection after session.created/updated; keeps the audio clock."""
        conn = self.conn
        td = proto.turn_detection(conn.session, conn.dialect)
        self.config = td
        if td is None:
            self.vad = None
            self.item_id = None
        else:
            settings = VadSettings.from_turn_detection(td)
            fmt = conn.fmt
            if self.vad is None or self.vad.settings != settings or self.vad.fmt != fmt:
                in_speech = self.vad.in_speech if self.vad is not None else False
                self.vad = EnergyVad(settings, fmt, position_ms=self.position_ms)
                self.vad.floor_ms = conn.buffer_start_ms
                self.vad.in_speech = in_speech
                self.vad.last_voiced_end_ms = self.position_ms
        self._arm_idle()

    def _flag(self, key: str) -> bool:
        """``create_response``/``interrupt_response``: default true, and always false when there is no model
        to answer (transcription sessions)."""
        if self.conn.transcription_only:
            return False
        value = (self.config or {}).get(key)
        return True if value is None else bool(value)

    async def feed(self, data: bytes) -> None:
        if self.vad is None:
            return
        for boundary in self.vad.feed(data):
            if boundary.kind == "started":
                await self._started(boundary.ms)
            else:
                await self._stopped(boundary.ms)

    async def _started(self, ms: int) -> None:
        conn = self.conn
        self._cancel_idle()
        self.item_id = new_id("item")
        await conn.send(event("input_audio_buffer.speech_started", audio_start_ms=ms, item_id=self.item_id))
        if conn.active is not None and self._flag("interrupt_response"):
            conn.active.cancel("turn_detected")

    async def _stopped(self, ms: int) -> None:
        conn = self.conn
        item_id = self.item_id or new_id("item")
        self.item_id = None
        await conn.send(event("input_audio_buffer.speech_stopped", audio_end_ms=ms, item_id=item_id))
        await conn.commit(item_id)
        if self._flag("create_response") and conn.active is None:
            await conn.create_response()
        self._arm_idle()

    def reset(self, floor_ms: float) -> None:
        """The buffer was committed or cleared."""
        if self.vad is not None:
            self.vad.reset_floor(floor_ms)

    def response_done(self) -> None:
        self._arm_idle()

    def _cancel_idle(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None

    def _arm_idle(self) -> None:
        self._cancel_idle()
        timeout = (self.config or {}).get("idle_timeout_ms")
        if isinstance(timeout, int) and timeout > 0 and not self.conn.closed:
            loop = asyncio.get_running_loop()
            self._idle = loop.call_later(timeout / 1000.0, lambda: self.conn.spawn(self._timeout()))

    async def _timeout(self) -> None:
        conn = self.conn
        self._idle = None
        if (self.vad is not None and self.vad.in_speech) or conn.active is not None:
            self._arm_idle()
            return
        item_id = new_id("item")
        await conn.send(
            event(
                "input_audio_buffer.timeout_triggered",
                audio_start_ms=int(conn.buffer_start_ms),
                audio_end_ms=int(self.position_ms),
                item_id=item_id,
            )
        )
        await conn.commit(item_id)
        if self._flag("create_response"):
            await conn.create_response()
        self._arm_idle()

    def close(self) -> None:
        self._cancel_idle()
