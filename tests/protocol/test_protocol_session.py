"""Session defaults match live session.created, updates merge as the server does, accessors hide dialects."""

from __future__ import annotations

import pytest

from rtinspect.protocol import Dialect
from rtinspect.protocol.session import (
    G711_ALAW,
    G711_ULAW,
    PCM16,
    AudioFormat,
    default_session,
    get_setting,
    input_format,
    merge_session_update,
    output_format,
    transcription_config,
    turn_detection,
)
from rtinspect.protocol.validate import validate_client_event, validate_server_event

GA, BETA = Dialect.GA, Dialect.BETA


def test_ga_default_session_has_the_live_shape() -> None:
    s = default_session(GA, model="gpt-realtime", session_id="sess_1", expires_at=123)
    assert (s["type"], s["object"], s["id"], s["model"]) == (
        "realtime",
        "realtime.session",
        "sess_1",
        "gpt-realtime",
    )
    assert s["output_modalities"] == ["audio"]
    assert s["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert s["audio"]["input"]["transcription"] is None
    assert s["audio"]["input"]["noise_reduction"] is None
    assert s["audio"]["input"]["turn_detection"] == {
        "type": "server_vad",
        "threshold": 0.5,
        "prefix_padding_ms": 300,
        "silence_duration_ms": 200,
        "idle_timeout_ms": None,
        "create_response": True,
        "interrupt_response": True,
    }
    assert s["audio"]["output"] == {
        "format": {"type": "audio/pcm", "rate": 24000},
        "voice": "alloy",
        "speed": 1,
    }
    assert (s["tools"], s["tool_choice"], s["max_output_tokens"]) == ([], "auto", "inf")
    assert (s["tracing"], s["prompt"], s["include"], s["expires_at"]) == (None, None, None, 123)
    assert isinstance(s["instructions"], str)


def test_beta_default_session_has_the_flat_shape() -> None:
    s = default_session(BETA)
    assert s["modalities"] == ["text", "audio"]
    assert (s["input_audio_format"], s["output_audio_format"]) == ("pcm16", "pcm16")
    assert s["input_audio_transcription"] is None
    assert s["turn_detection"]["type"] == "server_vad"
    assert "idle_timeout_ms" not in s["turn_detection"]
    assert (s["voice"], s["temperature"], s["max_response_output_tokens"]) == ("alloy", 0.8, "inf")
    assert "audio" not in s


def test_transcription_intent_shapes() -> None:
    ga = default_session(GA, intent="transcription")
    assert (ga["type"], ga["object"]) == ("transcription", "realtime.transcription_session")
    assert "model" not in ga and "output_modalities" not in ga
    assert ga["audio"]["input"]["transcription"] is None
    beta = default_session(BETA, intent="transcription")
    assert beta["object"] == "realtime.transcription_session"
    assert beta["input_audio_transcription"] is None


@pytest.mark.parametrize(
    ("dialect", "intent", "event_type"),
    [
        (GA, None, "session.created"),
        (GA, "transcription", "session.created"),
        (BETA, None, "session.created"),
        (BETA, "transcription", "transcription_session.created"),
    ],
)
def test_defaults_are_valid_server_events(dialect: Dialect, intent: str | None, event_type: str) -> None:
    event = {"type": event_type, "event_id": "event_1", "session": default_session(dialect, intent=intent)}
    assert validate_server_event(event, dialect) == []


def test_defaults_are_fresh_copies() -> None:
    a = default_session(GA)
    a["audio"]["input"]["turn_detection"]["threshold"] = 0.9
    assert default_session(GA)["audio"]["input"]["turn_detection"]["threshold"] == 0.5


def test_merge_deep_merges_objects_and_keeps_the_rest() -> None:
    base = default_session(GA)
    update = {"type": "realtime", "audio": {"input": {"transcription": {"model": "gpt-4o-transcribe"}}}}
    merged = merge_session_update(base, update, GA)
    assert transcription_config(merged, GA) == {"model": "gpt-4o-transcribe"}
    assert merged["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert merged["audio"]["output"]["voice"] == "alloy"
    assert base["audio"]["input"]["transcription"] is None  # inputs untouched
    assert validate_server_event({"type": "session.updated", "event_id": "e", "session": merged}, GA) == []


def test_merge_null_clears_and_arrays_replace() -> None:
    base = default_session(BETA)
    merged = merge_session_update(base, {"turn_detection": None, "modalities": ["text"]}, BETA)
    assert turn_detection(merged, BETA) is None
    assert merged["modalities"] == ["text"]


def test_merge_turn_detection_same_type_merges_new_type_starts_from_defaults() -> None:
    base = default_session(GA)
    merged = merge_session_update(
        base, {"audio": {"input": {"turn_detection": {"type": "server_vad", "silence_duration_ms": 700}}}}, GA
    )
    td = turn_detection(merged, GA)
    assert td is not None and (td["silence_duration_ms"], td["threshold"]) == (700, 0.5)
    merged = merge_session_update(
        base, {"audio": {"input": {"turn_detection": {"type": "semantic_vad", "eagerness": "low"}}}}, GA
    )
    assert turn_detection(merged, GA) == {
        "type": "semantic_vad",
        "eagerness": "low",
        "create_response": True,
        "interrupt_response": True,
    }
    # VAD turned back on after null: the type's defaults fill the rest.
    off = merge_session_update(base, {"audio": {"input": {"turn_detection": None}}}, GA)
    on = merge_session_update(off, {"audio": {"input": {"turn_detection": {"type": "server_vad"}}}}, GA)
    assert turn_detection(on, GA) == turn_detection(base, GA)


def test_merge_replaces_format_objects_whole() -> None:
    base = default_session(GA)
    merged = merge_session_update(base, {"audio": {"output": {"format": {"type": "audio/pcmu"}}}}, GA)
    assert merged["audio"]["output"]["format"] == {"type": "audio/pcmu"}
    assert output_format(merged, GA) == G711_ULAW


def test_audio_format_arithmetic() -> None:
    assert PCM16.bytes_per_ms == 48.0 and PCM16.sample_width == 2 and PCM16.rate == 24000
    assert G711_ULAW.bytes_per_ms == 8.0 and G711_ULAW.sample_width == 1
    assert PCM16.ms_for_bytes(4800) == 100.0
    assert PCM16.bytes_for_ms(100) == 4800
    assert G711_ALAW.bytes_for_ms(20) == 160


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ({"type": "audio/pcm", "rate": 24000}, PCM16),
        ({"type": "audio/pcmu"}, G711_ULAW),
        ({"type": "audio/pcma"}, G711_ALAW),
        ("pcm16", PCM16),
        ("g711_ulaw", G711_ULAW),
        ("g711_alaw", G711_ALAW),
        (None, PCM16),
        ({"type": "audio/pcm", "rate": 16000}, AudioFormat("pcm16", 16000)),
    ],
)
def test_format_parsing_both_dialects(wire: object, expected: AudioFormat) -> None:
    assert AudioFormat.from_wire(wire) == expected


