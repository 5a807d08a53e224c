"""One client connection: the session, the input audio buffer, the conversation and the active response.

Everything runs on the server's event loop; the only work sent to threads is transcription. Each client
event gets exactly the reaction the live API would give, including its errors, and no client input can
end the connection except the checks at connect time and the session's duration limit.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import orjson
from websockets.exceptions import ConnectionClosed

from rtinspect.protocol import Dialect, Problem
from rtinspect.protocol.audio import MAX_APPEND_B64
from rtinspect.protocol.session import AudioFormat
from rtinspect.server import items, proto, responses
from rtinspect.server.buffer import InputBuffer
from rtinspect.server.events import TokenBudget, error_event, event, item, item_added_events
from rtinspect.server.ids import new_id
from rtinspect.server.responder import ResponseRun
from rtinspect.server.script import Script
from rtinspect.server.transcribe import Backend, TranscriberPool
from rtinspect.server.turns import TurnDetector

log = logging.getLogger("rtinspect.server")

MIN_COMMIT_MS = 100.0
MAX_ITEMS_WITH_AUDIO = 32

Send = Callable[[dict[str, Any]], Awaitable[None]]


_APPEND_KEYS = frozenset({"type", "audio", "event_id"})


def _plain_append(ev: dict[str, Any]) -> bool:
    """A well-formed append (only type/audio/event_id, all strings, a short event_id) needs no schema walk.

    Appends are most of the traffic (50 per second per session) and the walk is a third of their cost;
    ``on_append`` still checks the size and the base64 with the live codes. Any other shape goes
    through the protocol core's validator like every other event.
    """
    if ev.get("type") != "input_audio_buffer.append" or not ev.keys() <= _APPEND_KEYS:
        return False
    event_id = ev.get("event_id")
    return isinstance(ev.get("audio"), str) and (
        event_id is None or (isinstance(event_id, str) and len(event_id) <= 512)
    )


class Connection:
    """State and handlers of one Realtime session over one WebSocket."""

    def __init__(
        self,
        send_text: Callable[[str], Awaitable[None]],
        dialect: Dialect,
        *,
        model: str | None,
        intent: str | None,
        transcriber: Backend | None,
        session_minutes: float,
    ) -> None:
        self._send_text = send_text
        self.dialect = dialect
        self.intent = intent
        self.transcriber = transcriber
        self.session_minutes = session_minutes
        self.session = proto.default_session(dialect, model=model, intent=intent, minutes=session_minutes)
        self.conversation_id = new_id("conv")
        self.items: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []
        self.item_audio: dict[str, tuple[bytes, AudioFormat | None]] = {}
        self.transcripts: dict[str, asyncio.Future[str | None]] = {}
        self.buffer = InputBuffer()
        self.buffer_start_ms = 0.0
        self.active: ResponseRun | None = None
        self.budget = TokenBudget()
        self.tasks: set[asyncio.Task[Any]] = set()
        self.turns = TurnDetector(self)
        self.handlers = self._handlers()
        self.closed = False
        self.script: Script | None = None  # the server's script, if any (rules and faults)
        self.close_socket: Callable[[int, str], Awaitable[None]] | None = None

    async def drop(self, code: int, reason: str) -> None:
        """Close the socket from the server side (a fault); background tasks stop sending."""
        self.closed = True
        if self.close_socket is not None:
            await self.close_socket(code, reason)

    # -- plumbing ------------------------------------------------------------------------------------

    async def send(self, ev: dict[str, Any]) -> None:
        """Send one event; once the socket is gone, background tasks just stop sending."""
        if self.closed:
            return
        try:
            await self._send_text(orjson.dumps(ev).decode())
        except ConnectionClosed:
            self.closed = True

    async def error(
        self, code: str | None, message: str, *, param: str | None = None, client_event_id: Any = None
    ) -> None:
        cid = client_event_id if isinstance(client_event_id, str) else None
        await self.send(error_event(code, message, param=param, client_event_id=cid))

    def spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None and not self.closed:
            log.error("server task failed: %r", task.exception())

    def shutdown(self) -> None:
        self.closed = True
        self.turns.close()
        self.buffer.clear()
        for task in list(self.tasks):
            task.cancel()

    @property
    def fmt(self) -> AudioFormat:
        return proto.input_format(self.session, self.dialect)

    @property
    def buffer_ms(self) -> float:
        return self.fmt.ms_for_bytes(len(self.buffer))

    def add_item(self, it: dict[str, Any], previous_item_id: str | None = None) -> str | None:
        """Place an item and return the id of the item before it (None at the start).

        As live: after ``previous_item_id`` when it exists, at the start for ``"root"``, else at the end;
        an item whose id is already in the conversation replaces that item (live accepts a duplicate
        client item id rather than refusing it).
        """
        if it["id"] in self.items:
            self.order.remove(it["id"])
        if previous_item_id == items.ROOT:
            index = 0
        elif previous_item_id is not None and previous_item_id in self.order:
            index = self.order.index(previous_item_id) + 1
        else:
            index = len(self.order)
        self.order.insert(index, it["id"])
        self.items[it["id"]] = it
        return self.order[index - 1] if index else None

    def keep_audio(self, item_id: str, audio: bytes, fmt: AudioFormat | None) -> None:
        """Remember an item's audio (for echo, retrieve, truncate), for the most recent items only,
        so an hour-long session does not hold an hour of audio."""
        self.item_audio[item_id] = (audio, fmt)
        while len(self.item_audio) > MAX_ITEMS_WITH_AUDIO:
            self.item_audio.pop(next(iter(self.item_audio)))

    def previous_of(self, item_id: str) -> str | None:
        index = self.order.index(item_id) if item_id in self.order else 0
        return self.order[index - 1] if index else None

    @property
    def transcription_only(self) -> bool:
        """A transcription session (``?intent=transcription``): turns are transcribed, never answered."""
        return self.intent == "transcription" or self.session.get("type") == "transcription"

    @property
    def session_event_prefix(self) -> str:
        if self.dialect == Dialect.BETA and self.intent == "transcription":
            return "transcription_session"
        return "session"

    # -- the event loop of one connection -------------------------------------------------------------

    async def start(self) -> None:
        await self.send(event(self.session_event_prefix + ".created", session=self.session))
        self.turns.configure()
        self._prepare_transcriber()

    async def handle_text(self, text: str) -> None:
        try:
            ev = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            await self.error("invalid_json", f"Invalid JSON: the event could not be parsed ({exc.args[0]}).")
            return
        if not isinstance(ev, dict):
            await self.error("invalid_event", "The event must be a JSON object.")
            return
        await self.handle_event(ev)

    async def handle_binary(self) -> None:
        await self.error(
            "invalid_event", "Expected a text WebSocket message; binary frames are not supported."
        )

    async def handle_event(self, ev: dict[str, Any]) -> None:
        client_id = ev.get("event_id")
        type_ = ev.get("type")
        if "type" not in ev:
            await self.error("invalid_event", "The 'type' field is missing.", client_event_id=client_id)
            return
        handler = self.handlers.get(type_) if isinstance(type_, str) else None
        try:
            problems = [] if _plain_append(ev) else proto.validate(ev, self.dialect)
        except Exception:  # a validator bug: treat the event as valid rather than drop the session
            log.exception("validation of %s failed", type_)
            problems = []
        if problems:
            p = problems[0]
            await self.error(p.code, p.message, param=p.path or None, client_event_id=client_id)
            return
        if handler is None:
            supported = ", ".join(f"'{name}'" for name in self.handlers)
            await self.error(
                "invalid_value",
                f"Invalid value: '{type_}'. Supported values are: {supported}.",
                param="type",
                client_event_id=client_id,
            )
            return
        try:
            await handler(ev)
        except Exception:  # a bug of ours must not end the user's session: say so, keep the socket
            log.exception("error while handling %s", type_)
            await self.send(
                error_event(
                    None,
                    "The server had an error while processing your request. (rtinspect local server bug; see its log)",
                    client_event_id=client_id if isinstance(client_id, str) else None,
                    type_="server_error",
                )
            )

    def _handlers(self) -> dict[str, Callable[[dict[str, Any]], Awaitable[None]]]:
        handlers: dict[str, Callable[[dict[str, Any]], Awaitable[None]]] = {
            "session.update": self.on_session_update,
            "input_audio_buffer.append": self.on_append,
            "input_audio_buffer.commit": self.on_commit,
            "input_audio_buffer.clear": self.on_clear,
            "conversation.item.create": partial(items.create, self),
            "conversation.item.retrieve": partial(items.retrieve, self),
            "conversation.item.truncate": partial(items.truncate, self),
            "conversation.item.delete": partial(items.delete, self),
            "response.create": partial(responses.on_create, self),
            "response.cancel": partial(responses.on_cancel, self),
            "output_audio_buffer.clear": self.on_output_audio_clear,
        }
        if self.dialect == Dialect.BETA:
            handlers["transcription_session.update"] = self.on_session_update
        return handlers

    # -- session ------------------------------------------------------------------------------------

    async def on_session_update(self, ev: dict[str, Any]) -> None:
        update = ev.get("session") or {}
        merged = proto.merge(self.session, update, self.dialect)
        refusal = self._refuse_update(update, merged)
        if refusal is not None:  # like a validation error: the whole update is dropped
            code, message, param = refusal
            await self.error(code, message, param=param, client_event_id=ev.get("event_id"))
            return
        self.session = merged
        name = "transcription_session.updated" if ev.get("type") == "transcription_session.update" else None
        await self.send(event(name or self.session_event_prefix + ".updated", session=self.session))
        self.turns.configure()
        self._prepare_transcriber()

    def _refuse_update(
        self, update: dict[str, Any], merged: dict[str, Any]
    ) -> tuple[str, str, str | None] | None:
        """What the live API refuses in a schema-valid ``session.update`` (docs/protocol.md §11, §15;
        where the live wording is unpublished, §15 says which shape was chosen): a ``?model=`` session turned into
        a transcription session, another model, a new voice once assistant audio exists."""
        if self.intent != "transcription" and update.get("type") == "transcription":
            return (
                "invalid_value",
                "Invalid value: 'transcription'. Supported values are: 'realtime'.",
                "session.type",
            )
        model = update.get("model")
        if isinstance(model, str) and model != self.session.get("model"):
            return (
                "invalid_value",
                f"Invalid value: '{model}'. A session's model cannot be changed after it is created: "
                f"this session uses '{self.session.get('model')}'; open a new session with ?model={model}.",
                "session.model",
            )
        if (
            proto.voice(merged, self.dialect) != proto.voice(self.session, self.dialect)
            and self.assistant_audio
        ):
            return (
                "cannot_update_voice",
                "Cannot update a conversation's voice if assistant audio is present.",
                None,
            )
        return None

    @property
    def assistant_audio(self) -> bool:
        """Whether the conversation holds assistant audio (which fixes the voice, as live)."""
        kinds = {"output_audio", "audio"}
        return any(
            it.get("role") == "assistant" and any(p.get("type") in kinds for p in it.get("content") or [])
            for it in self.items.values()
        )

    def _prepare_transcriber(self) -> None:
        """Once a session will need words (transcription on, or tools/script rules to choose from), start a
        worker and load its model while the user speaks, so the first turn does not wait for it; sessions
        that never transcribe cost no process."""
        if isinstance(self.transcriber, TranscriberPool) and (
            proto.transcription_config(self.session, self.dialect) or responses.needs_words(self)
        ):
            self.transcriber.prepare()

    # -- input audio --------------------------------------------------------------------------------

    async def on_append(self, ev: dict[str, Any]) -> None:
        audio = ev.get("audio")
        data = None
        if isinstance(audio, str) and len(audio) <= MAX_APPEND_B64:
            try:
                data = base64.b64decode(audio, validate=True)
            except (binascii.Error, ValueError):
                data = None
        if data is None:  # too long or not base64: the protocol core words the error
            problems = proto.validate(ev, self.dialect) or [
                Problem(
                    "audio",
                    "invalid_value",
                    "Invalid value for 'audio': expected base64-encoded audio bytes.",
                )
            ]
            p = problems[0]
            await self.error(p.code, p.message, param=p.path or None, client_event_id=ev.get("event_id"))
            return
        self.buffer.extend(data)
        await self.turns.feed(data)

    async def on_commit(self, ev: dict[str, Any]) -> None:
        ms = self.buffer_ms
        if ms < MIN_COMMIT_MS:
            await self.error(
                "input_audio_buffer_commit_empty",
                "Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, "
                f"but buffer only has {ms:.2f}ms of audio.",
                client_event_id=ev.get("event_id"),
            )
            return
        await self.commit(new_id("item"))

    async def on_clear(self, ev: dict[str, Any]) -> None:
        self._drop_buffer()
        await self.send(event("input_audio_buffer.cleared"))

    def _drop_buffer(self, taken: int = 0) -> None:
        """The buffer was committed (``taken`` bytes) or cleared: the next turn starts after it."""
        self.buffer_start_ms += self.fmt.ms_for_bytes(taken or len(self.buffer))
        self.buffer.clear()
        self.turns.reset(self.buffer_start_ms)

    async def commit(self, item_id: str) -> str:
        """Turn the buffer into a user item: committed, the item events, then transcription (async)."""
        fmt = self.fmt
        raw = self.buffer.take()
        self._drop_buffer(len(raw))
        it = item(
            self.dialect,
            id=item_id,
            type="message",
            status="completed",
            role="user",
            content=[{"type": "input_audio", "transcript": None}],
        )
        previous = self.add_item(it)
        self.keep_audio(item_id, raw, fmt)
        await self.send(event("input_audio_buffer.committed", previous_item_id=previous, item_id=item_id))
        for out in item_added_events(self.dialect, previous, it, done=True):
            await self.send(out)
        announce = proto.transcription_config(self.session, self.dialect) is not None
        if announce or (self.transcriber is not None and responses.needs_words(self)):
            future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
            self.transcripts[item_id] = future
            self.spawn(self._transcribe(item_id, raw, fmt, future, announce))
        return item_id

    async def _transcribe(
        self, item_id: str, raw: bytes, fmt: AudioFormat, future: asyncio.Future[str | None], announce: bool
    ) -> None:
        try:
            await responses.transcribe_turn(self, item_id, raw, fmt, future, announce=announce)
        finally:
            if not future.done():
                future.set_result(None)

    # -- responses ----------------------------------------------------------------------------------

    async def create_response(
        self, params: dict[str, Any] | None = None, *, client_event_id: Any = None
    ) -> None:
        """Start a response (from ``response.create`` or VAD); see ``responses``."""
        await responses.create(self, params, client_event_id=client_event_id)

    async def on_output_audio_clear(self, ev: dict[str, Any]) -> None:
        await self.error(
            "invalid_value",
            "output_audio_buffer.clear is only supported for WebRTC and SIP connections.",
            param="type",
            client_event_id=ev.get("event_id"),
        )
