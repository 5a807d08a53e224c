"""Input transcription of one committed item, in the live order: deltas, then completed or failed.

It runs as its own task, so its events interleave with (and may follow) the response's, as they do live.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from rtinspect.protocol.session import AudioFormat
from rtinspect.server import transcribe
from rtinspect.server.audio import pcm16_24k
from rtinspect.server.events import delta_event, event

if TYPE_CHECKING:
    from rtinspect.server.connection import Connection


async def run_transcription(
    conn: Connection, item_id: str, raw: bytes, fmt: AudioFormat, future: asyncio.Future[str | None]
) -> None:
    transcriber = conn.transcriber
    if transcriber is None:
        await _failed(
            conn, item_id, "rtinspect's local server runs without a transcriber (--transcriber none)."
        )
        return
    try:
        text = await recognize(conn, raw, fmt)
    except Exception as exc:  # the backend's failure is the client's transcription.failed, not our crash
        await _failed(conn, item_id, f"Transcription failed: {exc}")
        return
    it = conn.items.get(item_id)
    if it is not None:
        for part in it.get("content") or []:
            if part.get("type") == "input_audio":
                part["transcript"] = text
    if not future.done():
        future.set_result(text)
    words = text.split(" ") if text else []
    for i, word in enumerate(words):
        delta = word if i == 0 else " " + word
        name = "conversation.item.input_audio_transcription.delta"
        await conn.send(delta_event(conn.dialect, name, item_id=item_id, content_index=0, delta=delta))
    done = event(
        "conversation.item.input_audio_transcription.completed",
        item_id=item_id,
        content_index=0,
        transcript=text,
    )
    # usage: GA, and beta as it behaved until 2026-05 (the April 2025 beta schema predates it)
    audio_tokens = max(1, len(raw) // max(1, int(fmt.bytes_per_ms * 100)))
    text_tokens = len(words)
    done["usage"] = {
        "type": "tokens",
        "total_tokens": audio_tokens + text_tokens,
        "input_tokens": audio_tokens,
        "input_token_details": {"text_tokens": 0, "audio_tokens": audio_tokens},
        "output_tokens": text_tokens,
    }
    await conn.send(done)


async def recognize(conn: Connection, raw: bytes, fmt: AudioFormat) -> str:
    """The words of one turn from the connection's backend, off the event loop (no events; may raise).
    Also used by the local model to hear a turn when the session has no transcription."""
    transcriber = conn.transcriber
    if transcriber is None:
        raise RuntimeError("no transcriber")
    pcm = pcm16_24k(raw, fmt)
    return (await transcribe.run(transcriber, pcm)).strip()


async def _failed(conn: Connection, item_id: str, message: str) -> None:
    await conn.send(
        event(
            "conversation.item.input_audio_transcription.failed",
            item_id=item_id,
            content_index=0,
            error={
                "type": "transcription_error",
                "code": "audio_unintelligible",
                "message": message,
                "param": None,
            },
        )
    )
