"""Session configuration rules: each with a triggering session and a healthy twin."""

from __future__ import annotations

import json

from .synth import Synth, speechlike, zeros

TRANSCRIBE = {"type": "realtime", "audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe"}}}}


def _turn(s: Synth, transcript: str | None) -> None:
    s.append(zeros(200))
    s.append(speechlike(800))
    s.append(zeros(400))
    s.user_turn(transcript=transcript)


def test_transcription_off_ga_names_the_ga_field() -> None:
    s = Synth()
    _turn(s, None)
    f = s.find("transcription-not-enabled")
    assert "session.audio.input.transcription" in f.explanation
    fix = json.loads(f.fix or "")
    assert fix["session"]["audio"]["input"]["transcription"]["model"]
    assert fix["session"]["type"] == "realtime"


def test_transcription_off_beta_names_the_beta_field() -> None:
    s = Synth("beta")
    _turn(s, None)
    f = s.find("transcription-not-enabled")
    fix = json.loads(f.fix or "")
    assert fix["session"]["input_audio_transcription"] == {"model": "whisper-1"}
    assert "audio" not in fix["session"]


def test_transcription_on_is_clean() -> None:
    s = Synth()
    s.update(TRANSCRIBE)
    _turn(s, "hello")
    assert s.codes() == set()


def test_unknown_parameter_static_then_rejected() -> None:
    bad = {"type": "realtime", "audio": {"input": {"transcription": {"enabled": True, "model": "whisper-1"}}}}
    s = Synth()
    s.update(bad, accept=False)
    live = s.find("session-unknown-parameter")
    assert live.severity == "warning"  # would be rejected: no answer yet
    s.error(
        "unknown_parameter",
        "Unknown parameter: 'session.audio.input.transcription.enabled'.",
        "session.audio.input.transcription.enabled",
    )
    f = s.find("session-unknown-parameter")
    assert f.severity == "error" and f.key == live.key  # the same finding, upgraded
    assert "no 'enabled' flag" in f.explanation
    assert "transcription model 'whisper-1'" in f.explanation
    fixed = json.loads(f.fix or "")["session"]["audio"]["input"]["transcription"]
    assert fixed == {"model": "whisper-1"}


def test_did_you_mean_for_a_misspelled_field() -> None:
    s = Synth()
    s.update({"type": "realtime", "instructons": "be brief"}, accept=False)
    s.error("unknown_parameter", "Unknown parameter: 'session.instructons'.", "session.instructons")
    f = s.find("session-unknown-parameter")
    assert "Did you mean 'instructions'" in f.explanation
    assert json.loads(f.fix or "")["session"]["instructions"] == "be brief"


def test_wrong_type_and_bad_enum() -> None:
    s = Synth()
    s.update({"type": "realtime", "max_output_tokens": "lots"}, accept=False)
    s.error("invalid_type", "Invalid type for 'session.max_output_tokens'.", "session.max_output_tokens")
    s.update({"type": "realtime", "audio": {"output": {"voice": 7}}}, accept=False)
    s.error("invalid_value", "Invalid value: 'loud'.", "session.audio.output.voice")
    assert {"session-invalid-type", "session-invalid-value"} <= s.codes()


def test_rate_16000_out_of_range_says_whole_update_dropped() -> None:
    s = Synth()
    s.update(
        {
            "type": "realtime",
            "audio": {
                "input": {
                    "format": {"type": "audio/pcm", "rate": 16000},
                    "transcription": {"model": "gpt-4o-transcribe"},
                }
            },
        },
        accept=False,
    )
    s.error("integer_below_min_value", "Expected a value >= 24000", "session.audio.input.format.rate")
    f = s.find("session-value-out-of-range")
    assert "WHOLE update" in f.explanation and "gpt-4o-transcribe" in f.explanation
    fixed = json.loads(f.fix or "")["session"]["audio"]["input"]
    assert fixed["format"]["rate"] == 24000 and fixed["transcription"]["model"] == "gpt-4o-transcribe"


