"""Session and input-buffer handlers of the fold: ``session.created/updated``, appends, commits,
clears, VAD speech windows and timeouts.

Handlers are plain functions ``(state, rec, pos) -> changed areas`` registered in
``rtinspect.session.state.DISPATCH``. They read fields defensively: a field of the wrong type is
ignored, never trusted. The append handler is the hot path of a real log (most events are appends):
one base64 length, a few additions, two array appends.
"""

from __future__ import annotations

from functools import reduce
from itertools import accumulate
from operator import add
from typing import TYPE_CHECKING, Any

from rtinspect.protocol import Dialect
from rtinspect.protocol.audio import b64_decoded_len as b64_decoded_len  # the one owner (re-exported)
from rtinspect.protocol.session import input_format, output_format, transcription_config
from rtinspect.session import turns
from rtinspect.session.model import AppendRun, Clear, Commit, SessionUpdate, SpeechWindow, TimeoutTrigger
from rtinspect.tap import Tapped

if TYPE_CHECKING:
    from rtinspect.session.state import SessionState


def _s(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def _num(v: Any) -> int | float | None:
    return v if isinstance(v, int | float) and not isinstance(v, bool) else None


def transcription_of(session: Any, dialect: Dialect | None) -> dict[str, Any] | None:
    """The session's input transcription setting (None = off), either dialect."""
    if not isinstance(session, dict):
        return None
    return transcription_config(session, dialect or Dialect.GA)


def refresh_formats(st: SessionState, session: dict[str, Any]) -> bool:
    """Take the input/output audio formats from an effective session; True if the input one changed."""
    dialect = st.connection.dialect or Dialect.GA
    st.output_format = output_format(session, dialect)
    st.out_bytes_per_ms = st.output_format.bytes_per_ms
    fmt_in = input_format(session, dialect)
    b = st.buffer
    if fmt_in != b.format:
        b.format, b.bytes_per_ms = fmt_in, fmt_in.bytes_per_ms
        return True
    return False


# ---------------------------------------------------------------- client


def on_session_update(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    ev = rec.event
    session = ev.get("session")
    if not isinstance(session, dict):
        session = {}
    upd = SessionUpdate(pos, rec.t, rec.type, session, _s(ev.get("event_id")))
    cfg = st.session
    cfg.requested = session
    cfg.requested_pos = pos
    cfg.requested_history.append(upd)
    st.pending_updates.append(upd)
    return {"session"}


def on_append(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    add_append(st, pos, rec.t, b64_decoded_len(rec.event.get("audio")))
    return {"buffer"}


def add_append(st: SessionState, pos: int, t: float, n: int) -> None:
    """One append of ``n`` decoded bytes at ``t``: what ``on_append`` and a run of appends
    (``SessionState.apply_run``, sizes measured from a log's bytes) both fold."""
    b = st.buffer
    fmt = b.format
    ms = n / b.bytes_per_ms
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
    b.append_pos.append(pos)
    b.append_cum_ms.append(b.total_ms)


def add_appends(st: SessionState, pos: int, times: list[float], sizes: list[int]) -> None:
    """``add_append`` for each of consecutive appends at ``pos``, ``pos + 1`` ... in one step (a run
    from a log): the same numbers, bit for bit. Every running float total is a left-to-right sum
    (``accumulate``/``reduce`` with ``operator.add``, as the ``+=`` of one append at a time; never
    ``sum``, which may compensate), so cumulative ms equal the event-by-event fold's exactly."""
    n = len(times)
    if not n:
        return
    b = st.buffer
    fmt = b.format
    bpm = b.bytes_per_ms
    mss = [k / bpm for k in sizes]
    nbytes = sum(sizes)  # ints: exact in any order
    if b.pending_chunks == 0:
        b.pending_since_pos = pos
    b.pending_bytes += nbytes
    b.pending_ms = reduce(add, mss, b.pending_ms)
    b.pending_chunks += n
    b.total_bytes += nbytes
    cum = list(accumulate(mss, add, initial=b.total_ms))
    del cum[0]
    b.total_ms = cum[-1]
    b.total_appends += n
    if b.first_append_t is None:
        b.first_append_t = times[0]
    last_t = times[-1]
    b.last_append_t = last_t
    runs = b.runs
    run = runs[-1] if runs else None
    if run is None or run.format is not fmt:
        run = AppendRun(fmt, pos, times[0], pos, times[0])
        runs.append(run)
    run.last_pos = pos + n - 1
    run.last_t = last_t
    run.appends += n
    run.bytes += nbytes
    run.ms = reduce(add, mss, run.ms)
    b.append_t.extend(times)
    b.append_pos.extend(range(pos, pos + n))
    b.append_cum_ms.extend(cum)


def on_commit(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    st.buffer.client_commits.append(pos)
    st.pending_commit = pos
    turns.input_ended(st, rec.t, pos, "commit")
    return {"buffer"}


def on_clear(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    st.pending_clear = pos
    return set()


# ---------------------------------------------------------------- server


def on_session(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    session = rec.event.get("session")
    if not isinstance(session, dict):
        return set()
    cfg = st.session
    changed = {"session"}
    cfg.effective, cfg.effective_pos, cfg.effective_t = session, pos, rec.t
    cfg.effective_type = rec.type
    if rec.type.endswith(".created"):
        cfg.created_pos = pos
    else:
        cfg.updated_count += 1
        if st.pending_updates:
            st.pending_updates.pop(0).accepted_pos = pos
    exp = _num(session.get("expires_at"))
    if exp is not None:
        cfg.expires_at = exp
    sid = _s(session.get("id"))
    if sid is not None:
        cfg.id = sid
    if refresh_formats(st, session):
        changed.add("buffer")
    return changed


def on_committed(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    ev = rec.event
    b = st.buffer
    item_id = _s(ev.get("item_id"))
    client_pos = st.pending_commit
    st.pending_commit = None
    enabled = transcription_of(st.session.effective, st.connection.dialect) is not None
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
    turns.committed(st, item_id)
    changed = {"buffer"}
    item = st.items.get(item_id) if item_id is not None else None
    if item is not None:
        item.audio_ms = commit.ms
        if item.transcript is not None and item.transcript.status == "not_requested" and enabled:
            item.transcript.status = "pending"
        changed.add("items")
    return changed


def on_cleared(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    b = st.buffer
    b.clears.append(Clear(pos, rec.t, b.pending_bytes, b.pending_ms, st.pending_clear))
    st.pending_clear = None
    b.pending_bytes, b.pending_ms, b.pending_chunks, b.pending_since_pos = 0, 0.0, 0, None
    return {"buffer"}


def on_speech_started(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    ev = rec.event
    w = SpeechWindow(_s(ev.get("item_id")), _num(ev.get("audio_start_ms")), None, pos, None, rec.t)
    st.buffer.speech.append(w)
    st.buffer.speaking = True
    return {"buffer"}


def on_speech_stopped(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    ev = rec.event
    item_id = _s(ev.get("item_id"))
    speech = st.buffer.speech
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
    st.buffer.speaking = False
    turns.input_ended(st, rec.t, pos, "vad")
    return {"buffer"}


def on_timeout(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    ev = rec.event
    st.buffer.timeouts.append(
        TimeoutTrigger(
            pos,
            rec.t,
            _s(ev.get("item_id")),
            _num(ev.get("audio_start_ms")),
            _num(ev.get("audio_end_ms")),
        )
    )
    return {"buffer"}
