"""The compare view's logic without a UI, on the recordings: alignment by the fold's turns, the
replay comparer's differences, and the first event where a broken session leaves a healthy one."""

from __future__ import annotations

from pathlib import Path

import pytest

from rtinspect.cli import main
from rtinspect.inspector.compare import compare_logs

REC = Path(__file__).resolve().parents[2] / "recordings"
BROKEN, HEALTHY = REC / "ga-rate-16000.jsonl", REC / "healthy-ga.jsonl"


def test_rate_16000_diverges_at_its_session_update_and_is_aligned_by_turn() -> None:
    c = compare_logs(BROKEN, HEALTHY)
    assert c.turns == 1 and c.scanned and c.done  # two small logs: compared at once
    page = c.page(1, rows=10**9)
    assert page.turns == [1, 0]
    first = page.pairs[page.divergence]
    assert first is c.divergence_pair() and c.first_divergence == (1, page.divergence)
    # both sent a session.update first; the broken one asked for 16 kHz: that is where they part
    assert (first.left.first, first.left.type) == (1, "session.update")
    assert (first.right.first, first.right.type) == (1, "session.update")
    assert first.status == "differ" and all(p.status == "same" for p in page.pairs[: page.divergence])
    # the server's answers across from each other: an error where the healthy one was updated
    answer = page.pairs[page.divergence + 2]
    assert (answer.left.type, answer.right.type) == ("error", "session.updated")
    # turn 1 ends at each session's response.done (the fold's turn model), then the tail
    turn1 = [p for p in page.pairs if p.turn == 1]
    assert (turn1[-1].left.type, turn1[-1].left.first) == ("response.done", 113)
    assert (turn1[-1].right.type, turn1[-1].right.first) == ("response.done", 120)
    assert page.headers == [0, len(turn1)]
    # interleaved appends and output deltas fold into one row per type within a stretch
    deltas = next(p.left for p in turn1 if p.left and p.left.type == "response.output_audio.delta")
    assert deltas.count == 16
    areas = {d.area for d in c.differences}
    assert {"errors", "session", "transcripts"} <= areas
    assert any("integer_below_min_value" in d.message for d in c.differences if d.area == "errors")
    # the healthy transcript is what the broken session lacks, worded with these names
    assert any("of the healthy are missing" in d.message for d in c.differences)


def test_a_session_against_itself_has_no_divergence() -> None:
    c = compare_logs(HEALTHY, HEALTHY)
    assert c.first_divergence is None and c.differences == [] and c.differing == []
    assert all(p.status == "same" for p in c.page(1, rows=10**9).pairs)


def test_compare_with_a_missing_log_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["open", str(BROKEN), "--compare", str(tmp_path / "nope.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "nope.jsonl: no such file" in err and err.count("\n") == 1 and "Traceback" not in err
