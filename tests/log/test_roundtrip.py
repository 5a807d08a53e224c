"""Writer and reader agree: what the tap produced is what the reader gives back, in order."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import orjson
import pytest

from rtinspect.log import LogReader, LogWriter
from rtinspect.tap import DIRECTIONS, Tapped

from .conftest import sample_events, write_log


def test_round_trip_through_event_tap_sink(log_path: Path) -> None:
    written = write_log(log_path)
    with LogReader.open(log_path) as reader:
        assert len(reader) == len(written)
        assert list(reader.iter_records()) == written
        assert [reader[i] for i in range(len(reader))] == written
        assert reader[-1] == written[-1]
        assert reader.warning is None and not reader.truncated and reader.skipped == 0
        assert reader.header["rtinspect_log"] == 1
        assert reader.header["dialect"] == "ga" and reader.header["model"] == "m"
        assert reader.times.tolist() == [rec.t for rec in written]
        assert [DIRECTIONS[d] for d in reader.dirs] == [rec.dir for rec in written]
        assert [reader.type_names[c] for c in reader.type_codes] == [rec.type for rec in written]
        assert list(reader.iter_records(3, 5)) == written[3:5]


def test_each_line_has_the_envelope_keys_in_order(log_path: Path) -> None:
    write_log(log_path)
    lines = log_path.read_bytes().splitlines()
    header = json.loads(lines[0])
    assert list(header)[:1] == ["rtinspect_log"]
    assert {"started", "url", "dialect", "model", "version"} <= set(header)
    for line in lines[1:]:
        assert line.startswith(b'{"t":')
        assert list(json.loads(line)) == ["t", "dir", "type", "event"]
        # The envelope is a fixed byte prefix: dir then type come right after t.
        obj = json.loads(line)
        prefix = b'{"t":%.6f,"dir":"%s","type":%s,"event":' % (
            obj["t"],
            obj["dir"].encode(),
            orjson.dumps(obj["type"]),
        )
        assert line.startswith(prefix)


def test_raw_is_the_written_line(log_path: Path) -> None:
    write_log(log_path)
    lines = log_path.read_bytes().splitlines()[1:]
    with LogReader.open(log_path) as reader:
        assert [reader.raw(i) for i in range(len(reader))] == lines
        with pytest.raises(IndexError):
            reader.raw(len(reader))


def test_filter_and_find_next(log_path: Path) -> None:
    written = write_log(log_path)
    with LogReader.open(log_path) as reader:
        appends = [i for i, r in enumerate(written) if r.type == "input_audio_buffer.append"]
        assert reader.filter(types=["input_audio_buffer.append"]).tolist() == appends
        assert reader.filter(dirs=["meta"]).tolist() == [i for i, r in enumerate(written) if r.dir == "meta"]
        resp = [i for i, r in enumerate(written) if r.type.startswith("response.")]
        assert reader.filter(type_prefix="response.").tolist() == resp
        both = [i for i, r in enumerate(written) if r.dir == "server" and r.type.startswith("response.")]
        assert reader.filter(dirs=["server"], type_prefix="response.").tolist() == both
        assert reader.filter(types=["no.such.type"]).tolist() == []
        assert reader.filter(types=["no.such.type"]).dtype == np.int64
        assert reader.find_next(0, types=["input_audio_buffer.append"]) == appends[0]
        assert reader.find_next(appends[0], types=["input_audio_buffer.append"]) == appends[1]
        assert reader.find_next(appends[1], types=["input_audio_buffer.append"]) is None
        assert reader.find_next(appends[1], types=["input_audio_buffer.append"], backward=True) == appends[0]
        with pytest.raises(Exception, match="unknown direction 'sideways'"):
            reader.filter(dirs=["sideways"])


def test_refresh_follows_a_growing_file(log_path: Path) -> None:
    writer = LogWriter(log_path)
    writer.write(Tapped(0.5, "client", {"type": "a"}))
    reader = LogReader.open(log_path)
    assert len(reader) == 1 and reader.refresh() == 0
    for k in range(5):
        writer.write(Tapped(1.0 + k, "server", {"type": f"b{k % 2}"}))
    assert reader.refresh() == 5
    assert len(reader) == 6 and reader[5] == Tapped(5.0, "server", {"type": "b0"})
    assert reader.filter(types=["b1"]).tolist() == [2, 4]
    # A partial line being written is not an event yet; once finished it is.
    with open(log_path, "ab") as f:
        f.write(b'{"t":9.000000,"dir":"meta","type":"c","event":{"type"')
    assert reader.refresh() == 0 and reader.truncated
    with open(log_path, "ab") as f:
        f.write(b':"c"}}\n')
    assert reader.refresh() == 1 and not reader.truncated and reader[-1].type == "c"
    writer.close()
    reader.close()


def test_lazy_open_indexes_progressively(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import rtinspect.log.reader as reader_mod

    path = tmp_path / "big.jsonl"
    events = sample_events() * 300
    written = write_log(path, events)
    monkeypatch.setattr(reader_mod, "FIRST_BYTES", 20_000)
    monkeypatch.setattr(reader_mod, "CHUNK_BYTES", 20_000)
    monkeypatch.setattr(reader_mod, "MMAP_MIN", 0)  # exercise the mapped path on a small file
    reader = LogReader.open(path, lazy=True)
    assert 0 < len(reader) < len(written) and not reader.complete and 0 < reader.progress < 1
    assert reader[0] == written[0]
    steps = 0
    while not reader.index_more(50_000):
        steps += 1
    assert steps > 1 and reader.progress == 1.0 and len(reader) == len(written)
    assert list(reader) == written
    reader.close()


def test_a_line_longer_than_a_chunk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import rtinspect.log.reader as reader_mod

    monkeypatch.setattr(reader_mod, "CHUNK_BYTES", 1000)
    path = tmp_path / "long.jsonl"
    events = [
        ("client", {"type": "input_audio_buffer.append", "audio": "A" * 50_000}),
        ("server", {"type": "x"}),
    ]
    written = write_log(path, events)
    with LogReader.open(path) as reader:
        assert list(reader) == written


def test_writer_refuses_after_close_and_bad_direction(log_path: Path) -> None:
    writer = LogWriter(log_path)
    with pytest.raises(ValueError):
        writer.write(Tapped(0.0, "sideways", {"type": "x"}))  # type: ignore[arg-type]
    writer.close()
    writer.close()
    with pytest.raises(ValueError, match="closed"):
        writer.write(Tapped(0.0, "client", {"type": "x"}))


def test_writer_error_is_one_user_line(tmp_path: Path) -> None:
    from rtinspect.errors import UserError

    with pytest.raises(UserError) as info:
        LogWriter(tmp_path / "no" / "such" / "dir.jsonl")
    assert "\n" not in str(info.value) and "cannot create log" in str(info.value)


def test_odd_events_are_written_as_json(log_path: Path) -> None:
    events = [("client", {"type": "t", 1: "int key", "big": 2**80, "nan": float("nan")})]
    write_log(log_path, events)
    with LogReader.open(log_path) as reader:
        event = reader[0].event
        assert event["1"] == "int key" and event["big"] == 2**80 and event["type"] == "t"


def test_times_are_kept_to_the_microsecond(log_path: Path) -> None:
    with LogWriter(log_path) as writer:
        for t in (0.0375000000001, 1234.5678915, 1e-7, 86400.25):
            writer.write(Tapped(t, "server", {"type": "x"}))
    with LogReader.open(log_path) as reader:
        assert reader.times.tolist() == [0.0375, 1234.567892, 0.0, 86400.25]


def test_reads_from_threads_while_the_index_grows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Views read from one thread while a worker indexes: pread needs no shared file position."""
    import threading

    import rtinspect.log.reader as reader_mod

    monkeypatch.setattr(reader_mod, "FIRST_BYTES", 5_000)
    monkeypatch.setattr(reader_mod, "CHUNK_BYTES", 5_000)
    path = tmp_path / "t.jsonl"
    events = [("server", {"type": f"k{i % 7}", "i": i, "pad": "x" * (i % 300)}) for i in range(3000)]
    written = write_log(path, events)
    reader = LogReader.open(path, lazy=True)
    errors: list[BaseException] = []

    def index() -> None:
        try:
            while not reader.index_more(5_000):
                pass
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def read(step: int) -> None:
        try:
            for _ in range(3):
                n = len(reader)
                for i in range(0, n, step):
                    assert reader[i] == written[i]
                    assert reader.raw(i).startswith(b'{"t":')
                assert list(reader.iter_records(0, n)) == written[:n]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=index)] + [
        threading.Thread(target=read, args=(s,)) for s in (1, 7, 13)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors[0]
    assert len(reader) == len(written) and list(reader) == written
    reader.close()


def test_index_costs_40_bytes_per_event(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    write_log(path, [("client", {"type": "a"})] * 5000)
    with LogReader.open(path) as reader:
        per_event = sum(col.itemsize for col in reader.columns().values())
        # offset 8, length 4, t 8, dir 1, type 2, audio bytes 4, payload start 4 and end 4, bare 1,
        # the payload's first 4 characters 4
        assert per_event == 40
        # Capacity is reserved from the density seen, not doubled blindly.
        assert sum(c.nbytes for c in reader._cols.values()) < 2 * 40 * len(reader) + 40 * 2048


def test_indexing_bounds_and_cache(log_path: Path) -> None:
    written = write_log(log_path)
    with LogReader.open(log_path) as reader:
        assert reader[0] is reader[0]  # cached parse
        assert reader[-len(written)] == written[0]
        for bad in (len(written), -len(written) - 1):
            with pytest.raises(IndexError):
                reader[bad]
        assert reader.type_name(3) == "input_audio_buffer.append"


def test_columns_snapshot_has_one_length(log_path: Path) -> None:
    written = write_log(log_path)
    with LogReader.open(log_path) as reader:
        cols = reader.columns()
        assert set(cols) == {
            "offsets",
            "lengths",
            "times",
            "dirs",
            "types",
            "audio_bytes",
            "audio_off",
            "audio_end",
            "bare",
            "audio_head",
        }
        assert {len(c) for c in cols.values()} == {len(written)}
        assert cols["types"].tolist() == reader.type_codes.tolist()


def test_recording_does_not_load_numpy() -> None:
    import subprocess
    import sys

    code = "import sys\nfrom rtinspect.log import LogWriter\nprint('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr
    code = "from rtinspect.log import LogReader\nprint(LogReader.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "LogReader", out.stderr
