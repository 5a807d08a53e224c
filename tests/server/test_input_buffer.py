"""The input audio buffer is bounded in memory and still faithful: speech that never stops (100k appends,
no end of turn) keeps at most ``SPOOL_BYTES`` of it in memory, the rest in a temporary file, and when the
turn ends (server VAD, or the client's ``commit``) the transcriber gets every byte of it, in order."""

from __future__ import annotations

import asyncio
import base64
import threading
from typing import Any

import orjson
from websockets.asyncio.client import connect

from rtinspect.server import EmbeddedServer, FakeTranscriber
from rtinspect.server.buffer import SPOOL_BYTES, InputBuffer

from .server_helpers import AUTH, silence, tone

APPENDS = 100_000
CHUNK_MS = 10


class RecordingTranscriber(FakeTranscriber):
    """The fake transcriber, keeping the length and a digest of each turn it was given."""

    def __init__(self) -> None:
        super().__init__("the whole turn")
        self.turns: list[bytes] = []
        self._lock = threading.Lock()

    def transcribe(self, pcm16_mono_24k: bytes) -> str:
        with self._lock:
            self.turns.append(pcm16_mono_24k)
        return super().transcribe(pcm16_mono_24k)


def test_input_buffer_spools_past_its_memory_bound_and_gives_every_byte_back() -> None:
    buf = InputBuffer(spool_bytes=1000)
    chunks = [bytes([i]) * 300 for i in range(10)]
    for k, chunk in enumerate(chunks):
        buf.extend(chunk)
        assert buf.in_memory == (len(buf) if len(buf) <= 1000 else 0), k
    assert len(buf) == 3000
    assert buf.take() == b"".join(chunks)
    assert len(buf) == 0 and buf.in_memory == 0 and buf.take() == b""


async def _until(ws: Any, type_: str, seen: list[dict[str, Any]]) -> dict[str, Any]:
    while True:
        ev = orjson.loads(await asyncio.wait_for(ws.recv(), 60))
        seen.append(ev)
        if ev["type"] == type_:
            return ev
        assert ev["type"] != "error", ev


async def test_endless_speech_keeps_the_buffer_bounded_and_the_turn_whole() -> None:
    transcriber = RecordingTranscriber()
    async with (
        EmbeddedServer(transcriber=transcriber) as server,
        connect(server.url + "?model=gpt-realtime", additional_headers=AUTH, max_size=None) as ws,
    ):
        seen: list[dict[str, Any]] = []
        await _until(ws, "session.created", seen)
        session = {"type": "realtime", "audio": {"input": {"transcription": {"model": "whisper-1"}, "turn_detection": {"type": "server_vad", "create_response": False}}}}  # fmt: skip
        await ws.send(orjson.dumps({"type": "session.update", "session": session}).decode())
        await _until(ws, "session.updated", seen)
        [conn] = server.connections
        speech = tone(CHUNK_MS)
        append = orjson.dumps({"type": "input_audio_buffer.append", "audio": base64.b64encode(speech).decode()}).decode()  # fmt: skip
        peak_in_memory = 0
        for n in range(1, APPENDS + 1):
            await ws.send(append)
            if n % 5_000 == 0:
                await asyncio.sleep(0.05)  # let the server catch up, then look at its buffer
                peak_in_memory = max(peak_in_memory, conn.buffer.in_memory)
        while len(conn.buffer) < len(speech) * APPENDS * 0.99:
            await asyncio.sleep(0.05)
        assert len(conn.buffer) > 10 * SPOOL_BYTES  # ~48 MB of turn, none of it ended
        assert peak_in_memory <= SPOOL_BYTES and conn.buffer.in_memory == 0
        assert [e["type"] for e in seen].count("input_audio_buffer.speech_stopped") == 0
        # the speaker stops: VAD ends the turn, the buffer is committed and transcribed whole
        await ws.send(orjson.dumps({"type": "input_audio_buffer.append", "audio": base64.b64encode(silence(600)).decode()}).decode())  # fmt: skip
        stopped = await _until(ws, "input_audio_buffer.speech_stopped", seen)
        await _until(ws, "input_audio_buffer.committed", seen)
        done = await _until(ws, "conversation.item.input_audio_transcription.completed", seen)
        assert done["transcript"] == "the whole turn"
        [turn] = transcriber.turns
        assert turn[: len(speech) * APPENDS] == speech * APPENDS
        assert stopped["audio_end_ms"] >= APPENDS * CHUNK_MS
        assert len(conn.buffer) == 0
        # with turn detection off, a long turn the client commits itself is as whole
        session = {"type": "realtime", "audio": {"input": {"turn_detection": None}}}
        await ws.send(orjson.dumps({"type": "session.update", "session": session}).decode())
        await _until(ws, "session.updated", seen)
        for _ in range(SPOOL_BYTES // len(speech) + 500):
            await ws.send(append)
        await ws.send(orjson.dumps({"type": "input_audio_buffer.commit"}).decode())
        await _until(ws, "input_audio_buffer.committed", seen)
        await _until(ws, "conversation.item.input_audio_transcription.completed", seen)
        assert transcriber.turns[1] == speech * (SPOOL_BYTES // len(speech) + 500)
