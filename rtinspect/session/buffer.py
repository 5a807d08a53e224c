"""Server-event handlers of the session reducer, and the small pure helpers they use.

A mixin of ``rtinspect.session.state.SessionState`` (kept apart only to keep each module near 400
lines). Handlers take ``(rec, pos)`` and return the changed areas. They read fields
defensively: a field of the wrong type is ignored, never trusted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rtinspect.protocol import Dialect
from rtinspect.protocol.audio import b64_decoded_len as b64_decoded_len  # the one owner
from rtinspect.protocol.session import transcription_config
from rtinspect.session.model import (
    AudioFormat,
    Clear,
    Commit,
    ErrorRecord,
    Item,
    RateLimits,
    Response,
    SpeechWindow,
    TimeoutTrigger,
)
from rtinspect.tap import Tapped

if TYPE_CHECKING:
    from rtinspect.session.model import (
        BufferState,
        ConnectionState,
        SessionConfig,
        SessionUpdate,
        UsageTotals,
    )

Handler = Callable[[Tapped, int], set[str]]

_TEXT_PARTS = frozenset({"input_text", "text", "output_text"})
_AUDIO_PARTS = frozenset({"input_audio", "audio", "output_audio"})
# error code -> the client event type that usually causes it (used when error.event_id is null)
_CAUSE_BY_CODE = {
    "input_audio_buffer_commit_empty": "input_audio_buffer.commit",
    "conversation_already_has_active_response": "response.create",
    "response_cancel_not_active": "response.cancel",
}
_CAUSE_BY_PARAM_PREFIX = (
    ("session.", ("session.update", "transcription_session.update")),
    ("item.", ("conversation.item.create",)),
    ("response.", ("response.create",)),
    ("audio", ("input_audio_buffer.append",)),
)


def _s(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def _num(v: Any) -> int | float | None:
    return v if isinstance(v, int | float) and not isinstance(v, bool) else None


def _int(v: Any) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


def _d(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def transcription_of(session: Any, dialect: Dialect | None) -> dict[str, Any] | None:
    """The session's input transcription setting (None = off), either dialect."""
    if not isinstance(session, dict):
        return None
    return transcription_config(session, dialect or Dialect.GA)


class StateBase:
    """Attributes every handler mixin reads; set by ``SessionState.__init__``."""

    if TYPE_CHECKING:
        connection: ConnectionState
        session: SessionConfig
        buffer: BufferState
        items: dict[str, Item]
        responses: dict[str, Response]
        active_response_id: str | None
        errors: list[ErrorRecord]
        rate_limits: RateLimits | None
        usage: UsageTotals
        output_format: AudioFormat
        _out_bpm: float
        _client_ids: dict[str, tuple[int, str]]
        _last_client: dict[str, int]
        _client: dict[str, Handler]
        _pending_updates: list[SessionUpdate]
        _pending_creates: list[int]
        _pending_commit: int | None
        _pending_clear: int | None

        def _set_dialect(self, dialect: Dialect, source: str) -> None: ...
        def _refresh_formats(self, session: dict[str, Any]) -> bool: ...
        def _item(self, item_id: str, pos: int, t: float) -> Item: ...
        def _upsert_item(self, data: Any, rec: Tapped, pos: int, previous: Any = None) -> Item | None: ...


