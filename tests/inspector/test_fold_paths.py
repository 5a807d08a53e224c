"""The envelope path (``LogReader.iter_fold``: audio in runs, payloads unread) folds every recording
exactly as a full parse of every line does: the session fold alone, and the TUI's background fold
(state, doctor, findings, flagged events, input levels), which reads only the payloads it shows."""

from __future__ import annotations

import base64
import math
from pathlib import Path

import pytest

from rtinspect.doctor import Doctor
from rtinspect.inspector import pointfold
from rtinspect.inspector.loader import open_model
from rtinspect.inspector.pointfold import Checkpoints, PointFold, fold_log, point_at
from rtinspect.log import LogReader, LogWriter
from rtinspect.session.state import SessionState, fold
from rtinspect.tap import AudioRun, Tapped

RECORDINGS = sorted((Path(__file__).resolve().parents[2] / "recordings").glob("*.jsonl"))


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.name)
def test_the_session_fold_of_runs_equals_a_full_parse(path: Path) -> None:
    with LogReader.open(path) as reader:
        dialect = reader.header.get("dialect")
        whole = fold(reader.iter_records(), SessionState(dialect=dialect))
        runs = fold(reader.iter_fold(), SessionState(dialect=dialect))
    assert whole.counters.events > 0
    assert vars(runs) == vars(whole)


def _whole(path: Path, *, finish: bool = True) -> PointFold:
    """The fold a live session does: every record parsed, its level measured on arrival."""
    live = PointFold.fresh()
    with LogReader.open(path) as reader:
        for rec in reader.iter_records():
            live.apply(rec)
    if finish:
        live.finish()
    return live


def _folded(path: Path) -> tuple[PointFold, Checkpoints, object]:
    model, reader = open_model(path)
    while not reader.index_more():
        pass
    model.index.refresh_columns()
    cps = Checkpoints(every=16)
    reports = list(fold_log(model.index, cps))
    assert reports[-1].done
    return reports[-1].fold, cps, model.index


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.name)
def test_the_tui_fold_of_a_log_equals_a_full_parse(path: Path) -> None:
    whole = _whole(path)
    got, cps, index = _folded(path)
    assert vars(got.state) == vars(whole.state)
    assert got.findings == whole.findings
    assert got.flagged == whole.flagged
    assert got.levels == whole.levels
    # a point stepped to from a checkpoint (pickled with the rules' unread payloads) agrees too
    unfinished = _whole(path, finish=False)
    point = point_at(index, len(index), cps)
    assert point is not None and vars(point.state) == vars(unfinished.state)
    assert point.findings == unfinished.findings and point.levels == unfinished.levels
    assert point.doctor.finish() == unfinished.doctor.finish()  # the rules' state, tails read back


def test_the_tui_fold_reads_only_the_payloads_it_shows(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Of a log's audio, the TUI's fold reads the payloads of the last ``LEVELS_KEPT`` appends
    (the level sparkline) and those the doctor's audio checks read in ``rtinspect doctor`` too."""
    path = tmp_path / "long.jsonl"
    tone = base64.b64encode(
        b"".join(int(3000 * math.sin(k / 7)).to_bytes(2, "little", signed=True) for k in range(960))
    )
    with LogWriter(path, dialect="ga") as writer:
        writer.write(Tapped(0.0, "meta", {"type": "rtinspect.connection.opened", "dialect": "ga"}))
        for k in range(600):  # 12 s of speech-like appends, more than the doctor's audio checks read
            writer.write(
                Tapped(k * 0.02, "client", {"type": "input_audio_buffer.append", "audio": tone.decode()})
            )
    monkeypatch.setattr(pointfold, "LEVELS_KEPT", 5)
    model, reader = open_model(path)
    while not reader.index_more():
        pass
    model.index.refresh_columns()
    reads: list[int] = []
    raw = LogReader.raw
    monkeypatch.setattr(LogReader, "raw", lambda self, i: reads.append(int(i)) or raw(self, i))
    doctor = Doctor(reader.header.get("dialect"))
    for item in reader.iter_fold():
        doctor.feed_run(item) if isinstance(item, AudioRun) else doctor.feed(item)
    doctor.finish()
    by_doctor = set(reads)
    reads.clear()
    final = list(fold_log(model.index, Checkpoints(every=10**9)))[-1].fold
    appends = list(final.state.buffer.append_pos)
    assert len(appends) > 20 and len(by_doctor) < len(appends) - 5
    assert set(reads) == by_doctor | set(appends[-5:])
    assert len(final.levels) == 5