def test_format_round_trips() -> None:
    for fmt in (PCM16, G711_ULAW, G711_ALAW):
        assert AudioFormat.from_wire(fmt.to_ga()) == fmt
        assert AudioFormat.from_wire(fmt.to_beta()) == fmt


def test_accessors_read_each_dialect() -> None:
    ga = merge_session_update(
        default_session(GA),
        {"audio": {"input": {"format": {"type": "audio/pcma"}, "transcription": {"model": "whisper-1"}}}},
        GA,
    )
    beta = merge_session_update(
        default_session(BETA),
        {"input_audio_format": "g711_ulaw", "input_audio_transcription": {"model": "whisper-1"}},
        BETA,
    )
    assert input_format(ga, GA) == G711_ALAW
    assert input_format(beta, BETA) == G711_ULAW
    assert transcription_config(ga, GA) == transcription_config(beta, BETA) == {"model": "whisper-1"}
    assert get_setting(ga, GA, "voice") == get_setting(beta, BETA, "voice") == "alloy"
    assert transcription_config(default_session(GA), GA) is None
    assert turn_detection({}, GA) is None
    assert input_format({}, BETA) == PCM16


def test_accessor_tolerates_a_mislabelled_dialect() -> None:
    assert input_format({"input_audio_format": "g711_ulaw"}, GA) == G711_ULAW
    assert input_format({"audio": {"input": {"format": {"type": "audio/pcmu"}}}}, BETA) == G711_ULAW


def test_a_valid_update_merged_stays_a_valid_session() -> None:
    update = {
        "type": "session.update",
        "session": {
            "type": "realtime",
            "instructions": "x",
            "audio": {
                "input": {
                    "noise_reduction": {"type": "far_field"},
                    "turn_detection": {"type": "semantic_vad"},
                }
            },
        },
    }
    assert validate_client_event(update, GA) == []
    merged = merge_session_update(default_session(GA), update["session"], GA)
    assert validate_server_event({"type": "session.updated", "event_id": "e", "session": merged}, GA) == []
