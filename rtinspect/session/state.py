"""SessionState: the pure fold of a Realtime session's events into what views and the doctor need.

``apply`` folds one ``Tapped`` record and returns the areas it changed, so a UI refreshes only
those panels. No I/O and no clock: time comes from ``rec.t``. Audio payloads are measured by base64
length (``protocol.audio``), never decoded. Both dialects are folded by the same handlers (beta and
GA names map to one handler).

ONE dispatch table, ``DISPATCH`` (direction -> event type -> handler), at the end of this module: every
handler is a plain function ``(state, rec, pos) -> changed areas``, in the module of its concept
(``session.buffer``: session and input buffer; ``session.items``: items and input transcripts;
``session.responses``: responses, rate limits, usage; ``session.errors``: error attribution; client
and ``meta`` events here). ``SessionState`` holds data and ``apply``; no mixins, no stubs.
The shapes live in ``rtinspect.session.model`` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rtinspect.protocol import Dialect
from rtinspect.protocol.audio import AudioFormat
from rtinspect.protocol.dialect import detect_dialect, dialect_of_event
from rtinspect.secrets import scrub_url
from rtinspect.session import buffer, errors, items, responses, turns
from rtinspect.session.buffer import b64_decoded_len
from rtinspect.session.model import (
    AREAS,
    PCM16_24K,
    AppendRun,
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
from rtinspect.session.turns import InputEnded, Turn
from rtinspect.tap import (
    META_AUDIO_SOURCE_STARTED,
    META_AUDIO_SOURCE_STOPPED,
    META_BINARY_FRAME,
    META_BOOKMARK,
    META_CONNECTION_CLOSED,
    META_CONNECTION_OPENED,
    META_TRANSPORT_ERROR,
    AudioRun,
    Tapped,
)

__all__ = [
    "AREAS",
    "DISPATCH",
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

Handler = Callable[["SessionState", Tapped, int], set[str]]
"""A fold step: ``(state, record, position) -> the areas it changed``."""


class SessionState:
    """Everything known about one session, folded event by event.

    ``strict=True`` lets a handler's exception propagate (tests use it to prove handlers are
    defensive); by default a failing handler only counts the event as malformed.

    Public attributes (read by every view and the doctor): ``connection``, ``session``, ``buffer``,
    ``items``, ``responses``, ``active_response_id``, ``errors``, ``rate_limits``, ``usage``,
    ``counters``, ``bookmarks``, ``output_format``, ``turns``. The ``client_ids``, ``last_client`` and
    ``pending_*`` bookkeeping is what ``session.errors.error_cause`` reads to tie an error to the
    client event it answers.
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
        self.turns: list[Turn] = []  # session.turns: one per response, with its input end
        self.turn_input: InputEnded | None = None  # the user's input ended, no response yet
        self.output_format: AudioFormat = PCM16_24K
        self.out_bytes_per_ms = PCM16_24K.bytes_per_ms  # of ``output_format``, for the delta hot path
        # bookkeeping for matching answers to client events
        self.client_ids: dict[str, tuple[int, str]] = {}  # client event_id -> (pos, type)
        self.last_client: dict[str, int] = {}  # client type -> pos of its latest event
        self.unknown_client: dict[str, int] = {}  # client types no handler knows -> latest pos
        self.pending_updates: list[SessionUpdate] = []  # sent, not yet answered
        self.pending_creates: list[int] = []  # response.create positions not yet answered
        self.pending_commit: int | None = None  # client commit awaiting input_audio_buffer.committed
        self.pending_clear: int | None = None
        self._detecting = True  # the dialect is still unknown: look at each event until it shows
        if dialect is not None and str(dialect).lower() in ("ga", "beta"):
            self.set_dialect(Dialect(str(dialect).lower()), "hint")

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
            handler = _SERVER.get(etype)
        elif direction == "client":
            self.last_client[etype] = pos
            eid = event.get("event_id") if event.__class__ is dict else None
            if eid.__class__ is str:
                self.client_ids[eid] = (pos, etype)
            handler = _CLIENT.get(etype)
        else:
            handler = _META.get(etype)
        if handler is None:
            c.unhandled += 1
            if direction == "client":
                self.unknown_client[etype] = pos
            return set()
        if self._detecting and direction != "meta":
            found = dialect_of_event(event)
            if found is not None:
                self.set_dialect(found, "events")
                return self._step(handler, rec, pos) | {"connection"}
        try:
            return handler(self, rec, pos)
        except Exception:  # a malformed event must never stop the fold
            if self.strict:
                raise
            c.malformed += 1
            return set()

    def apply_run(self, run: AudioRun) -> set[str]:
        """Fold a run of audio events whose payload sizes are known (``AudioRun``, from a log's
        bytes): the same as ``apply`` on each of ``run.records()``, without their payloads.

        The run goes through the handlers' own cores (``buffer.add_append``,
        ``responses.add_audio_delta``); anything unusual (the dialect still unknown, a type the
        dispatch table folds with another handler) takes ``apply`` event by event.
        """
        events = run.events
        n = len(events)
        if not n:
            return set()
        direction, etype = run.dir, run.type
        try:
            core = _CORE_OF[direction, etype]
        except KeyError:
            handler = DISPATCH.get(direction, {}).get(etype)
            core = _CORE_OF[direction, etype] = _RUN_CORES.get(handler) if handler is not None else None
        if core is None or self._detecting:
            changed: set[str] = set()
            for rec in run.records():
                changed |= self.apply(rec)
            return changed
        c = self.counters
        pos = c.events
        c.events = pos + n
        times, sizes = run.times, run.sizes
        if times.__class__ is not list:  # numpy columns (or any sequence): the cores index lists
            times = times.tolist() if hasattr(times, "tolist") else list(times)
        if sizes.__class__ is not list:
            sizes = sizes.tolist() if hasattr(sizes, "tolist") else list(sizes)
        c.last_t = times[-1]
        by_type = c.by_type
        by_type[etype] = by_type.get(etype, 0) + n
        by_dir = c.by_dir
        by_dir[direction] = by_dir.get(direction, 0) + n
        if direction == "client":
            self.last_client[etype] = pos + n - 1
            ids = self.client_ids
            for k, ev in enumerate(events):
                eid = ev.get("event_id")
                if eid.__class__ is str:
                    ids[eid] = (pos + k, etype)
        return core(self, pos, times, sizes, events)

    def _step(self, handler: Handler, rec: Tapped, pos: int) -> set[str]:
        try:
            return handler(self, rec, pos)
        except Exception:  # a malformed event must never stop the fold
            if self.strict:
                raise
            self.counters.malformed += 1
            return set()

    def set_dialect(self, dialect: Dialect, source: str, *, force: bool = False) -> None:
        """Fix the dialect once: the first source wins (a hint, or the first telling event), except
        that the connection's own ``dialect`` (``force``, from ``connection.opened``) always does."""
        if force or self.connection.dialect is None:
            self.connection.dialect = dialect
            self.connection.dialect_source = source
        self._detecting = False


