"""`rtinspect doctor --verify`: each finding's fix is applied to the session's client events, re-run
against the embedded server over a real socket, and the re-run diagnosed again; a control re-run
without the fix must show the finding, or the verdict says the re-run cannot prove it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from rtinspect.cli import main
from rtinspect.doctor import diagnose
from rtinspect.doctor.verify import AUDIO_CODES, OUTSIDE_CODES, READING_CODES, verify, verify_many
from rtinspect.exchange.logio import read_log

REC = Path(__file__).resolve().parents[2] / "recordings"
# every fixable finding of these broken recordings must clear; the audio ones say why they cannot
EXPECTED = {
    "ga-commit-under-vad": {"commit-under-server-vad": "cleared"},
    "ga-commit-under-vad-accepted": {"commit-under-server-vad": "cleared"},
    "ga-manual-no-response": {"commit-without-response": "cleared"},
    "ga-response-while-active": {"response-already-active": "cleared", "cancel-not-active": "cleared"},
    "beta-header-rejected": {"beta-interface-retired": "cleared"},
    "ga-no-transcription": {"transcription-not-enabled": "cleared"},
    "ga-transcription-enabled": {
        "session-unknown-parameter": "cleared",
        "transcription-not-enabled": "cleared",
    },
    "ga-rate-16000": {
        "session-value-out-of-range": "cleared",
        "transcription-not-enabled": "cleared",
        "audio-rate-mismatch": "not-verifiable",
    },
    "ga-wav-header": {"container-bytes-in-pcm": "not-verifiable"},
    "ga-voice-locked": {"session-voice-locked": "cleared"},
    "ga-keepalive-1011": {"keepalive-timeout": "not-verifiable"},
    "ga-truncate-beyond-audio": {"truncate-beyond-audio": "cleared"},
    "ga-transcribe-model-as-session": {"transcription-model-as-session-model": "cleared"},
    "ga-transcript-empty": {"transcript-empty": "not-verifiable"},
    "ga-echo-self-interruption": {"echo-self-interruption": "not-verifiable"},
    "ga-commit-too-small": {"commit-too-small": "cleared"},
    "ga-commit-empty": {"commit-empty": "cleared"},
    "ga-audio-before-format-update": {"audio-before-format-update": "not-verifiable"},
    "ga-session-invalid-type": {"session-invalid-type": "cleared"},  # the fix once repeated instructions: 42
    "ga-session-invalid-value": {"session-invalid-value": "cleared"},
    "ga-unknown-client-event": {"invalid-client-event": "cleared"},
    "ga-function-output-without-response": {"function-output-without-response": "cleared"},
    # refused at connect: no client event to re-send
    "ga-invalid-model": {"invalid-model": "not-verifiable", "connection-closed": "not-verifiable"},
    "ga-function-call-unanswered": {"function-call-unanswered": "cleared"},
    # a response VAD created: the fix's response.create has no counterpart among the client's events
    "ga-max-output-tokens": {"response-incomplete": "not-verifiable"},
    # the model's own behaviour (recorded with a server script): unscripted, a re-run cannot show it
    "ga-tool-loop": {"tool-call-loop": "not-verifiable"},
    "ga-preamble-first-item-only": {
        "response-already-active": "not-verifiable",
        "multiple-assistant-messages": "not-verifiable",
    },
}
# the scripts those were recorded with (recordings/make_recordings.py): with them, the fixes clear
SCRIPTS = {
    "ga-tool-loop": {
        "rules": [{"call": {"name": "get_weather", "arguments": {"city": "Paris"}}, "repeat": 12}]
    },
    "ga-preamble-first-item-only": {"rules": [{"preamble": "Let me check that."}]},
}
# A barge-in needs the user to speak while the reply plays: the embedded server's reply lasts as long
# as its recognizer takes (it waits up to 1 s for the words), so the control shows the barge-in only
# when the recognizer is as slow as it was when recorded. Never not-cleared, though.
TIMING_BOUND = {"barge-in-without-truncate"}
# Fixes a re-run cannot show, each for its own reason (the verdict says it).
NOT_RERUNNABLE = set(AUDIO_CODES) | set(OUTSIDE_CODES) | set(READING_CODES)


def test_verify_recordings_clears_every_fixable_finding(capsys: pytest.CaptureFixture[str]) -> None:
    """The whole recordings/ folder in one run (re-runs in parallel on one embedded server): every
    finding a re-run can show is cleared, the others say why not; stderr stays empty; the output
    is the documented --json."""
    code = main(["doctor", "--verify", "--json", "--no-info", str(REC)])
    captured = capsys.readouterr()
    assert captured.err == ""
    out = json.loads(captured.out)
    assert code == 1  # the findings are still in the ORIGINAL sessions
    seen = set()
    for log in out["logs"]:
        name = Path(log["path"]).stem
        got = {f["code"]: f["verified"]["result"] for f in log["findings"] if f["status"] == "open"}
        for f in log["findings"]:
            if f["status"] != "open":
                continue
            verdict = f["verified"]
            if name in SCRIPTS and f["code"] not in NOT_RERUNNABLE:
                assert "--script" in verdict["detail"], (name, verdict)  # says how to re-run it
            if name in EXPECTED and f["code"] in EXPECTED[name]:
                want = EXPECTED[name][f["code"]]
            else:
                want = "not-verifiable" if f["code"] in NOT_RERUNNABLE else "cleared"
            if f["code"] in TIMING_BOUND:  # the control shows it only when the server is as slow as it was
                assert verdict["result"] in ("cleared", "not-verifiable"), (name, verdict)
                continue
            assert verdict["result"] == want, (name, f["code"], verdict)
            assert verdict["detail"]
        if name in EXPECTED:
            seen.add(name)
            assert got == EXPECTED[name], (name, [f["verified"] for f in log["findings"]])
            assert log["verify"]["client_events"] > 0 or "cleared" not in got.values()
    assert seen == set(EXPECTED)
    import jsonschema

    schema = json.loads((REC.parent / "docs" / "doctor.schema.json").read_text())
    jsonschema.validate(out, schema)


def test_a_fix_that_does_not_work_is_reported_not_cleared() -> None:
    """The verdict can fail: the original (refused) update offered as the 'fix' does not clear it."""
    log = read_log(REC / "ga-rate-16000.jsonl")
    (f,) = [f for f in diagnose(log.records, "ga") if f.code == "session-value-out-of-range"]
    refused = replace(f, fix=json.dumps(log.records[f.events[0]].event), key="refused")  # rate 16000 again
    verdicts = verify(log, [f, refused])
    assert verdicts[refused.ident].result == "not-cleared"
    assert verdicts[f.ident].result == "cleared"


def test_a_finding_the_rerun_does_not_reproduce_is_not_verifiable() -> None:
    """The control re-run: sent all at once, the voice change lands before the first response, so
    even WITHOUT the fix the server takes it; a cleared verdict would be a pretence."""
    log = read_log(REC / "ga-voice-locked.jsonl")
    findings = [f for f in diagnose(log.records, "ga") if f.code == "session-voice-locked"]
    (verdicts,) = verify_many([(log, findings)], causal=False)
    (verdict,) = verdicts.values()
    assert verdict.result == "not-verifiable"
    assert "WITHOUT the fix" in verdict.detail


def test_with_the_model_scripted_a_tool_loop_and_a_preamble_clash_are_verified(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A tool loop and a preamble are the model's doing: re-run with the script the embedded server
    plays for it, the control shows them and the fixes (no tools for the next response; no second
    response.create while the answer after the preamble plays) clear them."""
    import jsonschema

    for name, script in SCRIPTS.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(script))
        main(["doctor", "--verify", "--json", "--no-info", "--script", str(path), str(REC / f"{name}.jsonl")])
        captured = capsys.readouterr()
        assert captured.err == ""
        out = json.loads(captured.out)
        jsonschema.validate(out, json.loads((REC.parent / "docs" / "doctor.schema.json").read_text()))
        (log,) = out["logs"]
        assert log["verify"]["script"] == str(path)
        got = {f["code"]: f["verified"]["result"] for f in log["findings"]}
        want = {c: "not-verifiable" if c in READING_CODES else "cleared" for c in EXPECTED[name]}
        assert got == want, (name, [f["verified"] for f in log["findings"]])
