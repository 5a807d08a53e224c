"""`rtinspect doctor --verify`: each finding's fix is applied to the session's client events, re-run
against the embedded server over a real socket, and the re-run diagnosed again."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from rtinspect.cli import main
from rtinspect.doctor import diagnose
from rtinspect.doctor.verify import verify
from rtinspect.exchange.logio import read_log

REC = Path(__file__).resolve().parents[2] / "recordings"
# every fixable finding of these broken recordings must clear; the audio ones say why they cannot
EXPECTED = {
    "ga-commit-under-vad": {"commit-under-server-vad": "cleared"},
    "ga-manual-no-response": {"commit-without-response": "cleared"},
    "ga-response-while-active": {"response-already-active": "cleared", "cancel-not-active": "cleared"},
    "beta-header-rejected": {"beta-interface-retired": "cleared"},
    "ga-transcription-enabled": {
        "session-unknown-parameter": "cleared",
        "transcription-not-enabled": "cleared",
    },
    "ga-wav-header": {"container-bytes-in-pcm": "not-verifiable"},
    "ga-voice-locked": {"session-voice-locked": "cleared"},
}


def test_verify_clears_the_fixable_findings_of_broken_recordings(capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(REC / f"{name}.jsonl") for name in EXPECTED]
    code = main(["doctor", "--verify", "--json", "--no-info", "--jobs", "1", *paths])
    out = json.loads(capsys.readouterr().out)
    assert code == 1  # the findings are still in the ORIGINAL sessions
    for log in out["logs"]:
        name = Path(log["path"]).stem
        got = {f["code"]: f["verified"]["result"] for f in log["findings"]}
        assert got == EXPECTED[name], (name, [f["verified"] for f in log["findings"]])
        assert log["verify"]["client_events"] > 0
    import jsonschema

    schema = json.loads((REC.parent / "docs" / "doctor.schema.json").read_text())
    jsonschema.validate(out, schema)


def test_a_fix_that_does_not_work_is_reported_not_cleared() -> None:
    """The verdict can fail: the original (refused) update offered as the 'fix' does not clear it."""
    log = read_log(REC / "ga-rate-16000.jsonl")
    (f,) = [f for f in diagnose(log.records, "ga") if f.code == "session-value-out-of-range"]
    refused = json.dumps(log.records[f.events[0]].event)  # rate 16000 again
    verdicts = verify(log, [replace(f, fix=refused)])
    assert verdicts[f.ident].result == "not-cleared"
    assert verify(log, [f])[f.ident].result == "cleared"
