"""Responses of one connection: starting one (client or VAD), deciding what it answers, cancelling it.

Only one response is active per connection, as live; ``ResponseRun`` plays it out. What it answers is
decided once the user's words are known (``plan``): a script rule first, then the tool rule of
``rtinspect.server.tools``, then words that repeat what was heard or use the tools' outputs.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from rtinspect.protocol import Dialect
from rtinspect.protocol.session import AudioFormat
from rtinspect.server import faults, proto
from rtinspect.server.audio import pcm16_24k, tone
from rtinspect.server.responder import MAX_ECHO_MS, PREFIX, Plan, ResponseRun
from rtinspect.server.script import Rule
from rtinspect.server.tools import (
    ToolCall,
    answer_after_tools,
    arguments_for,
    current_turn,
    decide,
    function_tools,
)
from rtinspect.server.transcription_events import recognize, run_transcription

if TYPE_CHECKING:
    from rtinspect.server.connection import Connection

TRANSCRIPT_WAIT_S = 1.0  # no tools: give a running transcription a moment, so the answer can quote it
WORDS_WAIT_S = 30.0  # tools or a script: the answer depends on the words, so wait for them


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
        # only what the echo plays: converting a long turn whole first would cost its size again
        echo = pcm16_24k(raw[: fmt.bytes_for_ms(MAX_ECHO_MS)], fmt) if fmt is not None else b""
    if not echo:
        echo = tone(600)
    run = ResponseRun(
        conn,
        modalities=list(modalities),
        plan=lambda: plan(conn, last_user, params),
        echo_pcm=echo,
        params=params,
    )
    conn.active = run
    await run.announce()
    conn.spawn(_run(conn, run))


def words_of(conn: Connection, it: dict[str, Any] | None) -> str | None:
    """The user's words in an item: its typed text, its transcript, or what the model heard of its audio
    without transcription; None when there are none (yet)."""
    for part in (it or {}).get("content") or []:
        if part.get("type") == "input_text" and part.get("text"):
            return str(part["text"])
        if part.get("transcript"):
            return str(part["transcript"])
    heard = conn.transcripts.get(it["id"]) if it is not None else None
    if heard is not None and heard.done() and not heard.cancelled() and heard.result():
        return heard.result()
    return None


def heard_text(conn: Connection, it: dict[str, Any] | None) -> str:
    """What the local "model" heard: the typed text, the transcript, or else how much audio there was."""
    if it is None:
        return "nothing yet"
    words = words_of(conn, it)
    if words is not None:
        return words
    audio, fmt = conn.item_audio.get(it["id"], (b"", None))
    if fmt is not None and audio:
        return f"{int(fmt.ms_for_bytes(len(audio)))} ms of audio"
    return "nothing yet"


def needs_words(conn: Connection, params: dict[str, Any] | None = None) -> bool:
    """Whether answering depends on the user's words: tools to choose from, or script rules that match
    words. Then a spoken turn is transcribed (silently, if the session has no transcription) and the
    response waits for the words before it answers, as a model that hears the audio would."""
    tools = (params or {}).get("tools", conn.session.get("tools"))
    script = conn.script
    return bool(function_tools(tools)) or (
        script is not None and any(r.match is not None for r in script.rules)
    )


async def _await_words(conn: Connection, it: dict[str, Any] | None, seconds: float) -> None:
    if it is not None and it["id"] in conn.transcripts:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(conn.transcripts[it["id"]]), seconds)


async def plan(conn: Connection, last_user: dict[str, Any] | None, params: dict[str, Any]) -> Plan:
    """What the response does, decided once the words are known."""
    wait = WORDS_WAIT_S if needs_words(conn, params) else TRANSCRIPT_WAIT_S
    await _await_words(conn, last_user, wait)
    turn = current_turn(conn.items, conn.order, words_of(conn, last_user))
    script = conn.script
    rule = script.rule_for(turn) if script is not None else None
    result = Plan()
    if script is not None:
        result.fault = script.turn_fault(turn, faults.RESPONSE_FAULTS)
    if rule is not None and rule.first_audio_delay_ms is not None:
        result.delay_s = rule.first_audio_delay_ms / 1000.0
    if rule is not None and rule.preamble is not None:
        result.preamble = rule.preamble
    if result.fault is not None and result.fault.name == "slow_first_audio":
        result.delay_s = max(result.delay_s, result.fault.delay_s)
    tools = params.get("tools", conn.session.get("tools"))
    if rule is not None and rule.error is not None:
        result.error = rule.error
    elif rule is not None and rule.call is not None and params.get("tool_choice") != "none":
        # a model asked for no tools calls none, whatever it did before (how a client ends a tool loop)
        result.call = ToolCall(rule.call, _rule_arguments(rule, tools, turn.words or ""))
    elif rule is not None and rule.say is not None:
        result.text = rule.say
    else:
        choice = params.get("tool_choice", conn.session.get("tool_choice", "auto"))
        result.call = decide(tools, choice, turn)
        answer = answer_after_tools(turn)
        result.text = PREFIX + (answer if answer is not None else "I heard: " + heard_text(conn, last_user))
    return result


def _rule_arguments(rule: Rule, tools: Any, words: str) -> dict[str, Any]:
    """A rule's given arguments; else the schema's from the words, with the regex's named groups on top."""
    if rule.arguments is not None:
        return dict(rule.arguments)
    tool = next((t for t in function_tools(tools) if t["name"] == rule.call), None)
    out = arguments_for(tool, words) if tool is not None else {}
    m = rule.match.search(words) if rule.match is not None else None
    if m is not None:
        out.update({k: v for k, v in m.groupdict().items() if v is not None})
    return out


async def transcribe_turn(
    conn: Connection,
    item_id: str,
    raw: bytes,
    fmt: AudioFormat,
    future: asyncio.Future[str | None],
    *,
    announce: bool,
) -> None:
    """Transcribe a committed turn: with the live events when the session asked for transcription
    (``announce``), silently when only the local model needs the words; or fail it when a script says so."""
    if announce and conn.script is not None:
        turn = current_turn(conn.items, conn.order, None)
        if conn.script.turn_fault(turn, ("transcription_failed",)) is not None:
            await conn.send(faults.transcription_failed_event(item_id))
            return
    if announce:
        await run_transcription(conn, item_id, raw, fmt, future)
        return
    try:  # the item keeps transcript null, as live with transcription off; the words are the future's
        text = await recognize(conn, raw, fmt)
    except Exception:  # unheard: the model answers without words, as it would to noise
        return
    if not future.done():
        future.set_result(text)


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
