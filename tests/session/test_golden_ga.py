"""A GA session folded field by field: what the doctor and the panels read must be exactly right."""

from __future__ import annotations

import pytest

from rtinspect.protocol import Dialect
from rtinspect.session.state import SessionState, fold

from .sessions import USAGE_1, USAGE_2, golden_ga


@pytest.fixture(scope="module")
def folded() -> tuple[SessionState, dict[str, int]]:
    records, marks = golden_ga()
    return fold(records, SessionState(strict=True)), marks


def test_connection(folded: tuple[SessionState, dict[str, int]]) -> None:
    st, m = folded
    c = st.connection
    assert c.dialect is Dialect.GA and c.dialect_source == "meta"
    assert c.model == "gpt-realtime"
    assert c.url == "wss://api.openai.com/v1/realtime?model=gpt-realtime"
    assert c.opened_pos == m["opened"]
    assert c.closed is not None
    assert (c.closed.code, c.closed.by, c.closed.pos) == (1000, "client", m["closed"])


def test_session_rejected_then_accepted(folded: tuple[SessionState, dict[str, int]]) -> None:
    st, m = folded
    s = st.session
    assert s.created_pos == m["created"]
    assert s.effective_pos == m["updated"] and s.effective_type == "session.updated"
    assert s.effective is not None
    assert s.effective["audio"]["input"]["transcription"]["model"] == "gpt-4o-mini-transcribe"
    assert s.expires_at == 1767225600 and s.id == "sess_GA1"
    bad, good = s.requested_history
    assert (bad.pos, bad.rejected, bad.error_pos, bad.accepted_pos) == (
        m["bad_update"],
        True,
        m["rate_error"],
        None,
    )
    assert (good.pos, good.rejected, good.accepted_pos) == (m["good_update"], False, m["updated"])
    assert s.requested_pos == m["good_update"]
    assert not s.last_update_rejected
    assert s.requested_vs_effective() == []


def test_buffer(folded: tuple[SessionState, dict[str, int]]) -> None:
    st, m = folded
    b = st.buffer
    assert b.format.rate == 24000 and b.format.bytes_per_ms == 48.0
    assert (b.total_appends, b.total_bytes, b.total_ms) == (5, 24000, 500.0)
    assert (b.pending_bytes, b.pending_ms, b.pending_chunks) == (0, 0.0, 0)
    assert len(b.runs) == 1 and b.runs[0].appends == 5 and b.runs[0].first_pos == m["append_0"]
    assert list(b.append_cum_ms) == [100.0, 200.0, 300.0, 400.0, 500.0]
    assert len(b.append_t) == 5 and b.first_append_t == st_t(st, m, "append_0")
    (commit,) = b.commits
    assert commit.pos == m["committed_A"] and commit.item_id == "item_A"
    assert (commit.bytes, commit.ms, commit.chunks, commit.by) == (24000, 500.0, 5, "server_vad")
    assert commit.transcription_enabled is True and commit.client_pos is None
    assert b.client_commits == [m["empty_commit"]]
    (w,) = b.speech
    assert (w.item_id, w.audio_start_ms, w.audio_end_ms) == ("item_A", 20, 440)
    assert (w.started_pos, w.stopped_pos) == (m["speech_started"], m["speech_stopped"])
    assert not b.speaking


def st_t(st: SessionState, m: dict[str, int], name: str) -> float:
    records, _ = golden_ga()
    return records[m[name]].t


def test_items(folded: tuple[SessionState, dict[str, int]]) -> None:
    st, m = folded
    assert list(st.items) == ["item_A", "item_B", "item_C"]
    a, b, c = st.items.values()
    assert (a.role, a.type, a.status, a.has_audio, a.audio_ms) == (
        "user",
        "message",
        "completed",
        True,
        500.0,
    )
    assert a.created_pos == m["added_A"] and a.done_pos == m["done_A"]
    assert a.transcript is not None
    tr = a.transcript
    assert (tr.status, tr.text, tr.deltas) == ("completed", "Hi there.", 2)
    assert tr.first_delta_pos == m["tr_delta_1"] and tr.completed_pos == m["tr_completed"]
    assert tr.first_delta_pos > m["resp1_done"]  # streamed after the response finished
    assert tr.usage is not None and tr.usage["input_tokens"] == 14
    assert (b.role, b.response_id, b.previous_item_id, b.audio_transcript) == (
        "assistant",
        "resp_1",
        "item_A",
        "Hello!",
    )
    assert b.audio_ms == 100.0 and b.transcript is None and b.status == "completed"
    assert b.done_pos == m["out_done_B"] and b.created_pos == m["added_B"] - 1  # output_item.added came first
    assert (c.type, c.call_id, c.name, c.arguments) == (
        "function_call",
        "call_1",
        "get_weather",
        '{"city":"Paris"}',
    )


