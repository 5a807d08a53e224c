"""Item and input-transcription handlers of the fold (plain functions in ``state.DISPATCH``).

Items are kept in arrival order; both beta ``conversation.item.created`` and GA
``conversation.item.added``/``.done`` upsert the same ``Item``. A user audio item gets an
``InputTranscript`` whose first status says whether transcription was on when it was committed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rtinspect.session.buffer import _num, _s, transcription_of
from rtinspect.session.model import InputTranscript, Item
from rtinspect.tap import Tapped

if TYPE_CHECKING:
    from rtinspect.session.state import SessionState

_TEXT_PARTS = frozenset({"input_text", "text", "output_text"})
_AUDIO_PARTS = frozenset({"input_audio", "audio", "output_audio"})


def _int(v: Any) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


def _item(st: SessionState, item_id: str, pos: int, t: float) -> Item:
    item = st.items.get(item_id)
    if item is None:
        item = Item(item_id, created_pos=pos, created_t=t)
        st.items[item_id] = item
    return item


def upsert_item(st: SessionState, data: Any, rec: Tapped, pos: int, previous: Any = None) -> Item | None:
    if not isinstance(data, dict):
        return None
    item_id = _s(data.get("id"))
    if item_id is None:
        return None
    item = _item(st, item_id, pos, rec.t)
    item.positions.append(pos)
    for attr in ("type", "role", "status", "call_id", "name", "arguments", "output"):
        value = _s(data.get(attr))
        if value is not None:
            setattr(item, attr, value)
    if isinstance(previous, str):
        item.previous_item_id = previous
    if item.done_pos is None and rec.type.endswith(".done"):
        item.done_pos = pos  # the first done (output_item.done comes before conversation.item.done)
    content = data.get("content")
    if isinstance(content, list):
        _item_content(item, content)
    if item.transcript is None and item.has_audio and item.role == "user":
        _start_transcript(st, item)
    return item


def _item_content(item: Item, content: list[Any]) -> None:
    types, texts = [], []
    has_audio, transcript = False, None
    for part in content:
        if not isinstance(part, dict):
            continue
        ptype = _s(part.get("type")) or ""
        types.append(ptype)
        if ptype in _TEXT_PARTS:
            text = _s(part.get("text"))
            if text:
                texts.append(text)
        elif ptype in _AUDIO_PARTS:
            has_audio = True
            tr = _s(part.get("transcript"))
            if tr is not None:
                transcript = tr
    if not types:
        return
    item.content_types = types
    if texts:
        item.text = "".join(texts)
    item.has_audio = item.has_audio or has_audio
    if transcript is not None:
        item.audio_transcript = transcript


def _start_transcript(st: SessionState, item: Item) -> None:
    commit = next((c for c in reversed(st.buffer.commits) if c.item_id == item.id), None)
    if commit is not None:
        enabled = commit.transcription_enabled
        item.audio_ms = commit.ms
    else:
        enabled = transcription_of(st.session.effective, st.connection.dialect) is not None
    item.transcript = InputTranscript("pending" if enabled else "not_requested")


def on_item(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    ev = rec.event
    item = upsert_item(st, ev.get("item"), rec, pos, ev.get("previous_item_id"))
    if item is not None and rec.type == "conversation.item.retrieved":
        item.retrieved_pos = pos
    return {"items"} if item is not None else set()


def on_item_truncated(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    item_id = _s(rec.event.get("item_id"))
    if item_id is None:
        return set()
    item = _item(st, item_id, pos, rec.t)
    item.truncated_audio_end_ms = _num(rec.event.get("audio_end_ms"))
    item.truncated_pos = pos
    item.positions.append(pos)
    return {"items"}


def on_item_deleted(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    item = st.items.get(_s(rec.event.get("item_id")) or "")
    if item is None:
        return set()
    item.deleted, item.deleted_pos = True, pos
    item.positions.append(pos)
    return {"items"}


def _transcript(st: SessionState, rec: Tapped, pos: int) -> InputTranscript | None:
    item_id = _s(rec.event.get("item_id"))
    if item_id is None:
        return None
    item = _item(st, item_id, pos, rec.t)
    if item.transcript is None:
        item.transcript = InputTranscript("pending")
    return item.transcript


def on_transcription_delta(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    tr = _transcript(st, rec, pos)
    if tr is None:
        return set()
    delta = rec.event.get("delta")
    if rec.type.endswith(".segment"):
        delta = rec.event.get("text")
    if isinstance(delta, str) and tr.status not in ("completed", "failed"):
        tr.text += delta
    if tr.first_delta_pos is None:
        tr.first_delta_pos, tr.first_delta_t = pos, rec.t
    tr.last_delta_pos = pos
    tr.deltas += 1
    if tr.status in ("pending", "not_requested"):
        tr.status = "streaming"
    return {"items"}


def on_transcription_completed(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    tr = _transcript(st, rec, pos)
    if tr is None:
        return set()
    text = rec.event.get("transcript")
    if isinstance(text, str):
        tr.text = text
    tr.status, tr.completed_pos, tr.completed_t = "completed", pos, rec.t
    usage = rec.event.get("usage")
    changed = {"items"}
    if isinstance(usage, dict):
        tr.usage = usage
        u = st.usage
        u.transcription_input_tokens += _int(usage.get("input_tokens"))
        u.transcription_output_tokens += _int(usage.get("output_tokens"))
        u.transcription_seconds += _num(usage.get("seconds")) or 0.0
        changed.add("usage")
    return changed


def on_transcription_failed(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    tr = _transcript(st, rec, pos)
    if tr is None:
        return set()
    tr.status, tr.failed_pos, tr.failed_t, tr.error = "failed", pos, rec.t, rec.event.get("error")
    return {"items"}
