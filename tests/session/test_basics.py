"""Smaller behaviours of the fold: dialect detection, positions, robustness, transcript statuses."""

from __future__ import annotations

import pytest

from rtinspect.protocol import Dialect
from rtinspect.session.state import DISPATCH, SessionState, fold
from rtinspect.tap import META_CONNECTION_OPENED, META_TRANSPORT_ERROR, Tapped

from .sessions import PCM_100MS, Builder, ga_session, golden_ga


def test_ga_user_item_with_transcription_off_is_not_requested() -> None:
    b = Builder()
    b.server("session.created", session=ga_session(None))
    b.client("input_audio_buffer.append", audio=PCM_100MS)
    b.client("input_audio_buffer.append", audio=PCM_100MS)
    b.client("input_audio_buffer.commit")
    b.server("input_audio_buffer.committed", previous_item_id=None, item_id="item_1")
    item = {"id": "item_1", "type": "message", "status": "completed", "role": "user",
            "content": [{"type": "input_audio", "transcript": None}]}  # fmt: skip
    b.server("conversation.item.added", previous_item_id=None, item=item)
    b.server("conversation.item.done", previous_item_id=None, item=item)
    st = fold(b.records, SessionState(strict=True))
    assert st.dialect is Dialect.GA and st.connection.dialect_source == "events"
    user = st.items["item_1"]
    assert user.transcript is not None and user.transcript.status == "not_requested"
    assert user.audio_transcript is None and user.audio_ms == 200.0
    assert st.buffer.commits[0].by == "client" and not st.buffer.commits[0].transcription_enabled


def test_transcription_events_win_over_not_requested() -> None:
    b = Builder()
    b.server("session.created", session=ga_session(None))
    b.server("input_audio_buffer.committed", previous_item_id=None, item_id="i")
    b.server("conversation.item.added", item={"id": "i", "type": "message", "role": "user",
                                              "content": [{"type": "input_audio", "transcript": None}]})  # fmt: skip
    b.server("conversation.item.input_audio_transcription.delta", item_id="i", content_index=0, delta="he")
    st = fold(b.records, SessionState(strict=True))
    tr = st.items["i"].transcript
    assert tr is not None and (tr.status, tr.text) == ("streaming", "he")


def test_dialect_from_beta_header_in_meta() -> None:
    rec = Tapped(
        0.0,
        "meta",
        {"type": META_CONNECTION_OPENED, "url": "wss://x", "headers": {"OpenAI-Beta": "realtime=v1"}},
    )
    st = fold([rec])
    assert st.dialect is Dialect.BETA and st.connection.dialect_source == "meta"


def test_folding_in_two_parts_keeps_positions() -> None:
    records, marks = golden_ga()
    whole = fold(records)
    half = fold(records[30:], fold(records[:30]))
    assert [e.pos for e in half.errors] == [e.pos for e in whole.errors] == [
        marks["rate_error"], marks["commit_error"], marks["active_error"]]  # fmt: skip
    assert [e.client_pos for e in half.errors] == [e.client_pos for e in whole.errors]
    assert half.counters.by_type == whole.counters.by_type


def test_unknown_and_malformed_events_are_counted_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    st = SessionState()

    def boom(state: SessionState, rec: Tapped, pos: int) -> set[str]:
        raise KeyError("x")

    monkeypatch.setitem(DISPATCH["server"], "rate_limits.updated", boom)
    recs = [
        Tapped(0.1, "server", {"type": "brand.new.event"}),
        Tapped(0.2, "server", {"type": "rate_limits.updated", "rate_limits": []}),
        Tapped(0.3, "server", {"no_type": 1}),
        Tapped(0.4, "meta", {"type": META_TRANSPORT_ERROR, "message": "reset by peer"}),
    ]
    changed = [st.apply(r) for r in recs]
    assert changed == [set(), set(), set(), {"connection"}]
    c = st.counters
    assert (c.events, c.unhandled, c.malformed) == (4, 2, 1)
    assert c.by_type == {"brand.new.event": 1, "rate_limits.updated": 1, "": 1, META_TRANSPORT_ERROR: 1}
    assert st.connection.transport_errors[0].message == "reset by peer"
    assert st.connection.transport_errors[0].pos == 3