class ServerHandlers(StateBase):
    """Handlers for errors, session and input-buffer server events."""

    def _s_noop(self, rec: Tapped, pos: int) -> set[str]:
        return set()

    # ------------------------------------------------------------ errors

    def _s_error(self, rec: Tapped, pos: int) -> set[str]:
        err = _d(rec.event.get("error"))
        code, param, eid = _s(err.get("code")), _s(err.get("param")), _s(err.get("event_id"))
        message = _s(err.get("message"))
        record = ErrorRecord(pos, rec.t, err, code, message, param, eid)
        self.errors.append(record)
        changed = {"errors"}
        hit = self._client_ids.get(eid) if eid is not None else None
        if hit is not None:
            record.client_pos, record.client_type = hit
            record.matched_by = "event_id"
        else:
            cause = self._guess_cause(code, param, message)
            if cause is not None:
                record.client_pos, record.client_type = cause
                record.matched_by = "heuristic"
        ctype, cpos = record.client_type, record.client_pos
        if ctype in ("session.update", "transcription_session.update"):
            for upd in self.session.requested_history[::-1]:
                if upd.pos == cpos and upd.accepted_pos is None:
                    upd.rejected, upd.error_pos = True, pos
                    if upd in self._pending_updates:
                        self._pending_updates.remove(upd)
                    changed.add("session")
                    break
        elif ctype == "response.create" and cpos in self._pending_creates:
            self._pending_creates.remove(cpos)
        elif ctype == "input_audio_buffer.commit" and cpos == self._pending_commit:
            self._pending_commit = None
        return changed

    def _guess_cause(
        self, code: str | None, param: str | None, message: str | None
    ) -> tuple[int, str] | None:
        """The most recent client event of a type that could have caused an error without event_id."""
        types: tuple[str, ...] = ()
        if code in _CAUSE_BY_CODE:
            types = (_CAUSE_BY_CODE[code],)
        elif message and message.startswith("Conversation already has an active response"):
            types = ("response.create",)
        elif param == "type":  # an unknown (or missing) client event type
            types = tuple(t for t in self._last_client if t not in self._client)
        elif param:
            for prefix, candidates in _CAUSE_BY_PARAM_PREFIX:
                if param.startswith(prefix):
                    types = candidates
                    break
        best: tuple[int, str] | None = None
        for ctype in types:
            cpos = self._last_client.get(ctype)
            if cpos is not None and (best is None or cpos > best[0]):
                best = (cpos, ctype)
        return best

    # ------------------------------------------------------------ session

    def _s_session(self, rec: Tapped, pos: int) -> set[str]:
        session = rec.event.get("session")
        if not isinstance(session, dict):
            return set()
        cfg = self.session
        changed = {"session"}
        cfg.effective, cfg.effective_pos, cfg.effective_t = session, pos, rec.t
        cfg.effective_type = rec.type
        if rec.type.endswith(".created"):
            cfg.created_pos = pos
        else:
            cfg.updated_count += 1
            if self._pending_updates:
                self._pending_updates.pop(0).accepted_pos = pos
        exp = _num(session.get("expires_at"))
        if exp is not None:
            cfg.expires_at = exp
        sid = _s(session.get("id"))
        if sid is not None:
            cfg.id = sid
        if self._refresh_formats(session):
            changed.add("buffer")
        return changed

    # ------------------------------------------------------------ input buffer

    def _s_committed(self, rec: Tapped, pos: int) -> set[str]:
        ev = rec.event
        b = self.buffer
        item_id = _s(ev.get("item_id"))
        client_pos = self._pending_commit
        self._pending_commit = None
        enabled = transcription_of(self.session.effective, self.connection.dialect) is not None
        commit = Commit(
            pos,
            rec.t,
            item_id,
            _s(ev.get("previous_item_id")),
            b.pending_bytes,
            b.pending_ms,
            b.pending_chunks,
            "client" if client_pos is not None else "server_vad",
            client_pos,
            enabled,
        )
        b.commits.append(commit)
        b.pending_bytes, b.pending_ms, b.pending_chunks, b.pending_since_pos = 0, 0.0, 0, None
        changed = {"buffer"}
        item = self.items.get(item_id) if item_id is not None else None
        if item is not None:
            item.audio_ms = commit.ms
            if item.transcript is not None and item.transcript.status == "not_requested" and enabled:
                item.transcript.status = "pending"
            changed.add("items")
        return changed

    def _s_cleared(self, rec: Tapped, pos: int) -> set[str]:
        b = self.buffer
        b.clears.append(Clear(pos, rec.t, b.pending_bytes, b.pending_ms, self._pending_clear))
        self._pending_clear = None
        b.pending_bytes, b.pending_ms, b.pending_chunks, b.pending_since_pos = 0, 0.0, 0, None
        return {"buffer"}

    def _s_speech_started(self, rec: Tapped, pos: int) -> set[str]:
        ev = rec.event
        w = SpeechWindow(_s(ev.get("item_id")), _num(ev.get("audio_start_ms")), None, pos, None, rec.t)
        self.buffer.speech.append(w)
        self.buffer.speaking = True
        return {"buffer"}

    def _s_speech_stopped(self, rec: Tapped, pos: int) -> set[str]:
        ev = rec.event
        item_id = _s(ev.get("item_id"))
        speech = self.buffer.speech
        window = None
        for w in reversed(speech):
            if w.stopped_pos is None and (item_id is None or w.item_id in (item_id, None)):
                window = w
                break
        if window is None:  # stopped without a start we saw (log cut mid-turn)
            window = SpeechWindow(item_id, None)
            speech.append(window)
        window.audio_end_ms = _num(ev.get("audio_end_ms"))
        window.stopped_pos, window.stopped_t = pos, rec.t
        if window.item_id is None:
            window.item_id = item_id
        self.buffer.speaking = False
        return {"buffer"}

    def _s_timeout(self, rec: Tapped, pos: int) -> set[str]:
        ev = rec.event
        self.buffer.timeouts.append(
            TimeoutTrigger(
                pos,
                rec.t,
                _s(ev.get("item_id")),
                _num(ev.get("audio_start_ms")),
                _num(ev.get("audio_end_ms")),
            )
        )
        return {"buffer"}
