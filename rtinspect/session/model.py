"""The data the session reducer holds: plain dataclasses, no behaviour beyond small derived views.

Split from ``rtinspect.session.state`` so views and doctor rules can import the shapes without the
reducer. Every record carries the position (``pos``: index in the log, 0-based) of the events
it came from, so a view can jump to them. Audio is never kept: only byte and millisecond counts
derived from base64 lengths.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any, Literal

from rtinspect.protocol import Dialect
from rtinspect.protocol.session import PCM16, AudioFormat

AREAS: frozenset[str] = frozenset(
    {"connection", "session", "buffer", "items", "responses", "errors", "rate_limits", "usage"}
)

TranscriptStatus = Literal["not_requested", "pending", "streaming", "completed", "failed"]
CommitBy = Literal["client", "server_vad"]


# ---------------------------------------------------------------- connection


@dataclass(slots=True)
class CloseInfo:
    code: int | None
    reason: str | None
    by: str | None  # "server" | "client" | "network"
    pos: int
    t: float


@dataclass(slots=True)
class TransportError:
    pos: int
    t: float
    message: str


@dataclass(slots=True)
class ConnectionState:
    url: str | None = None
    dialect: Dialect | None = None
    dialect_source: str | None = None  # "meta" | "events" | "hint": how we know the dialect
    model: str | None = None
    opened_at: float | None = None
    opened_pos: int | None = None
    closed: CloseInfo | None = None
    transport_errors: list[TransportError] = field(default_factory=list)
    binary_frames: int = 0


# ---------------------------------------------------------------- session


@dataclass(slots=True)
class SessionUpdate:
    """One client ``session.update`` (or beta ``transcription_session.update``) and its fate."""

    pos: int
    t: float
    type: str
    session: dict[str, Any]
    event_id: str | None = None
    rejected: bool = False  # an error answered it: none of its fields took effect
    error_pos: int | None = None
    accepted_pos: int | None = None  # the session.updated that answered it


@dataclass(slots=True)
class SessionConfig:
    effective: dict[str, Any] | None = None  # what the server holds (last *.created / *.updated)
    effective_pos: int | None = None
    effective_t: float | None = None
    effective_type: str | None = None
    created_pos: int | None = None
    updated_count: int = 0
    requested: dict[str, Any] | None = None  # the last client session.update's session
    requested_pos: int | None = None
    requested_history: list[SessionUpdate] = field(default_factory=list)
    expires_at: int | float | None = None
    id: str | None = None

    @property
    def last_update(self) -> SessionUpdate | None:
        return self.requested_history[-1] if self.requested_history else None

    @property
    def last_update_rejected(self) -> bool:
        last = self.last_update
        return last is not None and last.rejected

    def requested_vs_effective(self, *, all_updates: bool = False) -> list[tuple[str, Any, Any]]:
        """Each leaf the client asked for that the server does not hold.

        ``(dotted path, requested value, effective value)``; the effective value is ``None`` when
        the server holds null or nothing at that path (asked ``input_audio_transcription.enabled:
        true`` against ``input_audio_transcription: null`` gives ``(..enabled, True, None)``).
        By default "asked" is the last update; ``all_updates`` merges every update in order
        (later ones win), so a field asked once and never repeated still counts.
        """
        asked = self.requested
        if all_updates and self.requested_history:
            asked = {}
            for upd in self.requested_history:
                _merge(asked, upd.session)
        if asked is None:
            return []
        out: list[tuple[str, Any, Any]] = []
        _diff("", asked, self.effective or {}, out)
        return out


def _merge(into: dict[str, Any], update: dict[str, Any]) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and value and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = _copy_tree(value)


def _copy_tree(value: Any) -> Any:
    return {k: _copy_tree(v) for k, v in value.items()} if isinstance(value, dict) else value


_MISSING = object()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))
    return bool(a == b)


def _diff(prefix: str, asked: Any, held: Any, out: list[tuple[str, Any, Any]]) -> None:
    if isinstance(asked, dict) and asked:
        held_d = held if isinstance(held, dict) else {}
        for key, value in asked.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            _diff(path, value, held_d.get(key, _MISSING), out)
        return
    if (
        isinstance(asked, list)
        and isinstance(held, list)
        and len(asked) == len(held)
        and any(isinstance(v, dict) for v in asked)
    ):
        for i, (a, h) in enumerate(zip(asked, held, strict=True)):
            _diff(f"{prefix}.{i}", a, h, out)
        return
    if held is _MISSING:
        out.append((prefix, asked, None))
    elif not _same(asked, held):
        out.append((prefix, asked, held))


# ---------------------------------------------------------------- input buffer


PCM16_24K = PCM16  # the default input and output format


@dataclass(slots=True)
class AppendRun:
    """Consecutive appends under one input format: compact timing numbers for rate checks."""

    format: AudioFormat
    first_pos: int
    first_t: float
    last_pos: int
    last_t: float
    appends: int = 0
    bytes: int = 0
    ms: float = 0.0


@dataclass(slots=True)
class Commit:
    """One ``input_audio_buffer.committed``.

    ``bytes``/``ms``/``chunks`` count everything the client appended since the previous commit or
    clear, measured in the input format each append was made under. For a server-VAD commit the
    speech window with the same ``item_id`` gives the server's own ``audio_end_ms``.
    """

    pos: int  # the server's input_audio_buffer.committed
    t: float
    item_id: str | None
    previous_item_id: str | None
    bytes: int  # appended since the previous commit/clear
    ms: float
    chunks: int
    by: CommitBy
    client_pos: int | None = None  # the client commit it answers
    transcription_enabled: bool = False


@dataclass(slots=True)
class Clear:
    pos: int
    t: float
    bytes: int
    ms: float
    client_pos: int | None = None


@dataclass(slots=True)
class SpeechWindow:
    item_id: str | None
    audio_start_ms: int | float | None
    audio_end_ms: int | float | None = None
    started_pos: int | None = None
    stopped_pos: int | None = None
    started_t: float | None = None
    stopped_t: float | None = None


@dataclass(slots=True)
class TimeoutTrigger:
    pos: int
    t: float
    item_id: str | None
    audio_start_ms: int | float | None
    audio_end_ms: int | float | None


@dataclass(slots=True)
class AudioSource:
    """An rtinspect audio source started/stopped (meta events), e.g. a WAV streamed by ``send``."""

    pos: int
    t: float
    info: dict[str, Any]
    stopped_pos: int | None = None
    stopped_t: float | None = None
    sent_ms: float | None = None


@dataclass(slots=True)
class BufferState:
    """The server's input audio buffer as the client fed it: counts only, never samples.

    ``pending_*`` is what the next commit would take. ``runs`` split the appends by the format
    they were made under (an update that changes the format starts a new run), and
    ``append_t``/``append_cum_ms`` hold one (t, cumulative ms) pair per append, so a rule can
    compare audio time against wall time over any window.
    """

    format: AudioFormat = PCM16_24K  # the current effective input format
    bytes_per_ms: float = PCM16_24K.bytes_per_ms  # of ``format``, kept here for the append hot path
    pending_bytes: int = 0  # since the last commit/clear
    pending_ms: float = 0.0
    pending_chunks: int = 0
    pending_since_pos: int | None = None  # first append of the pending audio
    total_bytes: int = 0
    total_ms: float = 0.0
    total_appends: int = 0
    first_append_t: float | None = None
    last_append_t: float | None = None
    runs: list[AppendRun] = field(default_factory=list)
    # per append: t, position and the cumulative ms after it (compact: windowed rate checks, and the
    # exact duration of any run of appends the event list folds into one row)
    append_t: array[float] = field(default_factory=lambda: array("d"))
    append_pos: array[int] = field(default_factory=lambda: array("q"))
    append_cum_ms: array[float] = field(default_factory=lambda: array("d"))
    client_commits: list[int] = field(default_factory=list)  # positions of client commit events
    commits: list[Commit] = field(default_factory=list)
    clears: list[Clear] = field(default_factory=list)
    speech: list[SpeechWindow] = field(default_factory=list)
    timeouts: list[TimeoutTrigger] = field(default_factory=list)
    audio_sources: list[AudioSource] = field(default_factory=list)
    speaking: bool = False  # between speech_started and speech_stopped

    def format_at(self, pos: int) -> AudioFormat:
        """The input format an append at ``pos`` was (or would be) measured in."""
        runs = self.runs
        k = bisect_right([r.first_pos for r in runs], pos) - 1 if len(runs) > 1 else 0
        return runs[k].format if runs and k >= 0 and pos <= runs[-1].last_pos else self.format

    def appended_ms(self, first_pos: int, last_pos: int) -> float | None:
        """Milliseconds of every append from ``first_pos`` to ``last_pos`` (both appends), each in the
        format it was appended under; None when either is not a folded append."""
        pos = self.append_pos
        a, b = bisect_left(pos, first_pos), bisect_left(pos, last_pos)
        if a >= len(pos) or b >= len(pos) or pos[a] != first_pos or pos[b] != last_pos or b < a:
            return None
        cum = self.append_cum_ms
        return cum[b] - (cum[a - 1] if a else 0.0)


# ---------------------------------------------------------------- items


@dataclass(slots=True)
class InputTranscript:
    """Input-audio transcription of one user audio item."""

    status: TranscriptStatus
    text: str = ""
    error: Any = None
    usage: dict[str, Any] | None = None
    deltas: int = 0
    first_delta_pos: int | None = None
    first_delta_t: float | None = None
    last_delta_pos: int | None = None
    completed_pos: int | None = None
    completed_t: float | None = None
    failed_pos: int | None = None
    failed_t: float | None = None


@dataclass(slots=True)
class Item:
    id: str
    type: str | None = None  # message | function_call | function_call_output | ...
    role: str | None = None
    status: str | None = None
    previous_item_id: str | None = None
    created_pos: int = 0
    created_t: float = 0.0
    done_pos: int | None = None
    response_id: str | None = None  # set for items a response produced
    content_types: list[str] = field(default_factory=list)
    text: str = ""  # text content parts joined
    has_audio: bool = False
    audio_ms: float | None = None  # committed ms for user audio, delta ms for output audio
    audio_transcript: str | None = None  # the transcript field of an audio content part
    call_id: str | None = None
    name: str | None = None
    arguments: str | None = None
    output: str | None = None
    transcript: InputTranscript | None = None  # for user items with input_audio
    truncated_audio_end_ms: int | float | None = None
    truncated_pos: int | None = None
    retrieved_pos: int | None = None
    deleted: bool = False
    deleted_pos: int | None = None
    positions: list[int] = field(default_factory=list)  # every non-delta event that touched it


# ---------------------------------------------------------------- responses


@dataclass(slots=True)
class FunctionCall:
    call_id: str | None
    item_id: str | None
    name: str | None = None
    output_index: int | None = None
    arg_parts: list[str] = field(default_factory=list)
    arguments_done: str | None = None  # from function_call_arguments.done
    done: bool = False
    first_pos: int | None = None
    done_pos: int | None = None

    @property
    def arguments(self) -> str:
        return self.arguments_done if self.arguments_done is not None else "".join(self.arg_parts)


@dataclass(slots=True)
class Response:
    id: str
    status: str | None = None
    status_details: Any = None
    created_pos: int | None = None
    created_t: float | None = None
    done_pos: int | None = None
    done_t: float | None = None
    client_pos: int | None = None  # the response.create it answers (None: started by server VAD)
    output_item_ids: list[str] = field(default_factory=list)
    text_parts: list[str] = field(default_factory=list)
    transcript_parts: list[str] = field(default_factory=list)
    audio_bytes: int = 0
    audio_ms: float = 0.0
    audio_deltas: int = 0
    text_deltas: int = 0
    first_audio_delta_t: float | None = None
    first_audio_delta_pos: int | None = None
    first_text_delta_t: float | None = None
    first_text_delta_pos: int | None = None
    function_calls: dict[str, FunctionCall] = field(default_factory=dict)  # by call_id (else item_id)
    usage: dict[str, Any] | None = None
    cost: float | None = None  # estimated USD of ``usage`` (session.usage.cost_of)
    cancel_pos: int | None = None  # a client response.cancel aimed at it

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    @property
    def audio_transcript(self) -> str:
        return "".join(self.transcript_parts)


# ---------------------------------------------------------------- errors, limits, usage, counters


@dataclass(slots=True)
class ErrorRecord:
    pos: int
    t: float
    error: dict[str, Any]
    code: str | None
    message: str | None
    param: str | None
    event_id: str | None  # error.event_id (the client's event_id it echoes)
    client_pos: int | None = None  # the client event it answers
    client_type: str | None = None
    matched_by: Literal["event_id", "heuristic"] | None = None


@dataclass(slots=True)
class RateLimits:
    limits: list[dict[str, Any]]
    pos: int
    t: float


@dataclass(slots=True)
class UsageTotals:
    """Token totals summed over response.done (and transcription usage, kept apart)."""

    responses: int = 0
    total_tokens: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    input_text_tokens: int = 0
    input_audio_tokens: int = 0
    input_cached_tokens: int = 0
    output_text_tokens: int = 0
    output_audio_tokens: int = 0
    transcription_input_tokens: int = 0
    transcription_output_tokens: int = 0
    transcription_seconds: float = 0.0
    cost: float = 0.0  # estimated USD of the responses (session.usage; transcription not included)
    priced_as: str | None = None  # the PRICES row used (session.usage.price_for)


@dataclass(slots=True)
class Counters:
    events: int = 0
    by_dir: dict[str, int] = field(default_factory=lambda: {"client": 0, "server": 0, "meta": 0})
    by_type: dict[str, int] = field(default_factory=dict)
    unhandled: int = 0  # events of a type the reducer does not know
    malformed: int = 0  # events whose fields made a handler fail (non-strict mode only)
    last_t: float | None = None
