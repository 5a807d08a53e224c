"""Response, rate-limit and usage handlers of the fold (plain functions in ``state.DISPATCH``).

Beta and GA delta names share one handler each; text and transcripts are kept as delta parts and
joined on read, audio only as byte and millisecond counts from base64 lengths.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rtinspect.protocol.audio import b64_decoded_len
from rtinspect.session import turns
from rtinspect.session.buffer import _s
from rtinspect.session.items import _int, upsert_item
from rtinspect.session.model import FunctionCall, RateLimits, Response
from rtinspect.session.usage import cost_of, price_for, session_model
from rtinspect.tap import Tapped

if TYPE_CHECKING:
    from rtinspect.session.state import SessionState


def _d(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _compact(parts: list[str]) -> None:
    """Join a finished stream of deltas in place: one string instead of thousands (memory)."""
    if len(parts) > 1:
        parts[:] = ["".join(parts)]


def _response(st: SessionState, rid: Any, pos: int, t: float) -> Response | None:
    if rid.__class__ is not str:
        return None
    resp = st.responses.get(rid)
    if resp is None:  # events of a response whose response.created we never saw
        resp = Response(rid)
        st.responses[rid] = resp
    return resp


def on_response_created(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    data = _d(rec.event.get("response"))
    resp = _response(st, data.get("id"), pos, rec.t)
    if resp is None:
        return set()
    resp.status = _s(data.get("status")) or resp.status
    resp.status_details = data.get("status_details")
    resp.created_pos, resp.created_t = pos, rec.t
    if st.pending_creates:
        resp.client_pos = st.pending_creates.pop(0)
    st.active_response_id = resp.id
    turns.response_created(st, resp)
    return {"responses"}


def on_response_done(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    data = _d(rec.event.get("response"))
    resp = _response(st, data.get("id"), pos, rec.t)
    if resp is None:
        return set()
    changed = {"responses"}
    resp.status = _s(data.get("status")) or resp.status
    resp.status_details = data.get("status_details")
    resp.done_pos, resp.done_t = pos, rec.t
    _compact(resp.text_parts)
    _compact(resp.transcript_parts)
    for fc in resp.function_calls.values():
        _compact(fc.arg_parts)
    if st.active_response_id == resp.id:
        st.active_response_id = None
    output = data.get("output")
    if isinstance(output, list):
        for out in output:
            item = upsert_item(st, out, rec, pos)
            if item is not None:
                item.response_id = resp.id
                if item.id not in resp.output_item_ids:
                    resp.output_item_ids.append(item.id)
                changed.add("items")
    usage = data.get("usage")
    if isinstance(usage, dict):
        resp.usage = usage
        u = st.usage
        u.responses += 1
        u.total_tokens += _int(usage.get("total_tokens"))
        u.input_tokens += _int(usage.get("input_tokens"))
        u.output_tokens += _int(usage.get("output_tokens"))
        ind, outd = _d(usage.get("input_token_details")), _d(usage.get("output_token_details"))
        u.input_text_tokens += _int(ind.get("text_tokens"))
        u.input_audio_tokens += _int(ind.get("audio_tokens"))
        u.input_cached_tokens += _int(ind.get("cached_tokens"))
        u.output_text_tokens += _int(outd.get("text_tokens"))
        u.output_audio_tokens += _int(outd.get("audio_tokens"))
        model = session_model(st.session.effective, st.connection.model)
        resp.cost = cost_of(usage, model)
        u.cost += resp.cost
        u.priced_as = price_for(model)[0]
        changed.add("usage")
    return changed


def on_output_item(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    ev = rec.event
    resp = _response(st, ev.get("response_id"), pos, rec.t)
    item = upsert_item(st, ev.get("item"), rec, pos)
    if item is None:
        return {"responses"} if resp is not None else set()
    if resp is not None:
        item.response_id = resp.id
        if item.id not in resp.output_item_ids:
            resp.output_item_ids.append(item.id)
        if item.type == "function_call":
            fc = _call(resp, item.call_id, item.id, pos)
            fc.name = item.name or fc.name
            idx = ev.get("output_index")
            fc.output_index = idx if isinstance(idx, int) and not isinstance(idx, bool) else fc.output_index
            if rec.type.endswith(".done"):
                if item.arguments is not None:
                    fc.arguments_done = item.arguments
                if not fc.done:
                    fc.done, fc.done_pos = True, pos
    return {"responses", "items"}


def _call(resp: Response, call_id: str | None, item_id: str | None, pos: int) -> FunctionCall:
    calls = resp.function_calls
    fc = calls.get(call_id or "") or calls.get(item_id or "")
    if fc is None:
        fc = FunctionCall(call_id, item_id, first_pos=pos)
        calls[call_id or item_id or f"#{len(calls)}"] = fc
    if fc.call_id is None and call_id is not None:
        fc.call_id = call_id
    if fc.item_id is None and item_id is not None:
        fc.item_id = item_id
    return fc


def on_text_delta(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    ev = rec.event
    rid = ev.get("response_id")
    resp = st.responses.get(rid) if rid.__class__ is str else None
    if resp is None:
        resp = _response(st, rid, pos, rec.t)
    delta = ev.get("delta")
    if resp is None or delta.__class__ is not str:
        return set()
    resp.text_parts.append(delta)
    resp.text_deltas += 1
    if resp.first_text_delta_pos is None:
        resp.first_text_delta_pos, resp.first_text_delta_t = pos, rec.t
    return {"responses"}


def on_text_done(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    return _part_done(st, rec, pos, "text", "text_parts", "text", keep_item=True)


def on_audio_delta(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    ev = rec.event
    return add_audio_delta(st, pos, rec.t, ev, b64_decoded_len(ev.get("delta")))


def add_audio_delta(st: SessionState, pos: int, t: float, ev: dict[str, Any], n: int) -> set[str]:
    """An audio delta of ``n`` decoded bytes (``ev``'s other fields name its response and item):
    what ``on_audio_delta`` and a run of deltas (``SessionState.apply_run``) both fold."""
    rid = ev.get("response_id")
    resp = st.responses.get(rid) if rid.__class__ is str else None
    if resp is None:
        resp = _response(st, rid, pos, t)
        if resp is None:
            return set()
    ms = n / st.out_bytes_per_ms
    resp.audio_bytes += n
    resp.audio_ms += ms
    resp.audio_deltas += 1
    if resp.first_audio_delta_pos is None:
        resp.first_audio_delta_pos, resp.first_audio_delta_t = pos, t
    iid = ev.get("item_id")
    item = st.items.get(iid) if iid.__class__ is str else None
    if item is not None:
        item.has_audio = True
        item.audio_ms = (item.audio_ms or 0.0) + ms
    return {"responses"}


def on_transcript_delta(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    ev = rec.event
    rid = ev.get("response_id")
    resp = st.responses.get(rid) if rid.__class__ is str else None
    if resp is None:
        resp = _response(st, rid, pos, rec.t)
    delta = ev.get("delta")
    if resp is None or delta.__class__ is not str:
        return set()
    resp.transcript_parts.append(delta)
    return {"responses"}


def on_transcript_done(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    return _part_done(st, rec, pos, "transcript", "transcript_parts", "audio_transcript", keep_item=False)


def _part_done(
    st: SessionState, rec: Tapped, pos: int, field: str, parts: str, item_field: str, *, keep_item: bool
) -> set[str]:
    """A text or transcript ``.done``: its whole text stands for the deltas when none came (a client
    may subscribe to done events only), and lands on the item (the text only if the item has none
    yet: an item's content, folded in ``items.py``, joins all its text parts, which one part's done
    would cut)."""
    ev = rec.event
    resp = _response(st, ev.get("response_id"), pos, rec.t)
    text = _s(ev.get(field))
    if resp is None or text is None:
        return set()
    got: list[str] = getattr(resp, parts)
    if not got:
        got.append(text)
    item = st.items.get(_s(ev.get("item_id")) or "")
    if item is not None and not (keep_item and getattr(item, item_field)):
        setattr(item, item_field, text)
    return {"responses"}


def on_args_delta(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    ev = rec.event
    resp = _response(st, ev.get("response_id"), pos, rec.t)
    delta = ev.get("delta")
    if resp is None or delta.__class__ is not str:
        return set()
    fc = _call(resp, _s(ev.get("call_id")), _s(ev.get("item_id")), pos)
    fc.arg_parts.append(delta)
    return {"responses"}


def on_args_done(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    ev = rec.event
    resp = _response(st, ev.get("response_id"), pos, rec.t)
    if resp is None:
        return set()
    fc = _call(resp, _s(ev.get("call_id")), _s(ev.get("item_id")), pos)
    args = _s(ev.get("arguments"))
    if args is not None:
        fc.arguments_done = args
    if not fc.done:
        fc.done, fc.done_pos = True, pos
    item = st.items.get(fc.item_id or "")
    if item is not None and args is not None:
        item.arguments = args
    return {"responses"}


def on_rate_limits(st: SessionState, rec: Tapped, pos: int) -> set[str]:
    limits = rec.event.get("rate_limits")
    if not isinstance(limits, list):
        return set()
    st.rate_limits = RateLimits([x for x in limits if isinstance(x, dict)], pos, rec.t)
    return {"rate_limits"}
