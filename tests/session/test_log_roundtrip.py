"""Positions in the state are indices in the log reader: fold a session written and read back."""

from __future__ import annotations

from pathlib import Path

from rtinspect.log import LogReader, LogWriter
from rtinspect.protocol import Dialect
from rtinspect.session.state import SessionState, fold

from .sessions import golden_beta, golden_ga


def test_positions_point_at_the_same_events_in_the_log(tmp_path: Path) -> None:
    records, marks = golden_ga()
    path = tmp_path / "s.jsonl"
    with LogWriter(path, dialect="ga", model="gpt-realtime") as writer:
        for rec in records:
            writer.write(rec)
    with LogReader.open(path) as reader:
        st = fold(reader.iter_records(), SessionState(strict=True))
        assert st.counters.events == len(reader) == len(records)
        for err in st.errors:
            assert reader[err.pos].type == "error"
            assert err.client_pos is not None and reader[err.client_pos].type == err.client_type
        for resp in st.responses.values():
            assert resp.created_pos is not None and reader[resp.created_pos].type == "response.created"
            assert resp.done_pos is not None and reader[resp.done_pos].type == "response.done"
        item = st.items["item_A"]
        assert item.transcript is not None and item.transcript.completed_pos == marks["tr_completed"]
        assert reader[marks["tr_completed"]].event["transcript"] == "Hi there."


def test_header_dialect_hint(tmp_path: Path) -> None:
    records, _ = golden_beta()
    path = tmp_path / "b.jsonl"
    with LogWriter(path, dialect="beta") as writer:
        for rec in records:
            writer.write(rec)
    with LogReader.open(path) as reader:
        st = fold(reader.iter_records(), SessionState(dialect=reader.header.get("dialect")))
    assert st.dialect is Dialect.BETA and st.connection.dialect_source == "hint"
    assert st.session.requested_history[0].rejected
