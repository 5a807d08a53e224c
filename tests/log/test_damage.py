"""Damaged and foreign files: a killed writer's log reads to its last whole event; non-logs are refused."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rtinspect.log import LogFormatError, LogReader
from rtinspect.tap import Tapped

from .conftest import write_log


def test_cut_anywhere_in_the_last_line(tmp_path: Path) -> None:
    full = tmp_path / "full.jsonl"
    written = write_log(full)
    data = full.read_bytes()
    last_start = data.rstrip(b"\n").rfind(b"\n") + 1
    cut = tmp_path / "cut.jsonl"
    for end in range(last_start, len(data) + 1):
        cut.write_bytes(data[:end])
        with LogReader.open(cut) as reader:
            whole = len(written) if end == len(data) else len(written) - 1
            assert len(reader) == whole, end
            assert reader.truncated == (last_start < end < len(data))
            assert reader.skipped == 0
            if reader.truncated:
                assert reader.warning == (
                    f"last line is incomplete (the writer stopped mid-event); {whole} whole events read"
                )
            else:
                assert reader.warning is None
            assert list(reader) == written[:whole]


def test_malformed_line_in_the_middle_is_skipped_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    written = write_log(path)
    lines = path.read_bytes().split(b"\n")
    lines.insert(3, b'{"t":oops,"dir":"client"')
    lines.insert(5, b"\x00\xff binary junk \x80")
    lines.insert(6, b'{"t":1.0,"dir":"client","type":"x","event":{"broken": }')  # envelope fine, JSON not
    path.write_bytes(b"\n".join(lines))
    with LogReader.open(path) as reader:
        assert reader.skipped == 2
        assert len(reader) == len(written) + 1
        with pytest.raises(LogFormatError, match="damaged"):
            reader[3]
        assert list(reader) == written
        assert "2 malformed line(s) skipped" in (reader.warning or "")
        assert "1 event(s) with damaged JSON" in (reader.warning or "")
        with pytest.raises(LogFormatError):
            list(reader.iter_records(skip_damaged=False))


def test_lines_in_another_key_order_or_spacing_are_still_read(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    write_log(path, [("client", {"type": "a"})])
    with open(path, "ab") as f:
        f.write(b'{"dir": "server", "event": {"type": "b"}, "t": 2.5, "type": "b"}\n')
        f.write(b'{"t":3,"dir":"meta","type":"c\\"q","event":{"type":"c\\"q"}}\n')
    with LogReader.open(path) as reader:
        assert reader.skipped == 0
        assert [reader[i] for i in range(3)][1:] == [
            Tapped(2.5, "server", {"type": "b"}),
            Tapped(3.0, "meta", {"type": 'c"q'}),
        ]
        assert reader.type_names[reader.type_codes[2]] == 'c"q'


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty, not an rtinspect log"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "is not an rtinspect log"),
        (b'{"hello": "world"}\n{"t":1}\n', "is not an rtinspect log"),
        (b"[1, 2, 3]\n", "is not an rtinspect log"),
        (b'{"rtinspect_log": "1"}\n', "is not an rtinspect log"),
        (b'{"rtinspect_log": 99}\n', "newer rtinspect (log format 99"),
        (b'{"rtinspect_log": 1, "star', "only part of a log header"),
        (b"plain text\n", "is not an rtinspect log"),
    ],
)
def test_refuses_what_is_not_a_log(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "f.jsonl"
    path.write_bytes(content)
    with pytest.raises(LogFormatError) as info:
        LogReader.open(path)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_refuses_directory_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LogFormatError, match="is a directory"):
        LogReader.open(tmp_path)
    with pytest.raises(LogFormatError, match="no such file"):
        LogReader.open(tmp_path / "missing.jsonl")


def test_header_only_log_is_empty_not_broken(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    write_log(path, [])
    with LogReader.open(path) as reader:
        assert len(reader) == 0 and reader.warning is None and list(reader) == []
        assert reader.filter(dirs=["client"]).tolist() == []


CHILD = """
import sys
from rtinspect.log import LogWriter
from rtinspect.tap import Tapped
w = LogWriter(sys.argv[1], url="wss://x/?model=m")
payload = "QUJD" * 700
i = 0
while True:
    w.write(Tapped(i / 1000, "client", {"type": "input_audio_buffer.append", "audio": payload, "n": i}))
    i += 1
    if i == 200:
        print("ready", flush=True)
"""


def test_sigkill_mid_session_leaves_a_readable_log(tmp_path: Path) -> None:
    path = tmp_path / "killed.jsonl"
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
    time.sleep(0.05)  # let it write on; not a timing assertion
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with LogReader.open(path) as reader:
        n = len(reader)
        assert n >= 200 and reader.skipped == 0
        records = list(reader)
        assert [r.event["n"] for r in records] == list(range(n))
        data = path.read_bytes()
        assert reader.truncated == (not data.endswith(b"\n"))
        # Every byte before the last newline belongs to a whole event.
        assert data.count(b"\n") == n + 1
