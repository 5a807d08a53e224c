"""The one alignment of two sessions (``replay.align``): properties of the row alignment, the
window that keeps a long turn linear, and the turns cut where the fold's turns end."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtinspect.log.reader import LogReader
from rtinspect.replay import align as align_mod
from rtinspect.replay.align import (
    VIEW,
    Row,
    align,
    first_divergence,
    indexed,
    opcodes,
    rows_of,
    segments,
)
from rtinspect.session.state import fold

REC = Path(__file__).resolve().parents[2] / "recordings"
WINDOWS = st.sampled_from([2, 3, 8, 1000])


def _rows(signatures: list[str]) -> list[Row]:
    return [Row(i, i, "server", s, s) for i, s in enumerate(signatures)]


def _covers(pairs: list, left: list[Row], right: list[Row]) -> None:
    """Every row of each side shows exactly once, in order."""
    assert [p.left for p in pairs if p.left is not None] == left
    assert [p.right for p in pairs if p.right is not None] == right


sigs = st.lists(st.sampled_from("abcde"), max_size=60)
unique = st.lists(st.integers(0, 10_000), max_size=60, unique=True).map(lambda xs: [f"e{x}" for x in xs])


@given(sigs, WINDOWS)
def test_a_sequence_aligned_with_itself_has_no_difference(seq: list[str], window: int) -> None:
    a, b = _rows(seq), _rows(seq)
    pairs = align(a, b, 1, window)
    assert all(p.status == "same" for p in pairs) and first_divergence(pairs) is None
    _covers(pairs, a, b)


@given(unique, st.data(), WINDOWS)
def test_one_inserted_event_is_one_difference_at_its_place(
    seq: list[str], data: st.DataObject, window: int
) -> None:
    at = data.draw(st.integers(0, len(seq)))
    a = _rows(seq)
    b = _rows([*seq[:at], "inserted", *seq[at:]])
    pairs = align(a, b, 1, window)
    differing = [i for i, p in enumerate(pairs) if p.status != "same"]
    assert differing == [at]
    assert pairs[at].left is None and pairs[at].right is b[at] and pairs[at].status == "only"
    assert first_divergence(pairs) == at
    _covers(pairs, a, b)


@given(unique.filter(bool), st.data(), WINDOWS)
def test_one_removed_event_is_one_difference_at_its_place(
    seq: list[str], data: st.DataObject, window: int
) -> None:
    at = data.draw(st.integers(0, len(seq) - 1))
    a, b = _rows(seq), _rows([*seq[:at], *seq[at + 1 :]])
    pairs = align(a, b, 1, window)
    assert [i for i, p in enumerate(pairs) if p.status != "same"] == [at]
    assert pairs[at].left is a[at] and pairs[at].right is None
    _covers(pairs, a, b)


@given(sigs, sigs, WINDOWS)
def test_the_first_divergence_is_the_first_unequal_row(x: list[str], y: list[str], window: int) -> None:
    a, b = _rows(x), _rows(y)
    pairs = align(a, b, 1, window)
    _covers(pairs, a, b)
    first = first_divergence(pairs)
    same = [p for p in pairs if p.status == "same"]
    assert all(p.left.signature == p.right.signature for p in same)  # type: ignore[union-attr]
    if first is None:
        assert x == y
    else:
        # everything before it is equal on both sides, and it is not
        assert all(p.status == "same" for p in pairs[:first])
        p = pairs[first]
        assert p.left is None or p.right is None or p.left.signature != p.right.signature
        # nothing aligns a longer common prefix than the one before the divergence
        common = next((k for k, (u, v) in enumerate(zip(x, y, strict=False)) if u != v), min(len(x), len(y)))
        assert first <= common


@settings(max_examples=30)
@given(sigs, sigs)
def test_short_turns_are_aligned_exactly_as_difflib_does(x: list[str], y: list[str]) -> None:
    assert opcodes(x, y) == difflib.SequenceMatcher(None, x, y, autojunk=False).get_opcodes()


def test_a_long_turn_never_shows_difflib_more_than_a_window(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, int]] = []
    real = difflib.SequenceMatcher

    def spy(isjunk: None, a: list[str], b: list[str], autojunk: bool) -> difflib.SequenceMatcher[str]:
        seen.append((len(a), len(b)))
        return real(isjunk, a, b, autojunk=autojunk)

    monkeypatch.setattr(align_mod.difflib, "SequenceMatcher", spy)
    x = [f"e{k % 7}" for k in range(20_000)]
    y = x[:12_345] + ["new"] + x[12_345:]
    pairs = align(_rows(x), _rows(y), 1, window=200)
    assert max(max(s) for s in seen) <= 200 and len(seen) < 2 * 20_000 / 100 + 2
    assert [i for i, p in enumerate(pairs) if p.status != "same"] == [12_345]


@pytest.mark.parametrize(
    "name", ["healthy-ga.jsonl", "ga-rate-16000.jsonl", "ga-response-while-active.jsonl"]
)
def test_turns_end_at_each_turns_response_done_and_rebuild_alone(name: str) -> None:
    reader = LogReader.open(REC / name)
    try:
        segs = list(segments(indexed(reader)))
        turns = fold(reader.iter_fold()).turns
        ended = [t for t in turns if t.response.done_pos is not None]
        assert [s.turn for s in segs] == [*range(1, len(ended) + 1), 0]
        assert [s.stop - 1 for s in segs[:-1]] == sorted(t.response.done_pos for t in ended)  # type: ignore[misc]
        assert segs[-1].stop == len(reader) and segs[0].start == 0
        for s in segs[:-1]:
            assert s.rows[-1].type == "response.done"
        for a, b in zip(segs, segs[1:], strict=False):
            assert a.stop == b.start
        # a turn's rows rebuilt from its range alone are the rows of the streaming pass
        for s in segs:
            assert rows_of(reader, s.start, s.stop, VIEW) == s.rows
    finally:
        reader.close()
