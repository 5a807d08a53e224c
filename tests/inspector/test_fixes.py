"""A finding's fix as events: a single session.update, or a sequence with // notes between."""

from __future__ import annotations

import json
from pathlib import Path

from rtinspect.doctor.finding import Finding, pretty, pretty_events
from rtinspect.inspector.fixes import fix_events, fix_path, save_fix


def test_fix_events_reads_one_event_or_a_sequence() -> None:
    update = {"type": "session.update", "session": {"type": "realtime"}}
    assert fix_events(pretty(update)) == [update]
    seq = pretty_events([{"type": "input_audio_buffer.commit"}, "wait for committed", {"type": "response.create"}])
    assert fix_events(seq) == [{"type": "input_audio_buffer.commit"}, {"type": "response.create"}]
    assert fix_events("resample to 24 kHz before appending") == []


def test_save_fix_beside_the_log(tmp_path: Path) -> None:
    log = tmp_path / "broken.jsonl"
    update = {"type": "session.update", "session": {"audio": {"input": {"format": {"rate": 24000}}}}}
    finding = Finding("error", "session-value-out-of-range", "t", "e", (1,), pretty(update), key="k/1")
    path = save_fix(log, finding)
    assert path == fix_path(log, finding) and path.parent == tmp_path
    assert path.name == "broken.fix-session-value-out-of-range-k_1.json"
    assert json.loads(path.read_text()) == update
