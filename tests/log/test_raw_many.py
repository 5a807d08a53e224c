"""LogReader.raw_many: the lines of many events read a window of the file at a time are the lines
``raw`` reads one by one (a filter over a big log reads this way; see inspector/filterlang)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))

from sessions import broken_session, write_big_log, write_log  # noqa: E402

from rtinspect.inspector.loader import open_model  # noqa: E402
from rtinspect.log import LogReader  # noqa: E402


def test_raw_many_matches_raw_across_windows(tmp_path: Path) -> None:
    path = write_big_log(tmp_path / "big.jsonl", 5_000)
    with LogReader.open(path) as reader:
        reader.index_more(1 << 30)
        events = np.array(sorted({0, 1, 2, 17, 999, 1000, 2500, 4998, 4999}), dtype=np.int64)
        for window in (1, 200, 1 << 20):  # one read per event, a few events, all at once
            assert list(reader.raw_many(events, window=window)) == [reader.raw(int(i)) for i in events]
        assert list(reader.raw_many(np.zeros(0, dtype=np.int64))) == []


def test_a_replaced_search_stops(tmp_path: Path) -> None:
    model, _ = open_model(write_log(tmp_path / "s.jsonl", broken_session()))
    model.rebuild()
    assert model.search("speech_started", 0) is not None
    assert model.search("speech_started", 0, cancelled=lambda: True) is None
