"""Numbers that appear in two places come from one function: the disagreements issue 10 measured.

- A G.711 run's duration is the same in the event list (row and run summaries), the Buffer panel's
  numbers (``state.buffer``) and the doctor's words. The list used a fixed 48 bytes/ms, so ten
  100 ms G.711 appends read 0.17 s there and 1000 ms in the panel.
- The status bar's cost equals the doctor's usage finding for a gpt-realtime-mini response (the status
  bar priced everything as gpt-realtime: $0.0808 against the finding's $0.0246).
"""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from rtinspect.inspector.model import SessionModel
from rtinspect.protocol import Dialect
from rtinspect.protocol.session import default_session
from rtinspect.session.usage import cost_of
from rtinspect.tap import Tapped


def _session(model: str = "gpt-realtime", **input_: Any) -> dict[str, Any]:
    sess = default_session(Dialect.GA, model=model)
    sess["audio"]["input"].update(input_)
    return sess


def _g711_run(ms_each: int, n: int = 10) -> list[Tapped]:
    """session.created (pcmu, VAD off), then ``n`` appends of ``ms_each`` ms of G.711, then a commit."""
    sess = _session(format={"type": "audio/pcmu"}, turn_detection=None)
    chunk = base64.b64encode(bytes([0xFF]) * (8 * ms_each)).decode()  # 8 bytes a ms at 8 kHz
    recs = [
        Tapped(0.0, "meta", {"type": "rtinspect.connection.opened", "dialect": "ga"}),
        Tapped(0.01, "server", {"type": "session.created", "event_id": "e0", "session": sess}),
    ]
    recs += [
        Tapped(0.1 + i * ms_each / 1000, "client", {"type": "input_audio_buffer.append", "audio": chunk})
        for i in range(n)
    ]
    recs.append(Tapped(0.2 + n * ms_each / 1000, "client", {"type": "input_audio_buffer.commit"}))
    return recs


def _run_row(m: SessionModel) -> int:
    return next(r for r in range(m.row_count) if m.type_of(m.row_event(r)) == "input_audio_buffer.append")


@pytest.mark.parametrize(("ms_each", "total_ms"), [(100, 1000.0), (5, 50.0)])
def test_a_g711_run_has_one_duration_in_the_list_the_buffer_panel_and_the_doctor(
    ms_each: int, total_ms: float
) -> None:
    m = SessionModel(live=True)
    m.ingest(_g711_run(ms_each))
    row = _run_row(m)
    # the list: the folded run, and one append's own row summary
    assert m.run_label(row) == f"10 x input_audio_buffer.append, {total_ms / 1000:.2f} s"
    first = m.row_event(row)
    assert m.summary(first).startswith(f"{float(ms_each):.1f} ms, {8 * ms_each} bytes")
    # the Buffer panel's numbers
    b = m.fold.state.buffer
    assert b.format.encoding == "g711_ulaw"
    assert b.total_ms == pytest.approx(total_ms) and b.pending_ms == pytest.approx(total_ms)
    # the doctor: a too-small commit names the buffer's duration in the same milliseconds
    small = [f for f in m.findings if f.code == "commit-too-small"]
    if total_ms < 100:
        (finding,) = small
        assert f"held {total_ms:.0f} ms" in finding.explanation
    else:
        assert not small, "1000 ms of G.711 is no small commit (at 48 bytes/ms it would read 167 ms)"


def _usage_finding_cost(m: SessionModel) -> float:
    (finding,) = [f for f in m.findings if f.code == "usage-cost"]
    match = re.search(r"~\$(\d+\.\d+)", finding.title)
    assert match is not None, finding.title
    return float(match.group(1))


def test_the_status_bar_cost_equals_the_usage_finding_for_gpt_realtime_mini() -> None:
    usage = {
        "total_tokens": 2300,
        "input_tokens": 1500,
        "output_tokens": 800,
        "input_token_details": {"text_tokens": 300, "audio_tokens": 1200, "cached_tokens": 0},
        "output_token_details": {"text_tokens": 100, "audio_tokens": 700},
    }
    sess = _session("gpt-realtime-mini")
    recs = [
        Tapped(0.0, "meta", {"type": "rtinspect.connection.opened", "dialect": "ga"}),
        Tapped(0.01, "server", {"type": "session.created", "event_id": "e0", "session": sess}),
        Tapped(0.2, "client", {"type": "response.create"}),
        Tapped(
            0.3, "server", {"type": "response.created", "response": {"id": "resp_1", "status": "in_progress"}}
        ),
        Tapped(
            1.0,
            "server",
            {"type": "response.done", "response": {"id": "resp_1", "status": "completed", "usage": usage}},
        ),
    ]
    m = SessionModel(live=True)
    m.ingest(recs)
    mini, full = cost_of(usage, "gpt-realtime-mini"), cost_of(usage, "gpt-realtime")
    assert mini < full / 3  # the two tables really differ: the test can tell them apart
    assert m.stats.cost == pytest.approx(mini)
    assert m.fold.state.usage.priced_as == "gpt-realtime-mini"
    assert _usage_finding_cost(m) == pytest.approx(round(m.stats.cost, 4), abs=1e-9)