def test_speech_stopped_without_start_and_response_without_created() -> None:
    b = Builder()
    b.server("input_audio_buffer.speech_stopped", audio_end_ms=900, item_id="x")
    b.server("response.output_audio.delta", response_id="r9", item_id="o", delta=PCM_100MS)
    st = fold(b.records, SessionState(strict=True))
    (w,) = st.buffer.speech
    assert (w.item_id, w.audio_start_ms, w.audio_end_ms, w.started_pos, w.stopped_pos) == (
        "x",
        None,
        900,
        None,
        0,
    )
    r = st.responses["r9"]
    assert (r.created_pos, r.audio_bytes, r.audio_ms) == (None, 4800, 100.0)


def test_active_response_and_cancel() -> None:
    b = Builder()
    b.client("response.create", event_id="c1")
    b.server("response.created", response={"id": "r1", "status": "in_progress", "status_details": None})
    st = fold(b.records, SessionState(strict=True))
    assert st.active_response_id == "r1" and st.responses["r1"].client_pos == 0
    b.client("response.cancel", "cancel")
    b.server("response.done", response={"id": "r1", "status": "cancelled",
                                         "status_details": {"type": "cancelled", "reason": "client_cancelled"}})  # fmt: skip
    st = fold(b.records, SessionState(strict=True))
    r = st.responses["r1"]
    assert st.active_response_id is None and r.status == "cancelled"
    assert r.cancel_pos == b.marks["cancel"] and r.status_details["reason"] == "client_cancelled"


def test_timeout_triggered_and_g711_output_audio() -> None:
    b = Builder()
    sess = ga_session(None)
    sess["audio"]["output"]["format"] = {"type": "audio/pcmu"}
    b.server("session.created", session=sess)
    b.server("input_audio_buffer.timeout_triggered", audio_start_ms=0, audio_end_ms=5000, item_id="t1")
    b.server("response.output_audio.delta", response_id="r", item_id="o", delta=PCM_100MS)
    st = fold(b.records, SessionState(strict=True))
    (to,) = st.buffer.timeouts
    assert (to.item_id, to.audio_start_ms, to.audio_end_ms, to.pos) == ("t1", 0, 5000, 1)
    assert st.responses["r"].audio_ms == 4800 / 8


def test_unknown_client_type_error_ties_to_that_event() -> None:
    b = Builder()
    b.client("session.update", session={"type": "realtime"})
    b.client("input_audio_buffer.apend", "typo", audio=PCM_100MS)
    b.client("input_audio_buffer.append", audio=PCM_100MS)
    b.server("error", "err", error={"type": "invalid_request_error", "code": "invalid_value",
                                    "message": "Invalid value: 'input_audio_buffer.apend'. Supported values are: ...",
                                    "param": "type", "event_id": None})  # fmt: skip
    st = fold(b.records, SessionState(strict=True))
    (err,) = st.errors
    assert (err.client_pos, err.client_type, err.matched_by) == (
        b.marks["typo"],
        "input_audio_buffer.apend",
        "heuristic",
    )
    assert st.counters.unhandled == 1


def test_heuristic_never_rejects_an_update_the_server_already_accepted() -> None:
    b = Builder()
    b.client("session.update", "upd", session={"type": "realtime", "instructions": "x"})
    b.server("session.updated", "ok", session=ga_session(None))
    b.server("error", error={"type": "invalid_request_error", "code": "unknown_parameter",
                             "message": "Unknown parameter: 'session.foo'.", "param": "session.foo", "event_id": None})  # fmt: skip
    st = fold(b.records, SessionState(strict=True))
    (upd,) = st.session.requested_history
    assert upd.accepted_pos == b.marks["ok"] and not upd.rejected
    assert st.errors[0].client_pos == b.marks["upd"]


def test_connection_url_never_keeps_a_key() -> None:
    url = "wss://res.openai.azure.com/openai/realtime?api-version=2024-10-01-preview&deployment=d&api-key=sk-secret123456"
    st = fold([Tapped(0.0, "meta", {"type": META_CONNECTION_OPENED, "url": url, "dialect": "beta"})])
    assert st.connection.url is not None and "sk-secret123456" not in st.connection.url
    assert "deployment=d" in st.connection.url
