"""Unit and property tests of the Textual-free SessionModel: rows, folding, filters, search."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from sessions import broken_session

from rtinspect.inspector.model import SessionModel
from rtinspect.inspector.summary import audio_label, elide_audio, summarize
from rtinspect.tap import Tapped

TYPES = [
    ("client", "input_audio_buffer.append"),
    ("server", "response.output_audio.delta"),
    ("server", "error"),
    ("server", "session.updated"),
    ("meta", "rtinspect.bookmark"),
    ("client", "response.create"),
]


def rec(i: int, k: int) -> Tapped:
    d, t = TYPES[k]
    event: dict = {"type": t}
    if t == "input_audio_buffer.append":
        event["audio"] = "AAAA" * 40
    if t == "response.output_audio.delta":
        event["delta"] = "AAAA" * 80
    return Tapped(i * 0.01, d, event)  # type: ignore[arg-type]


def rows_of(m: SessionModel) -> list[tuple[int, ...]]:
    return [tuple(int(e) for e in m.positions[slice(*m.row_span(r))]) for r in range(m.row_count)]


@settings(max_examples=60, deadline=None)
@given(
    kinds=st.lists(st.integers(0, len(TYPES) - 1), max_size=120),
    cuts=st.lists(st.integers(1, 20), max_size=30),
    hide=st.sampled_from([set(), {"server"}, {"client"}, {"meta", "client"}]),
    type_filter=st.sampled_from(["", "audio", "type:error", "e", "response.* or client", "not *append*"]),
)
def test_incremental_rows_equal_a_rebuild(kinds, cuts, hide, type_filter) -> None:
    """Live batches of any size give the same rows as indexing everything at once."""
    live = SessionModel(live=True)
    live.dirs_shown -= hide
    live.set_filter(type_filter)
    live.rebuild()
    recs = [rec(i, k) for i, k in enumerate(kinds)]
    pos = 0
    for cut in cuts + [len(recs)]:
        live.ingest(recs[pos : pos + cut])
        pos += cut
    whole = SessionModel(live.index)
    whole.dirs_shown = set(live.dirs_shown)
    whole.set_filter(type_filter)
    whole.rebuild()
    assert rows_of(live) == rows_of(whole)
    # every shown event is in exactly one row, in order
    flat = [e for row in rows_of(live) for e in row]
    assert flat == sorted(flat) and len(flat) == len(set(flat))
    for r, row in enumerate(rows_of(live)):
        assert live.row_of_event(row[-1]) == r
        if len(row) > 1:  # a folded run: audio events only, consecutive in the filtered view
            assert {live.type_of(e) for e in row} <= {"input_audio_buffer.append", "response.output_audio.delta"}


def test_runs_fold_expand_and_collapse() -> None:
    m = SessionModel(live=True)
    m.ingest([rec(i, 0) for i in range(42)] + [rec(42, 2)])
    assert m.row_count == 2
    assert m.run_label(0) == "42 x input_audio_buffer.append, 0.10 s"  # 42 x 2.5 ms
    assert m.toggle_run(0) and m.row_count == 43
    assert m.toggle_run(5) and m.row_count == 2  # any row of an expanded run folds it back
    m.fold_audio = False
    m.rebuild()
    assert m.row_count == 43


def test_errors_search_and_stats_over_a_broken_session() -> None:
    m = SessionModel(live=True)
    changed = m.ingest(broken_session())
    assert {"events", "session", "errors", "findings"} <= changed
    assert m.next_error(-1) == 2  # the rejected update, flagged by the doctor
    assert m.next_error(2) == 3 and m.next_error(39, backwards=True) == 38
    row = m.search("you said", 0)
    assert row is not None and m.type_of(m.row_event(row)) == "response.output_audio_transcript.done"
    assert m.search("no such text anywhere", 0) is None
    assert m.stats.tokens_in == 80 and m.stats.tokens_out == 40 and m.stats.cost > 0
    assert m.stats.last_latency is not None and m.time_left(now=1_900_000_000 - 60) == 60
    assert {f.code for f in m.findings} >= {"session-value-out-of-range", "commit-under-server-vad"}


def test_summaries_and_audio_elision() -> None:
    ev = rec(0, 0).event
    assert summarize("input_audio_buffer.append", ev) == "2.5 ms, 120 bytes"
    shown = elide_audio(
        {"type": "input_audio_buffer.append", "audio": "AAAA" * 480}, "input_audio_buffer.append"
    )
    assert shown["audio"] == "<audio 30.0 ms, 1440 bytes, -120 dBFS>"
    assert audio_label("!!not base64!!").startswith("<audio")
    err = {"type": "error", "error": {"code": "x", "message": "bad", "param": "session.a"}}
    assert summarize("error", err) == "x: bad [session.a]"


def test_model_imports_no_textual() -> None:
    """The model, index, summary, live controller and playback stay importable without Textual."""
    code = (
        "import sys; import rtinspect.inspector.model, rtinspect.inspector.index, rtinspect.inspector.summary, "
        "rtinspect.inspector.live, rtinspect.inspector.playback, rtinspect.inspector.loader; "
        "bad = [m for m in ('textual', 'rich') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[2]
    )
    assert out.returncode == 0, out.stdout + out.stderr