# ---------------------------------------------------------------- meta


def on_opened(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    ev = rec.event
    conn = st.connection
    conn.opened_at = rec.t
    conn.opened_pos = pos
    url = ev.get("url")
    conn.url = scrub_url(url) if isinstance(url, str) else conn.url  # views show it: never a key
    model = ev.get("model")
    conn.model = model if isinstance(model, str) else conn.model
    dialect = ev.get("dialect")
    if isinstance(dialect, str) and dialect.lower() in ("ga", "beta"):
        st.set_dialect(Dialect(dialect.lower()), "meta", force=True)
    else:
        headers = ev.get("headers")
        found = detect_dialect(url=conn.url, headers=headers if isinstance(headers, dict) else None)
        if found is not None:
            st.set_dialect(found, "meta")
    return {"connection"}


def on_closed(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    ev = rec.event
    code = ev.get("code")
    reason, by = ev.get("reason"), ev.get("by")
    st.connection.closed = CloseInfo(
        code if isinstance(code, int) and not isinstance(code, bool) else None,
        reason if isinstance(reason, str) else None,
        by if isinstance(by, str) else None,
        pos,
        rec.t,
    )
    return {"connection"}


def on_transport_error(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    msg = rec.event.get("message")
    st.connection.transport_errors.append(TransportError(pos, rec.t, str(msg) if msg else ""))
    return {"connection"}


def on_audio_started(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    info = {k: v for k, v in rec.event.items() if k != "type"}
    st.buffer.audio_sources.append(AudioSource(pos, rec.t, info))
    return {"buffer"}


def on_audio_stopped(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    for src in reversed(st.buffer.audio_sources):
        if src.stopped_pos is None:
            src.stopped_pos, src.stopped_t = pos, rec.t
            sent = rec.event.get("sent_ms")
            if isinstance(sent, int | float) and not isinstance(sent, bool):
                src.sent_ms = float(sent)
            return {"buffer"}
    return set()


def on_bookmark(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    label = rec.event.get("label")
    st.bookmarks.append((pos, rec.t, label if isinstance(label, str) else ""))
    return set()


def on_binary(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    st.connection.binary_frames += 1
    return {"connection"}


# ---------------------------------------------------------------- client (the rest are in buffer)


def on_response_create(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    st.pending_creates.append(pos)
    turns.input_ended(st, rec.t, pos, "response.create")
    return set()


def on_response_cancel(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    rid = rec.event.get("response_id")
    if not isinstance(rid, str):
        rid = st.active_response_id
    resp = st.responses.get(rid) if isinstance(rid, str) else None
    if resp is None:
        return set()
    resp.cancel_pos = pos
    return {"responses"}


def noop(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    """A known event that changes nothing the state keeps (so ``counters.unhandled`` means unknown)."""
    return set()


# ---------------------------------------------------------------- the dispatch table

DISPATCH: dict[str, dict[str, Handler]] = {
    "meta": {
        META_CONNECTION_OPENED: on_opened,
        META_CONNECTION_CLOSED: on_closed,
        META_TRANSPORT_ERROR: on_transport_error,
        META_AUDIO_SOURCE_STARTED: on_audio_started,
        META_AUDIO_SOURCE_STOPPED: on_audio_stopped,
        META_BOOKMARK: on_bookmark,
        META_BINARY_FRAME: on_binary,
    },
    "client": {
        "session.update": buffer.on_session_update,
        "transcription_session.update": buffer.on_session_update,
        "input_audio_buffer.append": buffer.on_append,
        "input_audio_buffer.commit": buffer.on_commit,
        "input_audio_buffer.clear": buffer.on_clear,
        "response.create": on_response_create,
        "response.cancel": on_response_cancel,
        "conversation.item.create": noop,
        "conversation.item.retrieve": noop,
        "conversation.item.truncate": noop,
        "conversation.item.delete": noop,
        "output_audio_buffer.clear": noop,
        "session.close": noop,
    },
    "server": {
        "error": errors.on_error,
        "session.created": buffer.on_session,
        "session.updated": buffer.on_session,
        "transcription_session.created": buffer.on_session,
        "transcription_session.updated": buffer.on_session,
        "conversation.created": noop,
        "input_audio_buffer.committed": buffer.on_committed,
        "input_audio_buffer.cleared": buffer.on_cleared,
        "input_audio_buffer.speech_started": buffer.on_speech_started,
        "input_audio_buffer.speech_stopped": buffer.on_speech_stopped,
        "input_audio_buffer.timeout_triggered": buffer.on_timeout,
        "input_audio_buffer.dtmf_event_received": noop,
        "conversation.item.created": items.on_item,
        "conversation.item.added": items.on_item,
        "conversation.item.done": items.on_item,
        "conversation.item.retrieved": items.on_item,
        "conversation.item.truncated": items.on_item_truncated,
        "conversation.item.deleted": items.on_item_deleted,
        "conversation.item.input_audio_transcription.delta": items.on_transcription_delta,
        "conversation.item.input_audio_transcription.segment": items.on_transcription_delta,
        "conversation.item.input_audio_transcription.completed": items.on_transcription_completed,
        "conversation.item.input_audio_transcription.failed": items.on_transcription_failed,
        "response.created": responses.on_response_created,
        "response.done": responses.on_response_done,
        "response.output_item.added": responses.on_output_item,
        "response.output_item.done": responses.on_output_item,
        "response.content_part.added": noop,
        "response.content_part.done": noop,
        "response.text.delta": responses.on_text_delta,
        "response.output_text.delta": responses.on_text_delta,
        "response.text.done": responses.on_text_done,
        "response.output_text.done": responses.on_text_done,
        "response.audio.delta": responses.on_audio_delta,
        "response.output_audio.delta": responses.on_audio_delta,
        "response.audio.done": noop,
        "response.output_audio.done": noop,
        "response.audio_transcript.delta": responses.on_transcript_delta,
        "response.output_audio_transcript.delta": responses.on_transcript_delta,
        "response.audio_transcript.done": responses.on_transcript_done,
        "response.output_audio_transcript.done": responses.on_transcript_done,
        "response.function_call_arguments.delta": responses.on_args_delta,
        "response.function_call_arguments.done": responses.on_args_done,
        "output_audio_buffer.started": noop,
        "output_audio_buffer.stopped": noop,
        "output_audio_buffer.cleared": noop,
        "rate_limits.updated": responses.on_rate_limits,
    },
}
"""Direction -> event type -> handler: the one place that says which function folds which event."""
_CLIENT, _SERVER, _META = DISPATCH["client"], DISPATCH["server"], DISPATCH["meta"]


def _appends(
    st: SessionState, pos: int, times: list[float], sizes: list[int], events: list[dict]
) -> set[str]:
    buffer.add_appends(st, pos, times, sizes)
    return {"buffer"}


def _audio_deltas(
    st: SessionState, pos: int, times: list[float], sizes: list[int], events: list[dict]
) -> set[str]:
    add = responses.add_audio_delta
    changed: set[str] = set()
    for k, t in enumerate(times):
        try:
            changed |= add(st, pos + k, t, events[k], sizes[k])
        except Exception:  # a malformed event must never stop the fold
            if st.strict:
                raise
            st.counters.malformed += 1
    return changed


_RUN_CORES: dict[Handler, Callable[[SessionState, int, list[float], list[int], list[dict]], set[str]]] = {
    buffer.on_append: _appends,
    responses.on_audio_delta: _audio_deltas,
}
"""Handlers whose events can be folded from an ``AudioRun`` (size known, payload not read)."""
_CORE_OF: dict[
    tuple[str, str], Callable[[SessionState, int, list[float], list[int], list[dict]], set[str]] | None
] = {}
"""(direction, type) -> its run core (or None), looked up once per pair (``apply_run``'s hot path)."""


def fold(records: Iterable[Tapped | AudioRun], state: SessionState | None = None) -> SessionState:
    """Apply every record (or run of audio records, ``LogReader.iter_fold``) in order to ``state``
    (a new one when None) and return it."""
    st = SessionState() if state is None else state
    apply, apply_run = st.apply, st.apply_run
    for rec in records:
        if rec.__class__ is AudioRun:
            apply_run(rec)
        else:
            apply(rec)  # type: ignore[arg-type]
    return st
