"""`rtinspect doctor` over the sessions recorded from the embedded server (recordings/*.jsonl):
each broken one is named with its fix, the healthy ones stay silent; exit codes and --json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rtinspect.cli import main
from rtinspect.doctor import Doctor, diagnose
from rtinspect.log import LogReader
from rtinspect.protocol import Dialect
from rtinspect.protocol.validate import validate_client_event

REC = Path(__file__).resolve().parents[2] / "recordings"
BROKEN: dict[str, set[str]] = {
    "ga-no-transcription": {"transcription-not-enabled"},
    "ga-rate-16000": {"session-value-out-of-range", "audio-rate-mismatch", "transcription-not-enabled"},
    "ga-commit-under-vad": {"commit-under-server-vad"},
    "beta-header-rejected": {"beta-interface-retired"},
    "ga-transcription-enabled": {"session-unknown-parameter", "transcription-not-enabled"},
    "ga-manual-no-response": {"commit-without-response"},
    "ga-wav-header": {"container-bytes-in-pcm"},
    "ga-response-while-active": {"response-already-active", "cancel-not-active"},
    "ga-truncate-beyond-audio": {"truncate-beyond-audio"},
    "ga-16k-fast": {"audio-rate-mismatch"},  # from rtinspect's own audio.started meta
    "ga-16k-fast-app": {"audio-rate-mismatch"},  # no meta: from the audio itself
    "ga-commit-under-vad-accepted": {"commit-under-server-vad"},  # the manual commit succeeded
    "ga-voice-locked": {"session-voice-locked"},
    "ga-keepalive-1011": {"keepalive-timeout"},  # the embedded server's dropped_connection fault
    "ga-transcript-empty": {"transcript-empty"},  # a committed second of room noise
    "ga-transcribe-model-as-session": {"transcription-model-as-session-model"},  # ?model=gpt-4o-transcribe
    "ga-barge-in-no-truncate": {"barge-in-without-truncate"},  # the user spoke over the reply
    "ga-tool-loop": {"tool-call-loop"},  # the server script's repeat: 12 (a model that loops)
    # the app took the preamble for the answer: its next turn's response.create came while the answer ran
    "ga-preamble-first-item-only": {"multiple-assistant-messages", "response-already-active"},
    "ga-echo-self-interruption": {"echo-self-interruption"},  # the microphone hears the speaker
    # the embedded server's faults on the healthy client (twin: healthy-ga)
    "ga-rate-limited": {"response-failed"},  # the live shape: response.done failed, rate_limit_exceeded
    "ga-server-error": {"server-error", "response-failed"},
    "ga-max-output-tokens": {"response-incomplete"},
    "ga-transcription-failed": {"transcription-failed"},
    "ga-session-expired": {"session-expired", "connection-closed"},  # error, then close 1001
    # client mistakes (twins: healthy-ga, ga-push-to-talk, ga-tool-once)
    "ga-audio-clipped": {"audio-clipped"},
    "ga-silent-microphone": {"audio-silent"},
    "ga-commit-too-small": {"commit-too-small"},
    "ga-function-call-unanswered": {"function-call-unanswered"},
    "ga-function-output-without-response": {"function-output-without-response"},  # twin: ga-tool-once
    "ga-commit-empty": {"commit-empty"},  # twin: ga-push-to-talk
    # a first session.update with one mistake, refused (twin: healthy-ga's update)
    "ga-session-invalid-type": {"session-invalid-type"},
    "ga-session-invalid-value": {"session-invalid-value"},
    "ga-session-missing-type": {"session-missing-type"},
    "ga-session-beta-field": {"session-other-dialect-field"},
    "ga-unknown-client-event": {"invalid-client-event"},  # response.start
    # refused at connect time: the error, then the close (twin: any healthy session)
    "ga-invalid-model": {"invalid-model", "connection-closed"},
    "ga-no-api-key": {"authentication-missing", "connection-closed"},
    # the user's audio (twin: healthy-ga)
    "ga-quiet-microphone": {"audio-too-quiet"},  # 40 dB down: server VAD never hears it
    "ga-no-trailing-silence": {"no-trailing-silence"},  # a clip streamed and cut at its end
    "ga-odd-byte-count": {"odd-byte-count"},  # 1921-byte appends
    "ga-stereo-as-mono": {"stereo-as-mono"},
    "ga-audio-before-format-update": {"audio-before-format-update"},  # mu-law sent before saying so
    # mu-law bytes in a pcm16 session: the server hears noise, and no silence at the end
    "ga-g711-sent-as-pcm16": {"g711-pcm16-mismatch", "no-trailing-silence"},
}
HEALTHY = [
    "healthy-ga",
    "healthy-beta",
    "ga-16k-fast-resampled",
    "healthy-ga-fast",
    "ga-voice-first",
    "ga-push-to-talk",  # twin of ga-transcript-empty
    "ga-transcribe-model-in-transcription",  # twin of ga-transcribe-model-as-session
    "ga-barge-in-truncate",  # twin of ga-barge-in-no-truncate
    "ga-tool-once",  # twin of ga-tool-loop
    "ga-preamble-whole-response",  # twin of ga-preamble-first-item-only (info: assistant-preamble)
    "ga-echo-headphones",  # twin of ga-echo-self-interruption
]
# What each broken recording's finding points at: the types of the events it names, in order.
EVENTS: dict[tuple[str, str], list[str]] = {
    ("ga-transcript-empty", "transcript-empty"): ["conversation.item.input_audio_transcription.completed"],
    ("ga-transcribe-model-as-session", "transcription-model-as-session-model"): [
        "rtinspect.connection.opened",
        "error",
        "rtinspect.connection.closed",
    ],
    ("ga-barge-in-no-truncate", "barge-in-without-truncate"): ["response.done"],
    ("ga-tool-loop", "tool-call-loop"): ["response.function_call_arguments.done"] * 12,
    ("ga-preamble-first-item-only", "multiple-assistant-messages"): [
        "response.output_item.done",
        "conversation.item.create",  # the typed follow-up, sent as the preamble ended
        "response.done",
    ],
    ("ga-echo-self-interruption", "echo-self-interruption"): ["input_audio_buffer.speech_started"] * 2,
}
# Findings the doctor explains without a pasteable fix: failures of the server or the account, which the
# client can only retry or reconnect after, the microphone's own level, and refusals at connect time or of
# an unknown event type (the explanation names the change: a model, a key, the event's spelling).
NO_FIX = {
    "invalid-model",
    "authentication-missing",
    "invalid-client-event",
    "response-failed",
    "server-error",
    "session-expired",
    "connection-closed",
    "transcription-failed",
    "audio-clipped",
    "audio-silent",
}
SESSION_FIXES = {
    "transcription-not-enabled",
    "session-value-out-of-range",
    "session-unknown-parameter",
    "beta-interface-retired",
}


def _doctor_json(capsys: pytest.CaptureFixture[str], *paths: str) -> tuple[int, dict]:
    code = main(["doctor", "--json", "--jobs", "1", *paths])
    return code, json.loads(capsys.readouterr().out)


def test_every_recording_is_covered() -> None:
    assert {p.stem for p in REC.glob("*.jsonl")} == set(BROKEN) | set(HEALTHY)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_recording_names_cause_and_fix(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _doctor_json(capsys, str(REC / f"{name}.jsonl"))
    (log,) = out["logs"]
    found = {f["code"]: f for f in log["findings"] if f["severity"] != "info"}
    assert set(found) == BROKEN[name]
    for f in found.values():
        assert f["fix"] or f["code"] in NO_FIX, f"{f['code']} has no fix"
        assert f["explanation"]
        assert f["events"], f"{f['code']} points at no event"
        if f["code"] in SESSION_FIXES:  # a pasteable session.update that the GA server accepts
            fix = json.loads(f["fix"])
            dialect = (
                Dialect.BETA
                if log["dialect"] == "beta" and f["code"] != "beta-interface-retired"
                else Dialect.GA
            )
            assert validate_client_event(fix, dialect) == [], f["fix"]
    assert code == (1 if any(f["severity"] == "error" for f in found.values()) else 0)


# Rule codes no recording here shows, each with why, and the test file whose generated (tests/doctor/synth.py)
# sessions cover it with a healthy twin. "live only": the embedded server cannot produce it; "not recorded
# yet": it could be, and this list is the to-do.
NOT_RECORDED: dict[str, tuple[str, str]] = {
    "authentication-failed": (
        "live only: the embedded server never checks a key's value",
        "test_connection_info",
    ),
    "quota-exceeded": (
        "live only: billing (the server's fault only imitates the shape)",
        "test_connection_info",
    ),
    # an error event with code rate_limit_exceeded; the server's fault fails the response instead (the live
    # shape, docs/protocol.md §16), which ga-rate-limited records as response-failed
    "rate-limited": ("not recorded as an error event", "test_connection_info"),
    "session-expiring": (
        "live only in practice: a warning minutes before a 60-minute limit",
        "test_connection_info",
    ),
    "malformed-events": ("not in a recording: the tap writes only events it could read", "test_robustness"),
    "transport-error": ("not on loopback: a network or TLS failure of the transport", "test_connection_info"),
    "speech-never-stopped": (
        "not recorded yet: it takes 15 s of unbroken speech, a large file",
        "test_flow_rules",
    ),
    "function-outputs-separate-responses": (
        "not recorded yet: the embedded server makes one call per response, never parallel calls",
        "test_flow_rules",
    ),
    "audio-pitch-out-of-range": ("not recorded yet", "test_audio_rules"),
    "session-default-kept": ("not recorded yet", "test_session_rules"),
    "session-update-rejected": ("not recorded yet", "test_session_rules"),
}


def _rule_codes() -> set[str]:
    """Every finding code the doctor has: the list in rtinspect.doctor's docstring, checked against the
    rules' source (each literal code given to Finding, and the connection rules' table, must be listed)."""
    import ast
    import re

    import rtinspect.doctor as doctor
    from rtinspect.doctor import connection_rules

    doc = doctor.__doc__ or ""
    listed: set[str] = set()
    for family in re.split(r"\n- ", doc[doc.index("their finding codes") :])[1:]:
        names = re.sub(r"\([^)]*\)", "", family.partition(":")[2].replace("\n", " "))
        for part in filter(None, (p.strip() for p in names.split(","))):
            head, *alts = (a.strip() for a in part.split("/"))  # response-failed/-incomplete
            listed |= {head, *(head.rsplit("-", 1)[0] + a for a in alts)}
    in_source = {dcode for dcode, _, _ in connection_rules._KNOWN.values()}
    for path in Path(doctor.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "Finding"
                and len(node.args) > 1
            ) and isinstance(node.args[1], ast.Constant):
                in_source.add(node.args[1].value)
    assert in_source <= listed, f"codes missing from rtinspect/doctor/__init__.py: {in_source - listed}"
    return listed


def test_every_rule_code_is_shown_by_a_recording_or_says_why_not(capsys: pytest.CaptureFixture[str]) -> None:
    """The guard of issue 12's Done-when: a rule code is in a broken recording's findings (info codes: any
    recording's), or in NOT_RECORDED with its reason and a test file of generated twins that names it."""
    codes = _rule_codes()
    main(["doctor", "--json", "--jobs", "1", str(REC)])
    shown: set[str] = set()
    for log in json.loads(capsys.readouterr().out)["logs"]:
        broken = Path(log["path"]).stem in BROKEN
        shown |= {f["code"] for f in log["findings"] if broken or f["severity"] == "info"}
    missing = codes - shown - set(NOT_RECORDED)
    assert not missing, (
        f"rule codes with no recording in recordings/ and no reason in NOT_RECORDED: {missing}"
    )
    stale = set(NOT_RECORDED) & shown
    assert not stale, f"recorded now, drop them from NOT_RECORDED: {stale}"
    assert set(NOT_RECORDED) <= codes, set(NOT_RECORDED) - codes
    for code, (_, test_file) in NOT_RECORDED.items():
        assert f'"{code}"' in (Path(__file__).parent / f"{test_file}.py").read_text(), (code, test_file)


def _records(name: str) -> list:
    with LogReader.open(REC / f"{name}.jsonl") as reader:
        return list(reader.iter_records())


@pytest.mark.parametrize(("name", "code"), sorted(EVENTS))
def test_finding_points_at_the_events_that_show_it(name: str, code: str) -> None:
    records = _records(name)
    (finding,) = [f for f in diagnose(records, records[0].event.get("dialect")) if f.code == code]
    assert [records[p].type for p in finding.events] == EVENTS[(name, code)]
    if code == "transcript-empty":
        assert all(records[p].event["transcript"] == "" for p in finding.events)
    if code == "transcription-model-as-session-model":
        opened, error, closed = (records[p].event for p in finding.events)
        assert opened["model"] == "gpt-4o-transcribe" and error["error"]["code"] == "invalid_model"
        assert closed["code"] == 4000
    if code == "barge-in-without-truncate":
        (done,) = (records[p].event["response"] for p in finding.events)
        assert done["status"] == "cancelled" and done["status_details"]["reason"] == "turn_detected"
        assert not any(r.type == "conversation.item.truncate" for r in records)
    if code == "tool-call-loop":
        calls = {(records[p].event["name"], records[p].event["arguments"]) for p in finding.events}
        assert calls == {("get_weather", '{"city": "Paris"}')}
        assert finding.title == "get_weather called 12 times with the same arguments"
    if code == "multiple-assistant-messages":
        item_done, _, done = (records[p].event for p in finding.events)
        assert item_done["item"]["role"] == "assistant" and item_done["output_index"] == 0
        assert [o["type"] for o in done["response"]["output"]] == ["message", "message"]
        assert item_done["response_id"] == done["response"]["id"]
    if code == "echo-self-interruption":  # each within 1.5 s of the reply's first audio delta
        for p in finding.events:
            before = [r for r in records[:p] if r.type == "response.output_audio.delta"]
            assert before and records[p].t - before[-1].t < 1.5


def test_twins_differ_from_their_broken_session_only_where_they_should() -> None:
    """The tool twin calls once and answers with the output; the preamble twin gets the same two-message
    responses (noted as info) and sends its next turn after response.done; the headphones twin hears no
    speech but the user's."""
    once = _records("ga-tool-once")
    assert sum(r.type == "response.function_call_arguments.done" for r in once) == 1
    preamble = [
        f for f in diagnose(_records("ga-preamble-whole-response"), "ga") if f.code == "assistant-preamble"
    ]
    assert len(preamble) == 2 and {f.severity for f in preamble} == {"info"}
    headphones = _records("ga-echo-headphones")
    assert sum(r.type == "input_audio_buffer.speech_started" for r in headphones) == 1


def test_barge_in_twin_truncates_the_cut_reply_inside_its_audio() -> None:
    """The healthy twin cut the same way, and truncated that item at a played position the server took."""
    records = _records("ga-barge-in-truncate")
    (done,) = [
        r.event["response"]
        for r in records
        if r.type == "response.done" and r.event["response"]["status"] == "cancelled"
    ]
    (truncate,) = [r.event for r in records if r.type == "conversation.item.truncate"]
    assert truncate["item_id"] == done["output"][0]["id"] and truncate["audio_end_ms"] > 0
    assert any(r.type == "conversation.item.truncated" for r in records)
    assert not any(r.type == "error" for r in records)


@pytest.mark.parametrize("name", HEALTHY)
def test_healthy_recording_is_silent(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _doctor_json(capsys, str(REC / f"{name}.jsonl"))
    assert code == 0
    assert [f["code"] for f in out["logs"][0]["findings"] if f["severity"] != "info"] == []
    assert "turn-latency" in {f["code"] for f in out["logs"][0]["findings"]}


def test_readable_report_of_a_folder_in_parallel(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["doctor", "--jobs", "2", str(REC)])
    text = capsys.readouterr().out
    assert code == 1
    for name in [*BROKEN, *HEALTHY]:
        assert f"{name}.jsonl" in text
    assert "ERROR    commit-under-server-vad" in text and "fix:" in text
    assert text.count("no problems found") == len(HEALTHY)


SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "doctor.schema.json"


def test_json_output_matches_the_documented_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/doctor.schema.json documents --json: every recording's real output (and an unusable file's)
    validates against it, and a finding with a field the schema does not know would not."""
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    bad = tmp_path / "notes.jsonl"
    bad.write_text("hello\n")
    main(["doctor", "--json", "--jobs", "1", str(REC), str(bad)])
    out = json.loads(capsys.readouterr().out)
    jsonschema.validate(out, schema)
    logs = {Path(log["path"]).stem: log for log in out["logs"]}
    assert "error" in logs["notes"] and len(logs) == len(BROKEN) + len(HEALTHY) + 1
    log = logs["ga-rate-16000"]
    assert log["dialect"] == "ga" and log["note"] is None and log["events"] > 100
    severities = [f["severity"] for f in log["findings"]]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    log["findings"][0]["surprise"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(out, schema)


def test_unusable_input_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", str(tmp_path / "missing.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err
    text = tmp_path / "notes.jsonl"
    text.write_text("hello\n")
    assert main(["doctor", str(text)]) == 2
    err = capsys.readouterr().err
    assert "not an rtinspect log" in err and len(err.strip().splitlines()) == 1
    assert main(["doctor", str(tmp_path)]) == 2  # a folder with no logs (notes.jsonl is one, but unusable)


def test_truncated_log_is_diagnosed_with_a_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = (REC / "ga-manual-no-response.jsonl").read_bytes()
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(data[: len(data) - 200])  # the writer died mid-line
    code, out = _doctor_json(capsys, str(cut))
    (log,) = out["logs"]
    assert "incomplete" in (log["note"] or "")
    assert "commit-without-response" in {f["code"] for f in log["findings"]}
    assert code == 1


def test_cli_subprocess_exit_status() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "rtinspect",
            "doctor",
            str(REC / "healthy-ga.jsonl"),
            str(REC / "ga-commit-under-vad.jsonl"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1, run.stderr
    assert "commit-under-server-vad" in run.stdout and "Traceback" not in run.stderr


@pytest.mark.parametrize("name", sorted([*BROKEN, *HEALTHY]))
def test_live_incremental_equals_diagnose(name: str) -> None:
    with LogReader.open(REC / f"{name}.jsonl") as reader:
        records = list(reader.iter_records())
        dialect = reader.header.get("dialect")
    doctor = Doctor(dialect)
    latest = {}
    for rec in records:
        for f in doctor.feed(rec):
            latest[f.ident] = f
    for f in doctor.finish():
        latest[f.ident] = f
    offline = diagnose(records, dialect)
    assert doctor.findings == offline
    assert sorted(latest.values(), key=lambda f: f.sort_key()) == offline
