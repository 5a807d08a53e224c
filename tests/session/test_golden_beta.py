"""A beta session (no meta header) folded field by field; same state shape as GA."""

from __future__ import annotations

import pytest

from rtinspect.protocol import Dialect
from rtinspect.session.state import SessionState, fold

from .sessions import golden_beta


@pytest.fixture(scope="module")
def folded() -> tuple[SessionState, dict[str, int]]:
    records, marks = golden_beta()
    return fold(records, SessionState(strict=True)), marks


def test_dialect_from_events(folded: tuple[SessionState, dict[str, int]]) -> None:
    st, _ = folded
    assert st.dialect is Dialect.BETA and st.connection.dialect_source == "events"
    assert st.connection.opened_pos is None and st.connection.closed is None


def test_rejected_enabled_update_tied_by_heuristic(folded: tuple[SessionState, dict[str, int]]) -> None:
    st, m = folded
    (err,) = st.errors
    assert (err.event_id, err.client_pos, err.client_type, err.matched_by) == (
        None,
        m["bad_update"],
        "session.update",
        "heuristic",
    )
    bad, good = st.session.requested_history
    assert bad.rejected and bad.error_pos == m["enabled_error"] and bad.accepted_pos is None
    assert not good.rejected and good.accepted_pos == m["updated"]
    assert st.session.effective is not None
    assert st.session.effective["input_audio_transcription"] == {"model": "whisper-1"}
    assert st.session.expires_at == 1735689600


def test_appends_keep_the_format_they_were_sent_under(folded: tuple[SessionState, dict[str, int]]) -> None:
    st, m = folded
    b = st.buffer
    assert b.format.encoding == "g711_ulaw" and b.format.bytes_per_ms == 8.0
    pcm_run, g711_run = b.runs
    assert (pcm_run.format.encoding, pcm_run.appends, pcm_run.bytes, pcm_run.ms) == ("pcm16", 1, 4800, 100.0)
    assert (g711_run.format.encoding, g711_run.appends, g711_run.bytes, g711_run.ms) == (
        "g711_ulaw",
        3,
        2400,
        300.0,
    )
    assert g711_run.first_pos == m["g711_append_0"] and g711_run.last_pos == m["last_append"]
    assert b.total_ms == 400.0 and b.total_appends == 4
    (commit,) = b.commits
    # the pcm append and both g711 appends were all pending at the commit
    assert (commit.by, commit.client_pos, commit.ms, commit.bytes, commit.chunks) == (
        "client",
        m["commit"],
        300.0,
        6400,
        3,
    )
    assert commit.transcription_enabled
    (clear,) = b.clears
    assert (clear.pos, clear.client_pos, clear.bytes, clear.ms) == (m["cleared"], m["clear"], 800, 100.0)
    assert b.pending_ms == 0.0 and b.speech == []


def test_items_transcript_failed_truncated_deleted(folded: tuple[SessionState, dict[str, int]]) -> None:
    st, m = folded
    user, bot = st.items.values()
    assert user.created_pos == m["created_1"] and user.audio_ms == 300.0
    assert user.transcript is not None and user.transcript.status == "failed"
    assert user.transcript.failed_pos == m["tr_failed"]
    assert user.transcript.error["code"] == "audio_unintelligible"
    assert (bot.role, bot.text, bot.audio_transcript, bot.previous_item_id) == (
        "assistant",
        "Sure, done.",
        "Sure",
        "item_1",
    )
    assert bot.content_types == ["text", "audio"] and bot.has_audio
    assert (bot.truncated_audio_end_ms, bot.truncated_pos) == (30, m["truncated"])
    assert bot.deleted and bot.deleted_pos == m["deleted"]
    assert m["truncated"] in bot.positions and m["deleted"] in bot.positions


def test_response_text_and_audio(folded: tuple[SessionState, dict[str, int]]) -> None:
    st, m = folded
    (r,) = st.responses.values()
    assert (r.status, r.client_pos, r.created_pos, r.done_pos) == (
        "completed",
        m["create"],
        m["resp_created"],
        m["resp_done"],
    )
    assert r.text == "Sure, done." and r.text_deltas == 2 and r.first_text_delta_pos == m["text_delta"]
    assert (r.audio_bytes, r.audio_ms, r.first_audio_delta_pos) == (2400, 50.0, m["audio_delta"])
    assert r.audio_transcript == "Sure"
    assert st.usage.responses == 1 and st.usage.total_tokens == 50
    assert st.counters.unhandled == 0 and st.counters.malformed == 0
