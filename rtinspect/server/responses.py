"""Responses of one connection: starting one (client or VAD), what it answers, cancelling it.

Only one response is active per connection, as live; ``ResponseRun`` plays it out.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from rtinspect.protocol import Dialect
from rtinspect.server import proto
from rtinspect.server.audio import pcm16_24k, tone
from rtinspect.server.responder import ResponseRun, pick_tool

if TYPE_CHECKING:
    from rtinspect.server.connection import Connection

TRANSCRIPT_WAIT_S = 1.0


async def on_create(conn: Connection, ev: dict[str, Any]) -> None:
    if conn.transcription_only:
        await conn.error(
            "invalid_value",
            "Responses are not available in a transcription session.",
            param="type",
            client_event_id=ev.get("event_id"),
        )
        return
    params = ev.get("response") if isinstance(ev.get("response"), dict) else {}
    await create(conn, params, client_event_id=ev.get("event_id"))


async def create(
    conn: Connection, params: dict[str, Any] | None = None, *, client_event_id: Any = None
) -> None:
    """Start a response to the latest user item, or refuse with the live error while one is active."""
    if conn.active is not None:
        await conn.error(
            "conversation_already_has_active_response",
            f"Conversation already has an active response in progress: {conn.active.id}. "
            "Wait until the response is finished before creating a new one.",
            client_event_id=client_event_id,
        )
        return
    params = params or {}
    key = "output_modalities" if conn.dialect == Dialect.GA else "modalities"
    modalities = params.get(key) or proto.output_modalities(conn.session, conn.dialect)
    last_user = next(
        (conn.items[i] for i in reversed(conn.order) if conn.items[i].get("role") == "user"), None
    )
    echo = b""
    if last_user is not None and last_user["id"] in conn.item_audio:
        raw, fmt = conn.item_audio[last_user["id"]]
        echo = pcm16_24k(raw, fmt) if fmt is not None else b""
    if not echo:
        echo = tone(600)
    heard_now = heard_text(conn, last_user)
    tool = pick_tool(conn.session, heard_now)
    run = ResponseRun(
        conn,
        modalities=list(modalities),
        heard=lambda: _heard(conn, last_user),
        echo_pcm=echo,
        tool=tool,
        params=params,
    )
    conn.active = run
    await run.announce()
    conn.spawn(_run(conn, run))


def heard_text(conn: Connection, it: dict[str, Any] | None) -> str:
    """What the local "model" heard: the typed text, the transcript, or else how much audio there was."""
    if it is None:
        return "nothing yet"
    for part in it.get("content") or []:
        if part.get("type") == "input_text" and part.get("text"):
            return str(part["text"])
        if part.get("transcript"):
            return str(part["transcript"])
    audio, fmt = conn.item_audio.get(it["id"], (b"", None))
    if fmt is not None and audio:
        return f"{int(fmt.ms_for_bytes(len(audio)))} ms of audio"
    return "nothing yet"


async def _heard(conn: Connection, it: dict[str, Any] | None) -> str:
    """Give a running transcription a moment, so the answer can quote it; never wait long."""
    if it is not None and it["id"] in conn.transcripts:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(conn.transcripts[it["id"]]), TRANSCRIPT_WAIT_S)
    return heard_text(conn, it)


async def _run(conn: Connection, run: ResponseRun) -> None:
    """Play the response out; ``rate_limits.updated`` follows ``response.done`` at once (live: ~40 ms
    later), so it never lands inside the next response, whatever the client does in between."""
    try:
        await run.run()
        await conn.send(conn.budget.spend((run.usage or {}).get("total_tokens", 0)))
    finally:
        if conn.active is run:
            conn.active = None
    conn.turns.response_done()


async def on_cancel(conn: Connection, ev: dict[str, Any]) -> None:
    wanted = ev.get("response_id")
    if conn.active is None or (isinstance(wanted, str) and wanted != conn.active.id):
        await conn.error(
            "response_cancel_not_active",
            "Cancellation failed: no active response found",
            client_event_id=ev.get("event_id"),
        )
        return
    conn.active.cancel("client_cancelled")
