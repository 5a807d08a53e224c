"""SessionState: the pure fold of a Realtime session's events into what views and the doctor need.

``apply`` folds one ``Tapped`` record and returns the areas it changed, so a UI refreshes only
those panels. No I/O and no clock: time comes from ``rec.t``. Dispatch is a dict of bound
handlers keyed by event type; audio payloads are measured by base64 length, never decoded.
Both dialects are folded by the same handlers (beta and GA names map to one handler).

The shapes live in ``rtinspect.session.model`` (re-exported here); the server-event handlers are
mixins: ``session.buffer`` (errors, session, input buffer), ``session.items`` (items, input
transcripts), ``session.responses`` (responses, rate limits, usage). This module wires the dispatch
and handles client and ``meta`` events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rtinspect.protocol import Dialect
from rtinspect.protocol.dialect import detect_dialect, dialect_of_event
from rtinspect.protocol.session import input_format, output_format
from rtinspect.secrets import scrub_url
from rtinspect.session.buffer import ServerHandlers, b64_decoded_len
from rtinspect.session.items import ItemHandlers
from rtinspect.session.model import (
    AREAS,
    PCM16_24K,
    AppendRun,
    AudioFormat,
    AudioSource,
    BufferState,
    Clear,
    CloseInfo,
    Commit,
    ConnectionState,
    Counters,
    ErrorRecord,
    FunctionCall,
    InputTranscript,
    Item,
    RateLimits,
    Response,
    SessionConfig,
    SessionUpdate,
    SpeechWindow,
    TimeoutTrigger,
    TransportError,
    UsageTotals,
)
from rtinspect.session.responses import ResponseHandlers
from rtinspect.tap import (
    META_AUDIO_SOURCE_STARTED,
    META_AUDIO_SOURCE_STOPPED,
    META_BINARY_FRAME,
    META_BOOKMARK,
    META_CONNECTION_CLOSED,
    META_CONNECTION_OPENED,
    META_TRANSPORT_ERROR,
    Tapped,
)

__all__ = [
    "AREAS",
    "AppendRun",
    "AudioSource",
    "BufferState",
    "Clear",
    "CloseInfo",
    "Commit",
    "ConnectionState",
    "Counters",
    "ErrorRecord",
    "FunctionCall",
    "InputTranscript",
    "Item",
    "RateLimits",
    "Response",
    "SessionConfig",
    "SessionState",
    "SessionUpdate",
    "SpeechWindow",
    "TimeoutTrigger",
    "TransportError",
    "UsageTotals",
    "b64_decoded_len",
    "fold",
]

Handler = Callable[[Tapped, int], set[str]]
# known events that change nothing the state keeps (so ``counters.unhandled`` means unknown)
_CLIENT_NOOP = (
    "conversation.item.create",
    "conversation.item.retrieve",
    "conversation.item.truncate",
    "conversation.item.delete",
    "output_audio_buffer.clear",
    "session.close",
)
_SERVER_NOOP = (
    "response.content_part.added",
    "response.content_part.done",
    "response.audio.done",
    "response.output_audio.done",
    "output_audio_buffer.started",
    "output_audio_buffer.stopped",
    "output_audio_buffer.cleared",
    "input_audio_buffer.dtmf_event_received",
)


class SessionState(ServerHandlers, ItemHandlers, ResponseHandlers):
    """Everything known about one session, folded event by event.

    ``strict=True`` lets a handler's exception propagate (tests use it to prove handlers are
    defensive); by default a failing handler only counts the event as malformed.
    """

    def __init__(self, *, strict: bool = False, dialect: Dialect | str | None = None) -> None:
        """``dialect``: a hint known before any event (a log header's ``dialect``); detection from events never overrides it."""
        self.strict = strict
        self.connection = ConnectionState()
        self.session = SessionConfig()
        self.buffer = BufferState()
        self.items: dict[str, Item] = {}  # in arrival order
        self.responses: dict[str, Response] = {}  # in arrival order
        self.active_response_id: str | None = None
        self.errors: list[ErrorRecord] = []
        self.rate_limits: RateLimits | None = None
        self.usage = UsageTotals()
        self.counters = Counters()
        self.bookmarks: list[tuple[int, float, str]] = []
        self.output_format: AudioFormat = PCM16_24K
        self._out_bpm = PCM16_24K.bytes_per_ms
        # bookkeeping for matching answers to client events
        self._client_ids: dict[str, tuple[int, str]] = {}  # client event_id -> (pos, type)
        self._last_client: dict[str, int] = {}  # client type -> pos of its latest event
        self._pending_updates: list[SessionUpdate] = []  # sent, not yet answered
        self._pending_creates: list[int] = []  # response.create positions not yet answered
        self._pending_commit: int | None = None  # client commit awaiting input_audio_buffer.committed
        self._pending_clear: int | None = None
        self._detecting = True  # the dialect is still unknown: look at each event until it shows
        self._client: dict[str, Handler] = {}
        self._server: dict[str, Handler] = {}
        self._meta: dict[str, Handler] = {}
        self._install_handlers()
        if dialect is not None and str(dialect).lower() in ("ga", "beta"):
            self._set_dialect(Dialect(str(dialect).lower()), "hint")

    # ------------------------------------------------------------ public

    @property
    def dialect(self) -> Dialect | None:
        return self.connection.dialect

    def apply(self, rec: Tapped) -> set[str]:
        """Fold one event; returns the areas (subset of ``AREAS``) that changed."""
        c = self.counters
        pos = c.events
        c.events = pos + 1
        c.last_t = rec.t
        event = rec.event
        etype = event.get("type") if event.__class__ is dict else None
        if etype.__class__ is not str:
            etype = ""
        by_type = c.by_type
        try:
            by_type[etype] += 1
        except KeyError:
            by_type[etype] = 1
        direction = rec.dir
        by_dir = c.by_dir
        try:
            by_dir[direction] += 1
        except KeyError:
            by_dir[direction] = 1
        if direction == "server":
            handler = self._server.get(etype)
        elif direction == "client":
            self._last_client[etype] = pos
            eid = event.get("event_id") if event.__class__ is dict else None
            if eid.__class__ is str:
                self._client_ids[eid] = (pos, etype)
            handler = self._client.get(etype)
        else:
            handler = self._meta.get(etype)
        if handler is None:
            c.unhandled += 1
            return set()
        if self._detecting and direction != "meta":
            found = dialect_of_event(event)
            if found is not None:
                self._set_dialect(found, "events")
                return self._run(handler, rec, pos) | {"connection"}
        try:
            return handler(rec, pos)
        except Exception:  # a malformed event must never stop the fold
            if self.strict:
                raise
            c.malformed += 1
            return set()

    def _run(self, handler: Handler | None, rec: Tapped, pos: int) -> set[str]:
        if handler is None:
            self.counters.unhandled += 1
            return set()
        if self.strict:
            return handler(rec, pos)
        try:
            return handler(rec, pos)
        except Exception:  # a malformed event must never stop the fold
            self.counters.malformed += 1
            return set()

    # ------------------------------------------------------------ wiring

    def _install_handlers(self) -> None:
        self._meta.update(
            {
                META_CONNECTION_OPENED: self._m_opened,
                META_CONNECTION_CLOSED: self._m_closed,
                META_TRANSPORT_ERROR: self._m_transport_error,
                META_AUDIO_SOURCE_STARTED: self._m_audio_started,
                META_AUDIO_SOURCE_STOPPED: self._m_audio_stopped,
                META_BOOKMARK: self._m_bookmark,
                META_BINARY_FRAME: self._m_binary,
            }
        )
        self._client.update(
            {
                "session.update": self._c_session_update,
                "transcription_session.update": self._c_session_update,
                "input_audio_buffer.append": self._c_append,
                "input_audio_buffer.commit": self._c_commit,
                "input_audio_buffer.clear": self._c_clear,
                "response.create": self._c_response_create,
                "response.cancel": self._c_response_cancel,
            }
        )
        for ctype in _CLIENT_NOOP:
            self._client.setdefault(ctype, self._s_noop)
        for stype in _SERVER_NOOP:
            self._server.setdefault(stype, self._s_noop)
        self._server.update(
            {
                "error": self._s_error,
                "session.created": self._s_session,
                "session.updated": self._s_session,
                "transcription_session.created": self._s_session,
                "transcription_session.updated": self._s_session,
                "conversation.created": self._s_noop,
                "input_audio_buffer.committed": self._s_committed,
                "input_audio_buffer.cleared": self._s_cleared,
                "input_audio_buffer.speech_started": self._s_speech_started,
                "input_audio_buffer.speech_stopped": self._s_speech_stopped,
                "input_audio_buffer.timeout_triggered": self._s_timeout,
                "conversation.item.created": self._s_item,
                "conversation.item.added": self._s_item,
                "conversation.item.done": self._s_item,
                "conversation.item.retrieved": self._s_item,
                "conversation.item.truncated": self._s_item_truncated,
                "conversation.item.deleted": self._s_item_deleted,
                "conversation.item.input_audio_transcription.delta": self._s_tr_delta,
                "conversation.item.input_audio_transcription.segment": self._s_tr_delta,
                "conversation.item.input_audio_transcription.completed": self._s_tr_completed,
                "conversation.item.input_audio_transcription.failed": self._s_tr_failed,
                "response.created": self._s_response_created,
                "response.done": self._s_response_done,
                "response.output_item.added": self._s_output_item,
                "response.output_item.done": self._s_output_item,
                "response.text.delta": self._s_text_delta,
                "response.output_text.delta": self._s_text_delta,
                "response.text.done": self._s_text_done,
                "response.output_text.done": self._s_text_done,
                "response.audio.delta": self._s_audio_delta,
                "response.output_audio.delta": self._s_audio_delta,
                "response.audio_transcript.delta": self._s_transcript_delta,
                "response.output_audio_transcript.delta": self._s_transcript_delta,
                "response.audio_transcript.done": self._s_transcript_done,
                "response.output_audio_transcript.done": self._s_transcript_done,
                "response.function_call_arguments.delta": self._s_args_delta,
                "response.function_call_arguments.done": self._s_args_done,
                "rate_limits.updated": self._s_rate_limits,
            }
        )

    def _set_dialect(self, dialect: Dialect, source: str) -> None:
        if self.connection.dialect is None:
            self.connection.dialect = dialect
            self.connection.dialect_source = source
        self._detecting = False

    # ------------------------------------------------------------ meta

    def _m_opened(self, rec: Tapped, pos: int) -> set[str]:
        ev = rec.event
        conn = self.connection
        conn.opened_at = rec.t
        conn.opened_pos = pos
        url = ev.get("url")
        conn.url = scrub_url(url) if isinstance(url, str) else conn.url  # views show it: never a key
        model = ev.get("model")
        conn.model = model if isinstance(model, str) else conn.model
        dialect = ev.get("dialect")
        if isinstance(dialect, str) and dialect.lower() in ("ga", "beta"):
            conn.dialect = Dialect(dialect.lower())
            self._detecting = False
            conn.dialect_source = "meta"
        else:
            headers = ev.get("headers")
            found = detect_dialect(url=conn.url, headers=headers if isinstance(headers, dict) else None)
            if found is not None:
                self._set_dialect(found, "meta")
        return {"connection"}

    def _m_closed(self, rec: Tapped, pos: int) -> set[str]:
        ev = rec.event
        code = ev.get("code")
        reason, by = ev.get("reason"), ev.get("by")
        self.connection.closed = CloseInfo(
            code if isinstance(code, int) and not isinstance(code, bool) else None,
            reason if isinstance(reason, str) else None,
            by if isinstance(by, str) else None,
            pos,
            rec.t,
        )
        return {"connection"}

    def _m_transport_error(self, rec: Tapped, pos: int) -> set[str]:
        msg = rec.event.get("message")
        self.connection.transport_errors.append(TransportError(pos, rec.t, str(msg) if msg else ""))
        return {"connection"}

    def _m_audio_started(self, rec: Tapped, pos: int) -> set[str]:
        info = {k: v for k, v in rec.event.items() if k != "type"}
        self.buffer.audio_sources.append(AudioSource(pos, rec.t, info))
        return {"buffer"}

    def _m_audio_stopped(self, rec: Tapped, pos: int) -> set[str]:
        for src in reversed(self.buffer.audio_sources):
            if src.stopped_pos is None:
                src.stopped_pos, src.stopped_t = pos, rec.t
                sent = rec.event.get("sent_ms")
                if isinstance(sent, int | float) and not isinstance(sent, bool):
                    src.sent_ms = float(sent)
                return {"buffer"}
        return set()

    def _m_bookmark(self, rec: Tapped, pos: int) -> set[str]:
        label = rec.event.get("label")
        self.bookmarks.append((pos, rec.t, label if isinstance(label, str) else ""))
        return set()

    def _m_binary(self, rec: Tapped, pos: int) -> set[str]:
        self.connection.binary_frames += 1
        return {"connection"}

    # ------------------------------------------------------------ client

    def _c_session_update(self, rec: Tapped, pos: int) -> set[str]:
        ev = rec.event
        session = ev.get("session")
        if not isinstance(session, dict):
            session = {}
        eid = ev.get("event_id")
        upd = SessionUpdate(pos, rec.t, rec.type, session, eid if isinstance(eid, str) else None)
        cfg = self.session
        cfg.requested = session
        cfg.requested_pos = pos
        cfg.requested_history.append(upd)
        self._pending_updates.append(upd)
        return {"session"}

    def _c_append(self, rec: Tapped, pos: int) -> set[str]:
        n = b64_decoded_len(rec.event.get("audio"))
        b = self.buffer
        fmt = b.format
        ms = n / b.bytes_per_ms
        t = rec.t
        if b.pending_chunks == 0:
            b.pending_since_pos = pos
        b.pending_bytes += n
        b.pending_ms += ms
        b.pending_chunks += 1
        b.total_bytes += n
        b.total_ms += ms
        b.total_appends += 1
        if b.first_append_t is None:
            b.first_append_t = t
        b.last_append_t = t
        runs = b.runs
        run = runs[-1] if runs else None
        if run is None or run.format is not fmt:
            run = AppendRun(fmt, pos, t, pos, t)
            runs.append(run)
        run.last_pos = pos
        run.last_t = t
        run.appends += 1
        run.bytes += n
        run.ms += ms
        b.append_t.append(t)
        b.append_cum_ms.append(b.total_ms)
        return {"buffer"}

    def _c_commit(self, rec: Tapped, pos: int) -> set[str]:
        self.buffer.client_commits.append(pos)
        self._pending_commit = pos
        return {"buffer"}

    def _c_clear(self, rec: Tapped, pos: int) -> set[str]:
        self._pending_clear = pos
        return set()

    def _c_response_create(self, rec: Tapped, pos: int) -> set[str]:
        self._pending_creates.append(pos)
        return set()

    def _c_response_cancel(self, rec: Tapped, pos: int) -> set[str]:
        rid = rec.event.get("response_id")
        if not isinstance(rid, str):
            rid = self.active_response_id
        resp = self.responses.get(rid) if isinstance(rid, str) else None
        if resp is None:
            return set()
        resp.cancel_pos = pos
        return {"responses"}

    # ------------------------------------------------------------ session format

    def _refresh_formats(self, session: dict[str, Any]) -> bool:
        """Take the input/output audio formats from an effective session; True if input changed."""
        dialect = self.connection.dialect or Dialect.GA
        self.output_format = output_format(session, dialect)
        self._out_bpm = self.output_format.bytes_per_ms
        fmt_in = input_format(session, dialect)
        b = self.buffer
        if fmt_in != b.format:
            b.format, b.bytes_per_ms = fmt_in, fmt_in.bytes_per_ms
            return True
        return False


def fold(records: Iterable[Tapped], state: SessionState | None = None) -> SessionState:
    """Apply every record in order to ``state`` (a new one when None) and return it."""
    st = SessionState() if state is None else state
    apply = st.apply
    for rec in records:
        apply(rec)
    return st
