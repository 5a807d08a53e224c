"""Property tests: any bytes either open as a log (with counts) or are refused with LogFormatError."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtinspect.log import LogFormatError, LogReader, LogWriter, scrub_for_log
from rtinspect.tap import DIRECTIONS, Tapped

from .conftest import write_log

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HEADER = b'{"rtinspect_log":1,"started":"2026-01-01T00:00:00Z","url":null}\n'
ENVELOPE_BITS = [
    b'{"t":',
    b"1.5",
    b"-2e3",
    b',"dir":"',
    b"client",
    b"meta",
    b'","type":"',
    b"response.output_audio.delta",
    b'","event":',
    b'{"type":"x"}',
    b"}",
    b"\n",
    b"\\",
    b'"',
    b"\x00",
    b"\xff",
]
chunks = st.lists(st.one_of(st.sampled_from(ENVELOPE_BITS), st.binary(max_size=40)), max_size=40).map(
    b"".join
)


def _exercise(path: Path) -> None:
    """Open and read everything; only LogFormatError may escape."""
    try:
        reader = LogReader.open(path)
    except LogFormatError as exc:
        assert "\n" not in str(exc)
        return
    with reader:
        n = len(reader)
        lines = path.read_bytes().count(b"\n")
        assert n + reader.skipped <= lines
        assert len(reader.times) == len(reader.dirs) == len(reader.type_codes) == n
        for i in range(n):
            try:
                rec = reader[i]
            except LogFormatError:
                continue
            assert rec.dir == DIRECTIONS[reader.dirs[i]]
            assert isinstance(rec.event, dict)
        assert len(list(reader)) <= n
        if reader.truncated or reader.skipped:
            assert reader.warning


@SETTINGS
@given(data=st.one_of(chunks, st.binary(max_size=300), chunks.map(lambda b: HEADER + b)))
def test_any_bytes_open_or_are_refused(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "f.jsonl"
        path.write_bytes(data)
        _exercise(path)


@SETTINGS
@given(tail=chunks)
def test_bytes_appended_to_a_log_keep_its_events(tail: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "f.jsonl"
        written = write_log(path)
        with open(path, "ab") as f:
            f.write(tail)
        _exercise(path)
        with LogReader.open(path) as reader:
            assert len(reader) >= len(written)
            assert [reader[i] for i in range(len(written))] == written
            assert reader.truncated == (tail != b"" and not tail.endswith(b"\n"))


type_names = st.text(max_size=90)
records = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=1e9, allow_nan=False).map(lambda t: round(t, 6)),
        st.sampled_from(DIRECTIONS),
        type_names,
        # orjson reads integers past 64 bits back as floats; Realtime events carry none.
        st.dictionaries(
            st.text(max_size=5), st.one_of(st.integers(-(2**63), 2**64 - 1), st.text(max_size=20)), max_size=3
        ),
    ),
    max_size=30,
)


@SETTINGS
@given(recs=records)
def test_any_events_round_trip_with_their_index(recs: list[tuple[float, str, str, dict]]) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "f.jsonl"
        expected = []
        with LogWriter(path) as writer:
            for t, direction, type_, extra in recs:
                rec = Tapped(t, direction, {**extra, "type": type_})  # type: ignore[arg-type]
                writer.write(rec)
                expected.append(rec)
        with LogReader.open(path) as reader:
            assert reader.skipped == 0 and not reader.truncated
            assert reader.times.tolist() == [float(f"{r.t:.6f}") for r in expected]
            assert [DIRECTIONS[c] for c in reader.dirs] == [r.dir for r in expected]
            got = list(reader)
            assert [reader.type_names[c] for c in reader.type_codes] == [g.type for g in got]
            assert [g.event for g in got] == [scrub_for_log(r.event) for r in expected]


@SETTINGS
@given(
    sizes=st.lists(st.integers(0, 400), min_size=1, max_size=60),
    chunk=st.integers(1, 3000),
    junk=st.lists(st.integers(0, 59), max_size=3),
)
def test_chunk_boundaries_never_change_the_index(sizes: list[int], chunk: int, junk: list[int]) -> None:
    """Indexing in mapped chunks of any size and alignment (lines straddling chunk ends, lines shorter
    and longer than the scan window) gives exactly the index of a one-pass pread open."""
    from unittest import mock

    import rtinspect.log.reader as reader_mod

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "f.jsonl"
        with LogWriter(path) as writer:
            for i, size in enumerate(sizes):
                writer.write(Tapped(i * 0.5, DIRECTIONS[i % 3], {"type": f"t.{size % 5}", "p": "x" * size}))
        lines = path.read_bytes().split(b"\n")
        for j in junk:  # damage some lines (never the header)
            if j + 1 < len(lines) - 1:
                lines[j + 1] = lines[j + 1][: len(lines[j + 1]) // 2]
        path.write_bytes(b"\n".join(lines))
        with LogReader.open(path) as whole:
            expected = {k: v.tolist() for k, v in whole.columns().items()}
            names = list(whole.type_names)
            skipped = whole.skipped
        with (
            mock.patch.object(reader_mod, "CHUNK_BYTES", chunk),
            mock.patch.object(reader_mod, "MMAP_MIN", 0),  # the whole open used pread; this one maps
            LogReader.open(path) as chunked,
        ):
            got = {k: v.tolist() for k, v in chunked.columns().items()}
            assert got["types"] == expected["types"] or [chunked.type_names[c] for c in got["types"]] == [
                names[c] for c in expected["types"]
            ]
            del got["types"], expected["types"]
            assert got == expected and chunked.skipped == skipped


@SETTINGS
@given(cuts=st.lists(st.integers(0, 4000), max_size=8), tail=chunks)
def test_tailing_a_growing_file_matches_opening_it_whole(cuts: list[int], tail: bytes) -> None:
    """A live log read with refresh() after every fragment (cut anywhere, even mid-line) ends with
    the same index as one open of the finished file."""
    with tempfile.TemporaryDirectory() as d:
        src, path = Path(d) / "src.jsonl", Path(d) / "live.jsonl"
        write_log(src)
        data = src.read_bytes() + tail
        first = data.index(b"\n") + 1
        points = sorted({first, *(min(len(data), first + c) for c in cuts), len(data)})
        path.write_bytes(data[:first])
        with LogReader.open(path) as live:
            for a, b in zip(points, points[1:], strict=False):
                with open(path, "ab") as f:
                    f.write(data[a:b])
                live.refresh()
            with LogReader.open(path) as whole:
                assert {k: v.tolist() for k, v in live.columns().items() if k != "types"} == {
                    k: v.tolist() for k, v in whole.columns().items() if k != "types"
                }
                assert [live.type_names[c] for c in live.type_codes] == [
                    whole.type_names[c] for c in whole.type_codes
                ]
                assert (live.skipped, live.truncated) == (whole.skipped, whole.truncated)
