"""Unit tests of the state at a point (no Textual): a point reached from a checkpoint, from the
current point or from the start is the same as a fresh fold; checkpoints stay within budget."""

from __future__ import annotations

from pathlib import Path

from sessions import broken_session, write_log

from rtinspect.inspector.loader import open_model
from rtinspect.inspector.pointfold import Checkpoints, PointFold, fold_log, point_at


def facts(point: PointFold) -> tuple:
    s = point.state
    return (
        s.session.effective_pos,
        s.session.last_update.pos if s.session.last_update else None,
        s.session.last_update_rejected,
        s.buffer.pending_chunks,
        round(s.buffer.total_ms, 3),
        len(s.buffer.commits),
        tuple(sorted(s.responses)),
        tuple(f.code for f in point.findings),
        len(point.levels),
    )


def test_points_from_checkpoints_current_and_start_match_a_fresh_fold(tmp_path: Path) -> None:
    model, reader = open_model(write_log(tmp_path / "b.jsonl", broken_session()))
    reader.index_more(1 << 30)
    model.index.refresh_columns()
    model.checkpoints = Checkpoints(every=7)
    n = len(model.index)
    reports = list(fold_log(model.index, model.checkpoints))
    assert reports[-1].done and reports[-1].fold.upto == n
    assert model.checkpoints.positions() == list(range(7, n + 1, 7))
    expected = []
    for upto in range(n + 1):
        fresh = PointFold.fresh()
        fresh.advance(model.index, upto)
        expected.append(facts(fresh))
    assert expected[0] != expected[-1] and len(set(expected)) > 10  # the points do differ
    current = None
    for upto in [*range(n + 1), *range(n, -1, -3), 13, 40, 2]:  # forward, backward, jumps
        point = point_at(model.index, upto, model.checkpoints, current)
        assert point is not None and point.upto == upto
        assert facts(point) == expected[upto], upto
        current = point
    # the current point given as a base is copied, never changed
    before = facts(current)
    point_at(model.index, n, model.checkpoints, current)
    assert facts(current) == before


def test_cancelled_fold_returns_none(tmp_path: Path) -> None:
    model, _ = open_model(write_log(tmp_path / "b.jsonl", broken_session()))
    assert point_at(model.index, 40, Checkpoints(), None, cancelled=lambda: True) is None


def test_checkpoints_thin_out_to_stay_within_budget() -> None:
    cps = Checkpoints(every=10, budget=1000)
    for upto in range(10, 1001, 10):
        if cps.due(upto):
            cps.add(upto, b"x" * 100)
    assert cps.size <= 1000 and len(cps) >= 5
    at = cps.positions()
    assert all(p % cps.every == 0 for p in at) and at == sorted(at)
    assert cps.best(5) is None and cps.best(999)[0] == at[-1]


def test_a_log_fold_hands_the_ui_copies_until_it_is_done(tmp_path: Path) -> None:
    """The worker folds on a fold of its own: every report before the last is a copy that later
    folding never changes (the UI reads it without a lock); the last is the finished fold."""
    model, reader = open_model(write_log(tmp_path / "b.jsonl", broken_session()))
    reader.index_more(1 << 30)
    model.index.refresh_columns()
    n = len(model.index)
    cps = Checkpoints(every=5)
    kept: list[tuple[PointFold, tuple]] = []
    ticks = iter(range(10**6))
    for report in fold_log(model.index, cps, report_every_s=0.5, clock=lambda: next(ticks)):
        kept.append((report.fold, facts(report.fold)))
    folds = [f for f, _ in kept]
    assert len(folds) > 3 and len({id(f) for f in folds}) == len(folds)
    assert [f.upto for f in folds] == sorted(f.upto for f in folds) and folds[-1].upto == n
    for fold, seen in kept:  # no report's fold changed after it was handed over
        assert facts(fold) == seen
    plain = point_at(model.index, n, Checkpoints())
    assert plain is not None and facts(folds[-1])[:-2] == facts(plain)[:-2]  # the same state
    # the finished fold also ran the whole-session rules; adopting it is what the UI does
    assert {f.code for f in folds[-1].findings} >= {f.code for f in plain.findings}
    model.adopt(report)
    assert model.fold is folds[-1] and model.findings == folds[-1].findings