def test_responses(folded: tuple[SessionState, dict[str, int]]) -> None:
    st, m = folded
    r1, r2 = st.responses.values()
    assert (r1.id, r1.status, r1.created_pos, r1.done_pos) == (
        "resp_1",
        "completed",
        m["resp1_created"],
        m["resp1_done"],
    )
    assert r1.client_pos is None  # started by server VAD
    assert (r1.audio_bytes, r1.audio_ms, r1.audio_deltas) == (4800, 100.0, 2)
    assert r1.first_audio_delta_pos == m["first_audio"]
    assert r1.audio_transcript == "Hello!" and r1.text == ""
    assert r1.transcript_parts == ["Hello!"]  # deltas joined once the response is done
    assert r1.output_item_ids == ["item_B"] and r1.usage == USAGE_1
    assert r2.client_pos == m["create_2"] and r2.usage == USAGE_2
    fc = r2.function_calls["call_1"]
    assert (fc.name, fc.arguments, fc.done, fc.done_pos, fc.item_id) == (
        "get_weather",
        '{"city":"Paris"}',
        True,
        m["args_done"],
        "item_C",
    )
    assert "".join(fc.arg_parts) == '{"city":"Paris"}'
    assert st.active_response_id is None


def test_errors(folded: tuple[SessionState, dict[str, int]]) -> None:
    st, m = folded
    rate, empty, active = st.errors
    assert (rate.pos, rate.code, rate.client_pos, rate.client_type, rate.matched_by) == (
        m["rate_error"],
        "integer_below_min_value",
        m["bad_update"],
        "session.update",
        "event_id",
    )
    assert rate.param == "session.audio.input.format.rate"
    assert (empty.event_id, empty.client_pos, empty.client_type, empty.matched_by) == (
        None,
        m["empty_commit"],
        "input_audio_buffer.commit",
        "heuristic",
    )
    assert (active.client_pos, active.client_type, active.matched_by) == (
        m["create_3"],
        "response.create",
        "event_id",
    )


def test_limits_usage_counters(folded: tuple[SessionState, dict[str, int]]) -> None:
    st, m = folded
    assert st.rate_limits is not None and st.rate_limits.pos == m["rate_limits"]
    assert st.rate_limits.limits[0]["remaining"] == 39700
    u = st.usage
    assert (u.responses, u.total_tokens, u.input_tokens, u.output_tokens) == (2, 350, 240, 110)
    assert (u.input_text_tokens, u.input_audio_tokens, u.input_cached_tokens) == (160, 80, 64)
    assert (u.output_text_tokens, u.output_audio_tokens) == (40, 70)
    assert (u.transcription_input_tokens, u.transcription_output_tokens) == (14, 5)
    records, _ = golden_ga()
    c = st.counters
    assert c.events == len(records) and sum(c.by_dir.values()) == len(records)
    assert c.by_type["input_audio_buffer.append"] == 5 and c.by_type["error"] == 3
    assert c.by_dir["meta"] == 2 and c.last_t == records[-1].t
    # content_part and .done audio events carry nothing the state keeps
    assert c.malformed == 0 and c.unhandled == 0


def test_changed_areas_per_event() -> None:
    records, m = golden_ga()
    st = SessionState(strict=True)
    changed = [st.apply(r) for r in records]
    assert changed[m["opened"]] == {"connection"}
    assert changed[m["append_0"]] == {"buffer"}
    assert changed[m["rate_error"]] == {"errors", "session"}
    assert changed[m["commit_error"]] == {"errors"}
    assert changed[m["resp1_done"]] == {"responses", "items", "usage"}
    assert changed[m["rate_limits"]] == {"rate_limits"}
    assert changed[m["tr_completed"]] == {"items", "usage"}
