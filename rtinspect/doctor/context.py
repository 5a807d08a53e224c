"""The little running state every rule shares, folded once per event by the engine.

Deliberately small and cheap (counters, the effective session, what is pending): rules need
"what did the server hold when this happened", not a full conversation. Rules run BEFORE the
context folds the current event, so they see the state the event arrived into.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from rtinspect.doctor import session_view as sv
from rtinspect.protocol import Dialect
from rtinspect.tap import META_CONNECTION_OPENED, Tapped

GA_ONLY = frozenset(
    {
        "conversation.item.added",
        "conversation.item.done",
        "response.output_audio.delta",
        "response.output_text.delta",
        "response.output_audio_transcript.delta",
    }
)
BETA_ONLY = frozenset(
    {"conversation.created", "response.audio.delta", "response.text.delta", "response.audio_transcript.delta"}
)
# Client event types whose event_id we remember so that an error can be tied back to them.
_REMEMBERED = frozenset(
    {
        "session.update",
        "input_audio_buffer.commit",
        "input_audio_buffer.clear",
        "conversation.item.create",
        "conversation.item.truncate",
        "conversation.item.delete",
        "response.create",
        "response.cancel",
    }
)


class Context:
    """Shared facts: dialect, effective session, pending updates, input buffer, active response."""

    def __init__(self, dialect: Dialect | None = None, started: float | None = None) -> None:
        self.dialect = dialect
        self.started = started  # epoch seconds of t=0 when the log header says so
        self.pos = -1
        self.t = 0.0
        self.session: dict[str, Any] | None = None
        self.session_pos: int | None = None
        self.in_format: tuple[str, int] = ("pcm", 24000)
        self.bytes_per_ms: float = 48.0
        self.updates: list[tuple[int, dict[str, Any]]] = []  # every client session.update
        self.pending: deque[tuple[int, dict[str, Any]]] = deque()  # updates awaiting an answer
        self.client_ids: dict[str, int] = {}
        self.client_events: dict[int, dict[str, Any]] = {}  # remembered client events by position
        self.last_client: dict[str, int] = {}
        self.buffer_bytes = 0  # input buffer since the last commit/clear, as the server would count it
        self.appended_bytes = 0  # all input audio ever appended
        self.append_count = 0
        self.response_active: str | None = None
        self.response_active_pos: int | None = None
        self.headers_beta = False
        self.nbytes = 0  # decoded size of the current event's audio payload (set by the engine)
        self.claimed: set[int] = set()  # error positions a specific rule has explained

    # -- derived -------------------------------------------------------------------------------
    def _set_session(self, session: dict[str, Any], pos: int) -> None:
        self.session = session
        self.session_pos = pos
        # Cached: appends (most of a log) need the byte rate, which changes only with the session.
        self.in_format = sv.input_format(session, self.dialect) or ("pcm", 24000)
        self.bytes_per_ms = sv.bytes_per_ms(self.in_format)

    @property
    def buffer_ms(self) -> float:
        return self.buffer_bytes / self.bytes_per_ms

    @property
    def appended_ms(self) -> float:
        return self.appended_bytes / self.bytes_per_ms

    @property
    def is_ga(self) -> bool:
        return self.dialect is not Dialect.BETA

    def error_target(self, error: dict[str, Any], *types: str) -> int | None:
        """Position of the client event an ``error`` answers: by echoed event_id, else the latest of ``types``."""
        eid = error.get("event_id")
        if isinstance(eid, str) and eid in self.client_ids:
            pos = self.client_ids[eid]
            if not types or self.client_events.get(pos, {}).get("type") in types:
                return pos
        best: int | None = None
        for typ in types:
            pos = self.last_client.get(typ)
            if pos is not None and (best is None or pos > best):
                best = pos
        return best

    def update_error_target(self, error: dict[str, Any]) -> int | None:
        """Position of the ``session.update`` an error rejects, or None when it is about something else."""
        eid = error.get("event_id")
        if isinstance(eid, str) and eid in self.client_ids:
            pos = self.client_ids[eid]
            return pos if self.client_events.get(pos, {}).get("type") == "session.update" else None
        param = str(error.get("param") or "")
        if self.pending and (
            param.startswith("session") or "session" in str(error.get("message") or "")[:40]
        ):
            return self.pending[0][0]
        return None

    def last_update_session(self) -> dict[str, Any]:
        return dict(self.updates[-1][1].get("session") or {}) if self.updates else {}

    # -- folding ----------------------------------------------------------------------------------
    def apply(self, pos: int, rec: Tapped, typ: str) -> None:
        ev = rec.event
        if rec.dir == "client":
            self._client(pos, typ, ev)
        elif rec.dir == "server":
            self._server(pos, typ, ev)
        elif typ == META_CONNECTION_OPENED:
            self._opened(ev)

    def _client(self, pos: int, typ: str, ev: dict[str, Any]) -> None:
        if typ == "input_audio_buffer.append":
            n = self.nbytes
            self.buffer_bytes += n
            self.appended_bytes += n
            self.append_count += 1
            return
        self.last_client[typ] = pos
        if typ in _REMEMBERED:
            self.client_events[pos] = ev
            eid = ev.get("event_id")
            if isinstance(eid, str):
                self.client_ids[eid] = pos
        if typ == "session.update":
            self.updates.append((pos, ev))
            self.pending.append((pos, ev))
            if self.dialect is None and isinstance(ev.get("session"), dict):
                ga = sv.is_ga_session(ev["session"])
                if ga is not None:
                    self.dialect = Dialect.GA if ga else Dialect.BETA
        elif typ == "input_audio_buffer.clear":
            self.buffer_bytes = 0

    def _server(self, pos: int, typ: str, ev: dict[str, Any]) -> None:
        if self.dialect is None:
            if typ in GA_ONLY:
                self.dialect = Dialect.GA
            elif typ in BETA_ONLY:
                self.dialect = Dialect.BETA
        if typ in ("session.created", "session.updated", "transcription_session.created"):
            session = ev.get("session")
            if isinstance(session, dict):
                self._set_session(session, pos)
                if self.dialect is None:
                    ga = sv.is_ga_session(session)
                    if ga is not None:
                        self.dialect = Dialect.GA if ga else Dialect.BETA
            if typ == "session.updated" and self.pending:
                self.pending.popleft()
        elif typ == "input_audio_buffer.committed" or typ == "input_audio_buffer.cleared":
            self.buffer_bytes = 0
        elif typ == "response.created":
            resp = ev.get("response") or {}
            self.response_active = str(resp.get("id") or "?")
            self.response_active_pos = pos
        elif typ == "response.done":
            self.response_active = None
            self.response_active_pos = None
        elif typ == "error":
            err = ev.get("error") or {}
            target = self.update_error_target(err)
            if target is not None:
                self.pending = deque((p, e) for p, e in self.pending if p != target)
            if str(err.get("code") or "").startswith("input_audio_buffer_commit"):
                self.buffer_bytes = 0

    def _opened(self, ev: dict[str, Any]) -> None:
        headers = ev.get("headers") or {}
        if isinstance(headers, dict) and any(str(k).lower() == "openai-beta" for k in headers):
            self.headers_beta = True
        dialect = ev.get("dialect")
        if self.dialect is None and dialect in ("ga", "beta"):
            self.dialect = Dialect(dialect)