def test_an_error_without_event_id_rejects_the_oldest_update_still_waiting() -> None:
    """Two updates sent back to back, the first refused: the server answers in order (§14), so the
    error is the first one's and the second's ``session.updated`` accepts the second."""
    from rtinspect.session.errors import error_cause
    from rtinspect.session.state import SessionState, fold

    bad = {"type": "realtime", "audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}}}
    good = {"type": "realtime", "instructions": "be brief"}
    err = {
        "type": "invalid_request_error",
        "code": "integer_below_min_value",
        "param": "session.audio.input.format.rate",
        "message": "Invalid 'session.audio.input.format.rate': integer below minimum value.",
        "event_id": None,
    }
    recs = [
        Tapped(0.0, "server", {"type": "session.created", "session": _session()}),
        Tapped(0.1, "client", {"type": "session.update", "session": bad}),
        Tapped(0.2, "client", {"type": "session.update", "session": good}),
    ]
    st = fold(recs, SessionState(strict=True))
    cause = error_cause(st, err)
    assert cause is not None and (cause.pos, cause.type, cause.matched_by) == (
        1,
        "session.update",
        "heuristic",
    )
    fold([Tapped(0.3, "server", {"type": "error", "error": err})], st)
    fold([Tapped(0.4, "server", {"type": "session.updated", "session": _session()})], st)
    first, second = st.session.requested_history
    assert (first.rejected, first.error_pos, first.accepted_pos) == (True, 3, None)
    assert (second.rejected, second.accepted_pos) == (False, 4)
    assert st.errors[0].client_pos == 1


def test_turn_latency_is_one_figure_for_the_status_bar_and_the_turns() -> None:
    """End of speech at 1.0 s, first audio at 1.45 s: the status bar says 0.45 s, from session.turns."""
    delta = base64.b64encode(bytes(4800)).decode()
    recs = [
        Tapped(0.0, "server", {"type": "session.created", "session": _session()}),
        Tapped(
            0.5,
            "server",
            {"type": "input_audio_buffer.speech_started", "audio_start_ms": 100, "item_id": "i1"},
        ),
        Tapped(
            1.0, "server", {"type": "input_audio_buffer.speech_stopped", "audio_end_ms": 900, "item_id": "i1"}
        ),
        Tapped(
            1.05,
            "server",
            {"type": "input_audio_buffer.committed", "item_id": "i1", "previous_item_id": None},
        ),
        Tapped(
            1.1, "server", {"type": "response.created", "response": {"id": "r1", "status": "in_progress"}}
        ),
        Tapped(
            1.45,
            "server",
            {"type": "response.output_audio.delta", "response_id": "r1", "item_id": "o1", "delta": delta},
        ),
        Tapped(1.9, "server", {"type": "response.done", "response": {"id": "r1", "status": "completed"}}),
    ]
    m = SessionModel(live=True)
    m.ingest(recs)
    (turn,) = m.fold.state.turns
    assert (turn.input_end_by, turn.stopped_t, turn.item_id, turn.response.id) == ("vad", 1.0, "i1", "r1")
    assert turn.latency == pytest.approx(0.45)
    assert m.stats.last_latency == pytest.approx(0.45)


def test_sends_turn_report_reads_the_fold_from_its_start() -> None:
    """``send``'s per-file report is a view of the one fold: events before ``start`` (an earlier file)
    are not reported, and G.711 output audio reads in its own format (it read bytes / 48000)."""
    from rtinspect.transport.turns import Turn, render_turn

    sess = _session()
    sess["audio"]["output"]["format"] = {"type": "audio/pcmu"}
    half_second = base64.b64encode(bytes(4000)).decode()  # 0.5 s at 8 kHz, 1 byte a sample
    recs = [
        Tapped(0.0, "server", {"type": "session.created", "session": sess}),
        Tapped(
            0.5, "server", {"type": "response.created", "response": {"id": "old", "status": "in_progress"}}
        ),
        Tapped(0.6, "server", {"type": "response.done", "response": {"id": "old", "status": "completed"}}),
        Tapped(
            1.0,
            "server",
            {"type": "input_audio_buffer.speech_started", "audio_start_ms": 300, "item_id": "i1"},
        ),
        Tapped(
            2.0,
            "server",
            {"type": "input_audio_buffer.speech_stopped", "audio_end_ms": 1300, "item_id": "i1"},
        ),
        Tapped(
            2.1, "server", {"type": "input_audio_buffer.committed", "item_id": "i1", "previous_item_id": None}
        ),
        Tapped(
            2.2, "server", {"type": "response.created", "response": {"id": "r1", "status": "in_progress"}}
        ),
        Tapped(
            2.3, "server", {"type": "response.output_audio.delta", "response_id": "r1", "delta": half_second}
        ),
        Tapped(
            2.4,
            "server",
            {"type": "response.output_audio_transcript.delta", "response_id": "r1", "delta": "hi"},
        ),
        Tapped(2.9, "server", {"type": "response.done", "response": {"id": "r1", "status": "completed"}}),
    ]
    turn = Turn(start=3)
    for r in recs:
        turn.fold(r)
    assert turn.speech == [(300, 1300)] and list(turn.committed) == ["i1"]
    assert list(turn.responses) == ["r1"] and turn.responses["r1"].audio_ms == pytest.approx(500.0)
    assert turn.finished(expect_response=True, expect_commit=True, transcribing=False)
    lines = render_turn(turn, transcribing=False)
    assert any('"hi"' in line and "0.50 s audio" in line for line in lines), lines
