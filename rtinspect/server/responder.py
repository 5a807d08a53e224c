"""One model response, played out the way the live API streams it, but local and deterministic.

What it says is its ``Plan`` (decided in ``responses.plan`` once the user's words are known): words, a tool
call, a script's error or a fault (``faults``), optionally after a preamble: gpt-realtime-2 style, a first
assistant message item ("Let me check that.") then the answer or the call as the next output item of the
same response, each item with its own events in output order (docs/protocol.md §11). Words say plainly that
they come from rtinspect's local server; the audio is the user's own audio of that turn (a short tone for
text input, and for a preamble). Deltas are paced (audio about 4x faster than real time, in 100 ms chunks)
so that ``response.cancel`` and VAD interruption have time to land.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rtinspect.protocol import Dialect
from rtinspect.protocol.audio import PCM16
from rtinspect.server import faults, proto
from rtinspect.server.audio import from_pcm16_24k, tone
from rtinspect.server.events import (
    DELTA_NAMES,
    assistant_content_type,
    delta_event,
    error_event,
    event,
    item,
    usage,
)
from rtinspect.server.faults import Fault
from rtinspect.server.ids import new_id
from rtinspect.server.tools import ToolCall

if TYPE_CHECKING:
    from rtinspect.server.connection import Connection

log = logging.getLogger("rtinspect.server")

CHUNK_MS = 100
CHUNK_DELAY_S = 0.025  # 100 ms of audio every 25 ms: 4x real time
WORD_DELAY_S = 0.02
MAX_ECHO_MS = 10_000
PREAMBLE_MS_PER_WORD = 200  # the preamble's audio: a tone about as long as its words spoken
PREFIX = "[rtinspect local server] "


@dataclass(slots=True)
class Plan:
    """What one response does, decided once the user's words are known (``responses.plan``)."""

    text: str = ""
    call: ToolCall | None = None
    delay_s: float = 0.0  # before the first delta
    fault: Fault | None = None
    error: dict[str, Any] | None = None  # a script's error: sent as an ``error``, and the response fails
    preamble: str | None = None  # a first message item before the answer (or call), in the same response


