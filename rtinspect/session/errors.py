"""The one error-attribution rule: which client event an ``error`` answers (docs/protocol.md §14).

The Session panel ("update REJECTED"), the doctor's findings and ``send``'s report all ask this one
function, so they never disagree about which ``session.update`` an error rejected. It reads the state
as it was just BEFORE the error was folded (the doctor calls it from a rule; the fold calls it from
its ``error`` handler), and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from rtinspect.session.model import ErrorRecord
from rtinspect.tap import Tapped

if TYPE_CHECKING:
    from rtinspect.session.state import SessionState

SESSION_UPDATES = ("session.update", "transcription_session.update")
# error code -> the client event types that cause it (when error.event_id is null)
CAUSE_BY_CODE: dict[str, tuple[str, ...]] = {
    "input_audio_buffer_commit_empty": ("input_audio_buffer.commit",),
    "conversation_already_has_active_response": ("response.create",),
    "response_cancel_not_active": ("response.cancel",),
    "item_delete_invalid_item_id": ("conversation.item.delete",),
    "item_retrieve_invalid_item_id": ("conversation.item.retrieve",),
    "cannot_update_voice": SESSION_UPDATES,
}
# error param prefix -> the client event types whose fields it names
CAUSE_BY_PARAM_PREFIX: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("audio_end_ms", ("conversation.item.truncate",)),  # before "audio": a truncate's field, not an append's
    ("session", SESSION_UPDATES),
    ("item.", ("conversation.item.create",)),
    ("response.", ("response.create",)),
    ("audio", ("input_audio_buffer.append",)),
)

MatchedBy = Literal["event_id", "heuristic"]  # echoed event_id, or rule 2/3 below


@dataclass(frozen=True, slots=True)
class Cause:
    """The client event an error answers: its position in the log, its type, and how we know."""

    pos: int
    type: str
    matched_by: MatchedBy


def cause_types(
    code: str | None, param: str | None, message: str | None, st: SessionState
) -> tuple[str, ...]:
    """The client event types that can cause an error with this code, param and message."""
    if code in CAUSE_BY_CODE:
        return CAUSE_BY_CODE[code]
    if message and message.startswith("Conversation already has an active response"):
        return ("response.create",)
    if param == "type":  # an unknown (or missing) client event type: one the fold does not know
        return tuple(st.unknown_client)
    if param:
        for prefix, candidates in CAUSE_BY_PARAM_PREFIX:
            if param.startswith(prefix):
                return candidates
        return ()
    if message and "'session." in message:  # "Unknown parameter: 'session.x'." with param null
        return SESSION_UPDATES
    return ()


def error_cause(st: SessionState, error: Mapping[str, Any]) -> Cause | None:
    """Which client event the ``error`` object (the event's ``error`` field) answers, or None.

    1. ``error.event_id`` echoes a client ``event_id`` we saw: that event.
    2. Else, among the types that can cause it (``cause_types``), the OLDEST event still awaiting an
       answer (the server answers in order): a pending ``session.update``, ``response.create`` or
       commit.
    3. Else the latest client event of those types.
    """
    eid = error.get("event_id")
    if isinstance(eid, str):
        hit = st.client_ids.get(eid)
        if hit is not None:
            return Cause(hit[0], hit[1], "event_id")
    code, param, message = (_s(error.get(k)) for k in ("code", "param", "message"))
    types = cause_types(code, param, message, st)
    if not types:
        return None
    pending: list[tuple[int, str]] = []
    if any(t in SESSION_UPDATES for t in types):
        pending += [(u.pos, u.type) for u in st.pending_updates if u.type in types]
    if "response.create" in types:
        pending += [(p, "response.create") for p in st.pending_creates]
    if "input_audio_buffer.commit" in types and st.pending_commit is not None:
        pending.append((st.pending_commit, "input_audio_buffer.commit"))
    if pending:
        pos, ctype = min(pending)
        return Cause(pos, ctype, "heuristic")
    best: tuple[int, str] | None = None
    for ctype in types:
        cpos = st.last_client.get(ctype)
        if cpos is not None and (best is None or cpos > best[0]):
            best = (cpos, ctype)
    return Cause(best[0], best[1], "heuristic") if best is not None else None


def on_error(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    """``error``: record it, tie it to the client event it answers, and settle that event's fate."""
    err = rec.event.get("error")
    if not isinstance(err, dict):
        err = {}
    code, param, eid = _s(err.get("code")), _s(err.get("param")), _s(err.get("event_id"))
    record = ErrorRecord(pos, rec.t, err, code, _s(err.get("message")), param, eid)
    st.errors.append(record)
    changed = {"errors"}
    cause = error_cause(st, err)
    if cause is None:
        return changed
    record.client_pos, record.client_type, record.matched_by = cause.pos, cause.type, cause.matched_by
    if cause.type in SESSION_UPDATES:
        for upd in st.session.requested_history[::-1]:
            if upd.pos == cause.pos and upd.accepted_pos is None:
                upd.rejected, upd.error_pos = True, pos
                if upd in st.pending_updates:
                    st.pending_updates.remove(upd)
                changed.add("session")
                break
    elif cause.type == "response.create" and cause.pos in st.pending_creates:
        st.pending_creates.remove(cause.pos)
    elif cause.type == "input_audio_buffer.commit" and cause.pos == st.pending_commit:
        st.pending_commit = None
    return changed


def _s(v: Any) -> str | None:
    return v if isinstance(v, str) else None
