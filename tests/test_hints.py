"""Fixes that rtinspect prints must be accepted as they are: a pasted hint that the server rejects is worse than none."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest

from rtinspect.cli import main
from rtinspect.protocol import Dialect
from rtinspect.protocol.validate import validate_client_event

WAV = Path(__file__).resolve().parents[1] / "recordings" / "hello_24k_mono.wav"


@pytest.mark.parametrize("dialect", ["ga", "beta"])
def test_send_transcription_hint_is_a_valid_session_update(
    dialect: str, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["send", str(WAV), "--fast", "--dialect", dialect])
    out = capsys.readouterr().out
    match = re.search(r"send session\.update (\{.*\}) \(or --transcribe\)", out)
    assert match, out
    event = {"type": "session.update", "session": orjson.loads(match.group(1))}
    assert validate_client_event(event, Dialect(dialect)) == []