def test_field_of_the_other_dialect_in_ga() -> None:
    s = Synth()
    s.update(
        {"type": "realtime", "modalities": ["text", "audio"], "input_audio_format": "pcm16"}, accept=False
    )
    assert s.find("session-other-dialect-field").severity == "warning"
    s.error("unknown_parameter", "Unknown parameter: 'session.modalities'.", "session.modalities")
    f = s.find("session-other-dialect-field")
    assert f.severity == "error"
    fixed = json.loads(f.fix or "")["session"]
    assert fixed["output_modalities"] == ["audio"] and "modalities" not in fixed
    assert fixed["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}


def test_valid_updates_are_clean() -> None:
    s = Synth()
    s.update({"type": "realtime", "instructions": "hi", "audio": {"output": {"voice": "marin"}}})
    s.update(
        {"type": "realtime", "audio": {"input": {"turn_detection": {"type": "server_vad", "threshold": 0.6}}}}
    )
    assert s.codes() == set()


def test_beta_header_refused_fix_is_the_users_update_in_ga_shape() -> None:
    s = Synth("beta", created=False)
    s.recs[0].event["headers"]["OpenAI-Beta"] = "realtime=v1"
    s.client(
        "session.update",
        session={
            "modalities": ["text", "audio"],
            "voice": "verse",
            "turn_detection": {"type": "server_vad", "silence_duration_ms": 700},
            "input_audio_transcription": {"model": "whisper-1"},
        },
    )
    s.error("beta_api_shape_disabled", "The Realtime Beta API is no longer supported.")
    s.closed(4000, "invalid_request_error.beta_api_shape_disabled")
    found = s.diagnose()
    assert [f.code for f in found if f.severity != "info"] == [
        "beta-interface-retired"
    ]  # the close is not repeated
    fixed = json.loads(found[0].fix or "")["session"]
    assert fixed["type"] == "realtime"
    assert fixed["audio"]["output"]["voice"] == "verse"
    assert fixed["audio"]["input"]["turn_detection"]["silence_duration_ms"] == 700
    assert fixed["audio"]["input"]["transcription"] == {"model": "whisper-1"}


def test_beta_against_legacy_server_is_clean() -> None:
    s = Synth("beta")
    s.recs[0].event["headers"]["OpenAI-Beta"] = "realtime=v1"
    s.update({"input_audio_transcription": {"model": "whisper-1"}})
    _turn(s, "hello")
    assert s.codes() == set()


def test_default_kept_when_effective_differs_from_requested() -> None:
    s = Synth()
    held = s.merged({})
    s.update(
        {
            "type": "realtime",
            "audio": {"input": {"turn_detection": {"type": "server_vad", "silence_duration_ms": 800}}},
        },
        effective=held,
    )
    f = s.find("session-default-kept")
    assert "silence_duration_ms" in f.explanation and "800" in f.explanation


def test_default_not_flagged_when_server_holds_what_was_asked() -> None:
    s = Synth()
    s.update(
        {
            "type": "realtime",
            "audio": {"input": {"turn_detection": {"type": "server_vad", "silence_duration_ms": 800}}},
        }
    )
    assert "session-default-kept" not in s.codes()


def test_ga_update_without_session_type() -> None:
    s = Synth()
    s.update({"instructions": "be brief"}, accept=False)
    s.error("missing_required_parameter", "Missing required parameter: 'session.type'.", "session.type")
    f = s.find("session-missing-type")
    assert f.severity == "error" and json.loads(f.fix or "")["session"]["type"] == "realtime"


def test_dialect_is_detected_from_events_when_not_given() -> None:
    from rtinspect.doctor import Doctor

    for dialect, field in (
        ("ga", "session.audio.input.transcription"),
        ("beta", "session.input_audio_transcription"),
    ):
        s = Synth(dialect)
        s.recs[0].event.pop("dialect")
        s.recs[0].event.pop("headers")  # headers without the beta one would say GA (protocol.dialect)
        _turn(s, None)
        doctor = Doctor()  # as the TUI creates it: no hint
        for rec in s.recs:
            doctor.feed(rec)
        doctor.finish()
        assert doctor.dialect is not None and doctor.dialect.value == dialect
        f = next(f for f in doctor.findings if f.code == "transcription-not-enabled")
        assert field in f.explanation


def test_other_session_errors_still_say_the_update_was_dropped() -> None:
    s = Synth()
    s.update({"type": "realtime", "tools": [{"type": "function", "name": "x" * 300}]}, accept=False)
    s.error(
        "string_above_max_length",
        "Invalid 'session.tools[0].name': string too long.",
        "session.tools[0].name",
    )
    f = s.find("session-update-rejected")
    assert f.severity == "error" and "WHOLE update" in f.explanation


def test_locked_voice_fix_is_never_the_refused_change() -> None:
    """cannot_update_voice (docs/protocol.md §11): the fix moves the voice to a new session's first update and
    keeps the rest of the update; it never repeats the voice change that was refused."""
    s = Synth()
    s.user_turn("item_u1")  # assistant audio exists from here on
    upd = s.update(
        {"type": "realtime", "instructions": "be brief", "audio": {"output": {"voice": "marin"}}},
        accept=False,
    )
    s.error("cannot_update_voice", "Cannot update a conversation's voice if assistant audio is present.")
    f = s.find("session-voice-locked")
    assert f.severity == "error" and f.events[0] == upd
    assert "first session.update" in f.explanation.replace("FIRST", "first")
    events = [json.loads(block) for block in _json_blocks(f.fix or "")]
    rest, first = events
    assert rest["session"] == {"type": "realtime", "instructions": "be brief"}  # no voice in it
    assert (
        "new session" in (f.fix or "").lower() and first["session"]["audio"]["output"]["voice"] == "<voice>"
    )


def test_field_the_session_type_does_not_take_is_removed_from_the_fix() -> None:
    """unknown_parameter 'session.tools' in a transcription session: remove it (no 'Did you mean tools?')."""
    s = Synth()
    s.update(
        {
            "type": "transcription",
            "audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe"}}},
            "tools": [],
        },
        accept=False,
    )
    s.error("unknown_parameter", "Unknown parameter: 'session.tools'.", "session.tools")
    f = next(f for f in s.diagnose() if f.code == "session-unknown-parameter" and f.severity == "error")
    fix = json.loads(f.fix or "")
    assert "tools" not in fix["session"] and fix["session"]["type"] == "transcription"
    assert "Did you mean 'tools'" not in f.explanation and "remove it" in f.explanation


def _json_blocks(text: str) -> list[str]:
    """The JSON objects of a multi-event fix (``//`` lines are notes between them)."""
    blocks, cur = [], []
    for line in text.splitlines():
        if line.startswith("//"):
            if cur:
                blocks.append("\n".join(cur))
                cur = []
            continue
        cur.append(line)
        if line == "}":
            blocks.append("\n".join(cur))
            cur = []
    return blocks
