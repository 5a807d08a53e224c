"""An audio line the log reader cannot measure from its bytes (an escaped character in its payload) gets
its payload length from the lines of its type that were measured, not from one guess for every type:
an append and an output delta (ids and obfuscation around the payload) hold different amounts besides it."""

from __future__ import annotations

import base64
from pathlib import Path

from rtinspect.inspector.index import ReaderIndex
from rtinspect.log import LogReader, LogWriter
from rtinspect.tap import Tapped

AUDIO = base64.b64encode(bytes(range(256)) * 4).decode()


def test_unmeasured_audio_lines_take_their_types_measured_overhead(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    delta = {"type": "response.output_audio.delta", "response_id": "resp_1", "item_id": "item_1", "output_index": 0, "content_index": 0, "delta": AUDIO, "obfuscation": "abcdef"}  # fmt: skip
    with LogWriter(path, url="ws://h/v1/realtime") as writer:
        writer.write(Tapped(0.0, "server", {"type": "session.created", "session": {}}))
        for i in range(5):
            writer.write(Tapped(0.1 * i, "client", {"type": "input_audio_buffer.append", "audio": AUDIO}))
            writer.write(Tapped(0.1 * i, "server", delta))
    lines = path.read_text().splitlines()
    with path.open("a") as f:  # the same payloads with an escaped first character ("\/" is "/")
        f.write(lines[2].replace('"audio":"' + AUDIO[:2], '"audio":"\\/') + "\n")
        f.write(lines[3].replace('"delta":"' + AUDIO[:2], '"delta":"\\/') + "\n")
    with LogReader.open(path) as reader:
        measured = (reader.columns()["audio_bytes"] >= 0).tolist()
        assert measured[-2:] == [False, False] and all(measured[1:-2])
        sizes = ReaderIndex(reader).sizes.tolist()
    assert sizes[0] == 0  # not audio
    assert sizes[1:] == [len(AUDIO)] * 12
