"""Healthy sessions cut short must stay healthy: a partial log is the usual input after a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from rtinspect.doctor import diagnose
from rtinspect.log import LogReader

RECORDINGS = Path(__file__).resolve().parents[2] / "recordings"


@pytest.mark.parametrize("name", ["healthy-ga.jsonl", "healthy-beta.jsonl"])
@pytest.mark.parametrize("cut", [12_000, 30_000, 60_000])
def test_truncated_healthy_session_has_no_audio_format_error(name: str, cut: int, tmp_path: Path) -> None:
    data = (RECORDINGS / name).read_bytes()[:cut]
    log = tmp_path / "cut.jsonl"
    log.write_bytes(data)
    with LogReader.open(log) as reader:
        findings = diagnose(reader.iter_records())
    codes = {f.code for f in findings if f.severity in ("error", "warning")}
    assert not codes & {"g711-pcm16-mismatch", "stereo-as-mono", "audio-pitch-out-of-range"}, codes