class ResponseRun:
    """A response in flight; ``cancel(reason)`` ends it early with status ``cancelled``."""

    def __init__(
        self,
        conn: Connection,
        *,
        modalities: list[str],
        plan: Callable[[], Awaitable[Plan]],
        echo_pcm: bytes,
        params: dict[str, Any] | None = None,
    ) -> None:
        self.conn = conn
        self.dialect = conn.dialect
        self.id = new_id("resp")
        self.modalities = modalities
        self.plan = plan
        self.echo_pcm = echo_pcm[: PCM16.bytes_for_ms(MAX_ECHO_MS)]  # echo_pcm is pcm16 at 24 kHz
        self.reason: str | None = None
        self._cancelled = asyncio.Event()
        self.output: list[dict[str, Any]] = []
        params = params or {}
        # response.create options the server honours: out-of-band responses, metadata, a token limit
        self.out_of_band = params.get("conversation") == "none"
        self.metadata = params.get("metadata") if isinstance(params.get("metadata"), dict) else None
        limit = params.get(
            "max_output_tokens" if self.dialect == Dialect.GA else "max_response_output_tokens"
        )
        if limit is None:
            limit = proto.max_output_tokens(conn.session, self.dialect)
        self.max_words = limit if isinstance(limit, int) and not isinstance(limit, bool) else None
        self.cut: str | None = None  # why the answer was cut short: max_output_tokens or content_filter
        self.usage: dict[str, Any] | None = None  # set with response.done

    def cancel(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
            self._cancelled.set()

    async def _pause(self, seconds: float) -> None:
        """Sleep, waking early on cancel."""
        if not self._cancelled.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._cancelled.wait(), seconds)

    def _response(self, status: str, **extra: Any) -> dict[str, Any]:
        session = self.conn.session
        out: dict[str, Any] = {
            "object": "realtime.response",
            "id": self.id,
            "status": status,
            "status_details": None,
            "output": list(self.output),
            "conversation_id": None if self.out_of_band else self.conn.conversation_id,
        }
        if self.dialect == Dialect.GA:
            out["output_modalities"] = self.modalities
            out["max_output_tokens"] = proto.max_output_tokens(session, self.dialect)
            out["audio"] = {
                "output": {
                    "format": ((session.get("audio") or {}).get("output") or {}).get("format")
                    or PCM16.to_ga(),
                    "voice": proto.voice(session, self.dialect),
                }
            }
        else:
            out["modalities"] = self.modalities
            out["voice"] = proto.voice(session, self.dialect)
            out["output_audio_format"] = session.get("output_audio_format", "pcm16")
            out["temperature"] = session.get("temperature", 0.8)
            out["max_output_tokens"] = proto.max_output_tokens(session, self.dialect)
        out["usage"] = None
        out["metadata"] = self.metadata
        out.update(extra)
        return out

    async def _planned(self) -> Plan | None:
        """The plan, or None when the response is cancelled while the words are still awaited. A bug in
        planning must not leave the client waiting for a ``response.done`` forever: it becomes the live
        ``server_error``."""
        planning = asyncio.ensure_future(self.plan())
        cancelled = asyncio.ensure_future(self._cancelled.wait())
        try:
            await asyncio.wait({planning, cancelled}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            cancelled.cancel()
            if not planning.done():
                planning.cancel()
        # A cancel that lands while the words are awaited leaves ``planning`` cancelling, not yet
        # cancelled (that takes a turn of the loop): asking it for its exception then raised
        # InvalidStateError, which ended the response task ("server task failed") with no response.done.
        if not planning.done() or planning.cancelled():
            return None
        if planning.exception() is not None:
            log.error("planning a response failed", exc_info=planning.exception())
            return Plan(fault=Fault("server_error"))
        return planning.result()

    async def announce(self) -> None:
        """``response.created``: sent by the handler of the client event itself (not by the task that
        plays the response), so it precedes whatever the server says about the next client event."""
        await self.conn.send(event("response.created", response=self._response("in_progress")))

    async def run(self) -> None:
        """Everything after ``response.created`` (see ``announce``), up to ``response.done``."""
        send = self.conn.send
        plan = await self._planned()
        if plan is not None and plan.delay_s > 0:
            await self._pause(plan.delay_s)
        status, details, text = "completed", None, ""
        fault = plan.fault.name if plan is not None and plan.fault is not None else None
        if plan is None or self.reason is not None:
            pass
        elif plan.error is not None:
            err = plan.error
            await send(error_event(err["code"], err["message"], param=err["param"], type_=err["type"]))
            status = "failed"
            details = {"type": "failed", "error": {k: err[k] for k in ("type", "code", "message")}}
        elif fault in faults.RESPONSE_FAILED or fault == "server_error":
            if fault == "server_error":
                await send(faults.server_error_event())
            status, details = "failed", faults.failed_details(fault, self.conn.session.get("model"))
        elif fault == "dropped_connection":
            await self.conn.drop(*faults.DROPPED_CLOSE)
            return
        else:
            if plan.preamble:  # its own message item first; a cancel during it ends the response there
                await self._message(plan.preamble, tone(PREAMBLE_MS_PER_WORD * len(plan.preamble.split())))
            if self.reason is None and plan.call is not None:
                status = await self._function_call(plan.call)
            elif self.reason is None:
                if fault in faults.INCOMPLETE:
                    self.cut = fault
                    self.max_words = faults.INCOMPLETE_WORDS
                text = plan.text
                status = await self._message(text, self.echo_pcm)
            text = f"{plan.preamble or ''} {text}".strip()
        if self.cut is not None and status != "failed":
            details = faults.incomplete_details(self.cut)
        if self.reason is not None:
            status = "cancelled"
            details = {"type": "cancelled", "reason": self.reason}
        words = len(text.split())
        audio_tokens = len(self.echo_pcm) // 4800  # ~10 per second
        self.usage = usage(
            self.dialect,
            20 + words,
            audio_tokens,
            words,
            audio_tokens if "audio" in self.modalities and text else 0,
        )
        done = self._response(status, status_details=details, usage=self.usage)
        await send(event("response.done", response=done))

    async def _message(self, text: str, pcm: bytes) -> str:
        """One assistant message item (the next output item of the response), spoken from ``pcm``."""
        send, d = self.conn.send, self.dialect
        with_audio = "audio" in self.modalities
        it = item(d, type="message", status="in_progress", role="assistant", content=[])
        index = len(self.output)
        common = {"response_id": self.id, "item_id": it["id"], "output_index": index}
        await send(event("response.output_item.added", response_id=self.id, output_index=index, item=it))
        await self._add_to_conversation(it)
        part: dict[str, Any] = (
            {"type": "audio", "transcript": ""} if with_audio else {"type": "text", "text": ""}
        )
        await send(event("response.content_part.added", **common, content_index=0, part=part))
        names = DELTA_NAMES[d]
        words = text.split(" ")
        if self.max_words is not None and len(words) > self.max_words:
            words = words[: max(1, self.max_words)]
            self.cut = self.cut or "max_output_tokens"
        sent_words: list[str] = []
        audio_sent = b""
        if with_audio:
            out_fmt = proto.output_format(self.conn.session, d)
            audio = from_pcm16_24k(pcm, out_fmt)
            step = int(out_fmt.bytes_per_ms * CHUNK_MS)
            chunks = [audio[i : i + step] for i in range(0, len(audio), step)] or [b""]
            if self.cut:  # cut the audio where the words were cut
                chunks = chunks[: max(1, len(chunks) * len(words) // len(text.split(" ")))]
            for i, chunk in enumerate(chunks):
                if self.reason:
                    break
                await send(
                    delta_event(
                        d,
                        names["audio"] + ".delta",
                        **common,
                        content_index=0,
                        delta=base64.b64encode(chunk).decode(),
                    )
                )
                audio_sent += chunk
                lo, hi = i * len(words) // len(chunks), (i + 1) * len(words) // len(chunks)
                for w in words[lo:hi]:
                    await self._text_delta(names["transcript"], common, w, sent_words)
                await self._pause(CHUNK_DELAY_S)
        else:
            for w in words:
                if self.reason:
                    break
                await self._text_delta(names["text"], common, w, sent_words)
                await self._pause(WORD_DELAY_S)
        final = " ".join(sent_words)
        if with_audio:
            await send(event(names["audio"] + ".done", **common, content_index=0))
            await send(event(names["transcript"] + ".done", **common, content_index=0, transcript=final))
            part = {"type": "audio", "transcript": final}
            content = {"type": assistant_content_type(d, "audio"), "transcript": final}
        else:
            await send(event(names["text"] + ".done", **common, content_index=0, text=final))
            part = {"type": "text", "text": final}
            content = {"type": assistant_content_type(d, "text"), "text": final}
        await send(event("response.content_part.done", **common, content_index=0, part=part))
        status = "incomplete" if self.reason or self.cut else "completed"
        it.update(status=status, content=[content])
        if with_audio and not self.out_of_band:
            self.conn.keep_audio(it["id"], audio_sent, proto.output_format(self.conn.session, d))
        await self._finish_item(it)
        return status

    async def _text_delta(self, name: str, common: dict[str, Any], word: str, sent: list[str]) -> None:
        delta = word if not sent else " " + word
        sent.append(word)
        await self.conn.send(
            delta_event(self.dialect, name + ".delta", **common, content_index=0, delta=delta)
        )

    async def _function_call(self, call: ToolCall) -> str:
        send, d = self.conn.send, self.dialect
        name = call.name
        call_id = new_id("call")
        arguments = json.dumps(call.arguments)
        it = item(d, type="function_call", status="in_progress", name=name, call_id=call_id, arguments="")
        index = len(self.output)
        common = {"response_id": self.id, "item_id": it["id"], "output_index": index, "call_id": call_id}
        await send(
            event("response.output_item.added", response_id=self.id, output_index=index, item=dict(it))
        )
        await self._add_to_conversation(it)
        sent = ""
        for i in range(0, len(arguments), 16):
            if self.reason:
                break
            piece = arguments[i : i + 16]
            sent += piece
            await send(delta_event(d, "response.function_call_arguments.delta", **common, delta=piece))
            await self._pause(WORD_DELAY_S)
        done_fields = dict(common, arguments=sent)
        if d == Dialect.GA:
            done_fields["name"] = name
        await send(event("response.function_call_arguments.done", **done_fields))
        status = "incomplete" if self.reason else "completed"
        it.update(status=status, arguments=sent)
        await self._finish_item(it)
        return status

    async def _add_to_conversation(self, it: dict[str, Any]) -> None:
        """The output item joins the conversation (unless the response is out of band)."""
        if self.out_of_band:
            return
        previous = self.conn.add_item(it)
        added = "conversation.item.added" if self.dialect == Dialect.GA else "conversation.item.created"
        await self.conn.send(event(added, previous_item_id=previous, item=dict(it)))

    async def _finish_item(self, it: dict[str, Any]) -> None:
        index = len(self.output)
        self.output.append(dict(it))
        await self.conn.send(
            event("response.output_item.done", response_id=self.id, output_index=index, item=dict(it))
        )
        if self.dialect == Dialect.GA and not self.out_of_band:
            await self.conn.send(
                event(
                    "conversation.item.done", previous_item_id=self.conn.previous_of(it["id"]), item=dict(it)
                )
            )
