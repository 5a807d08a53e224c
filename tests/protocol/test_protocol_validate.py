"""Client-event validation gives the live server's codes, messages and params, plus useful hints."""

from __future__ import annotations

import base64
import json

import pytest

from rtinspect.protocol import Dialect, Problem
from rtinspect.protocol.validate import client_event_types, validate_client_event

GA, BETA = Dialect.GA, Dialect.BETA


def one(event: dict, dialect: Dialect) -> Problem:
    problems = validate_client_event(event, dialect)
    assert len(problems) == 1, problems
    return problems[0]


def ga_update(session: dict) -> dict:
    return {"type": "session.update", "session": {"type": "realtime", **session}}


def test_beta_enabled_true_mistake_is_unknown_parameter_at_the_exact_path() -> None:
    """The langchain_dart#624 payload gets exactly the live error in beta."""
    event = {"type": "session.update", "session": {"input_audio_transcription": {"enabled": True}}}
    p = one(event, BETA)
    assert p.path == "session.input_audio_transcription.enabled"
    assert p.code == "unknown_parameter"
    assert p.message == "Unknown parameter: 'session.input_audio_transcription.enabled'."
    assert p.hint == (
        "there is no 'enabled': set session.input_audio_transcription to an object "
        '(e.g. {"model": "whisper-1"}) to turn it on, or null to turn it off'
    )


def test_ga_flags_the_whole_beta_field_and_names_the_ga_path() -> None:
    event = ga_update({"input_audio_transcription": {"enabled": True}})
    p = one(event, GA)
    assert (p.path, p.code) == ("session.input_audio_transcription", "unknown_parameter")
    assert p.hint == "beta name; GA uses session.audio.input.transcription"


def test_ga_enabled_inside_the_ga_transcription_object() -> None:
    p = one(ga_update({"audio": {"input": {"transcription": {"enabled": True}}}}), GA)
    assert p.path == "session.audio.input.transcription.enabled"
    assert p.code == "unknown_parameter"


def test_ga_rate_16000_is_integer_below_min_value_exactly_as_live() -> None:
    p = one(ga_update({"audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}}}), GA)
    assert p == Problem(
        "session.audio.input.format.rate",
        "integer_below_min_value",
        "Invalid 'session.audio.input.format.rate': integer below minimum value. "
        "Expected a value >= 24000, but got 16000 instead.",
    )


def test_ga_rate_above_24000_is_integer_above_max_value() -> None:
    p = one(ga_update({"audio": {"input": {"format": {"type": "audio/pcm", "rate": 48000}}}}), GA)
    assert p.code == "integer_above_max_value"
    assert p.message.endswith(
        "integer above maximum value. Expected a value <= 24000, but got 48000 instead."
    )


def test_decimal_bounds_use_decimal_codes() -> None:
    p = one(ga_update({"audio": {"output": {"speed": 3}}}), GA)
    assert (p.path, p.code, p.message) == (
        "session.audio.output.speed",
        "decimal_above_max_value",
        "Invalid 'session.audio.output.speed': decimal above maximum value. "
        "Expected a value <= 1.5, but got 3 instead.",
    )
    p = one(ga_update({"audio": {"output": {"speed": 0.1}}}), GA)
    assert p.code == "decimal_below_min_value"
    assert p.message.endswith("Expected a value >= 0.25, but got 0.1 instead.")


def test_beta_temperature_live_bounds() -> None:
    p = one({"type": "session.update", "session": {"temperature": 0.2}}, BETA)
    assert (p.path, p.code) == ("session.temperature", "decimal_below_min_value")


def test_unknown_client_type_lists_supported_values_and_suggests() -> None:
    for dialect in (GA, BETA):
        p = one({"type": "sesion.update"}, dialect)
        assert (p.path, p.code) == ("type", "invalid_value")
        supported = ", ".join(f"'{t}'" for t in client_event_types(dialect))
        assert p.message == f"Invalid value: 'sesion.update'. Supported values are: {supported}."
        assert p.hint == "did you mean 'session.update'?"


def test_missing_type_is_invalid_event() -> None:
    p = one({"session": {}}, GA)
    assert (p.path, p.code, p.message) == ("type", "invalid_event", "The 'type' field is missing.")


def test_non_string_type_and_non_object_event() -> None:
    assert one({"type": 5}, GA).code == "invalid_type"
    assert one([1, 2], GA).code == "invalid_event"  # type: ignore[arg-type]


def test_enum_value_message_and_did_you_mean() -> None:
    p = one(ga_update({"audio": {"input": {"turn_detection": {"type": "server-vad"}}}}), GA)
    assert p.path == "session.audio.input.turn_detection.type"
    assert p.code == "invalid_value"
    assert p.message == "Invalid value: 'server-vad'. Supported values are: 'server_vad', 'semantic_vad'."
    assert p.hint == "did you mean 'server_vad'?"


def test_wrong_type_is_invalid_type() -> None:
    p = one(ga_update({"instructions": 5}), GA)
    assert (p.path, p.code) == ("session.instructions", "invalid_type")
    assert (
        p.message == "Invalid type for 'session.instructions': expected a string, but got an integer instead."
    )


def test_booleans_are_not_numbers() -> None:
    p = one(
        ga_update({"audio": {"input": {"turn_detection": {"type": "server_vad", "threshold": True}}}}), GA
    )
    assert (p.path, p.code) == ("session.audio.input.turn_detection.threshold", "invalid_type")


def test_misspelled_field_gets_did_you_mean_from_siblings() -> None:
    p = one(
        ga_update({"audio": {"input": {"turn_detection": {"type": "server_vad", "threshhold": 0.5}}}}), GA
    )
    assert p.code == "unknown_parameter"
    assert p.hint == "did you mean 'threshold'?"


def test_ga_session_type_is_required_and_checked() -> None:
    # Schema: RealtimeSessionCreateRequestGA requires `type`; live GA answers missing_required_parameter.
    p = one({"type": "session.update", "session": {"instructions": "hi"}}, GA)
    assert (p.path, p.code) == ("session.type", "missing_required_parameter")
    assert p.message == "Missing required parameter: 'session.type'."
    p = one({"type": "session.update", "session": {"type": "foo"}}, GA)
    assert p.path == "session.type"
    assert p.message == "Invalid value: 'foo'. Supported values are: 'realtime', 'transcription'."


def test_missing_required_parameter() -> None:
    p = one({"type": "input_audio_buffer.append"}, GA)
    assert (p.path, p.code) == ("audio", "missing_required_parameter")
    assert one({"type": "session.update"}, BETA).path == "session"


def test_beta_receiving_ga_audio_gets_the_flat_names() -> None:
    p = one({"type": "session.update", "session": {"audio": {"input": {}}}}, BETA)
    assert (p.path, p.code) == ("session.audio", "unknown_parameter")
    assert p.hint is not None
    assert p.hint.startswith("GA name; beta uses session.input_audio_format")
    assert "session.input_audio_transcription" in p.hint
    p = one({"type": "session.update", "session": {"output_modalities": ["text"]}}, BETA)
    assert p.hint == "GA name; beta uses session.modalities"


def test_ga_temperature_is_beta_only() -> None:
    p = one(ga_update({"temperature": 0.8}), GA)
    assert p.hint == "beta-only field; GA has no session.temperature"


def test_every_problem_is_reported() -> None:
    event = ga_update(
        {"instructions": 5, "max_output_tokens": "infinite", "tool_choice": "autoo", "voice": "x"}
    )
    problems = validate_client_event(event, GA)
    assert [p.path for p in problems] == [
        "session.instructions",
        "session.max_output_tokens",
        "session.tool_choice",
        "session.voice",
    ]
    assert problems[3].hint == "beta name; GA uses session.audio.output.voice"


def test_nulls_accepted_where_the_live_server_accepts_them() -> None:
    event = ga_update(
        {
            "audio": {"input": {"transcription": None, "turn_detection": None, "noise_reduction": None}},
            "include": None,
        }
    )
    assert validate_client_event(event, GA) == []
    beta = {"type": "session.update", "session": {"input_audio_transcription": None, "turn_detection": None}}
    assert validate_client_event(beta, BETA) == []


def test_null_for_a_scalar_is_invalid_type() -> None:
    p = one(ga_update({"instructions": None}), GA)
    assert p.code == "invalid_type"


def test_event_id_max_512_in_ga_only() -> None:
    long_id = "e" * 513
    p = one({"type": "input_audio_buffer.commit", "event_id": long_id}, GA)
    assert (p.path, p.code) == ("event_id", "string_above_max_length")
    assert validate_client_event({"type": "input_audio_buffer.commit", "event_id": "e" * 512}, GA) == []
    assert validate_client_event({"type": "input_audio_buffer.commit", "event_id": long_id}, BETA) == []


def test_append_audio_must_be_base64() -> None:
    p = one({"type": "input_audio_buffer.append", "audio": "abc$"}, GA)
    assert (p.path, p.code) == ("audio", "invalid_value")
    ok = base64.b64encode(b"\x00\x01" * 100).decode()
    assert validate_client_event({"type": "input_audio_buffer.append", "audio": ok}, BETA) == []


def test_append_over_15_mib_is_rejected() -> None:
    big = base64.b64encode(bytes(15 * 1024 * 1024 + 3)).decode()
    p = one({"type": "input_audio_buffer.append", "audio": big}, GA)
    assert (p.path, p.code) == ("audio", "string_above_max_length")
    assert "15 MiB" in p.message
    assert len(p.message) < 200


def test_item_content_type_picks_the_role_branch() -> None:
    user = {"type": "message", "role": "user", "content": [{"type": "text", "text": "hi"}]}
    p = one({"type": "conversation.item.create", "item": user}, GA)
    assert p.path == "item.content.0.type"
    assert (
        p.message
        == "Invalid value: 'text'. Supported values are: 'input_text', 'input_audio', 'input_image'."
    )
    assert p.hint == "did you mean 'input_text'?"
    assistant = {"type": "message", "role": "assistant", "content": [{"type": "text", "text": "hi"}]}
    assert (
        one({"type": "conversation.item.create", "item": assistant}, GA).hint == "did you mean 'output_text'?"
    )


def test_unknown_top_level_field() -> None:
    p = one({"type": "input_audio_buffer.commit", "audio": "AAAA"}, GA)
    assert (p.path, p.code) == ("audio", "unknown_parameter")


@pytest.mark.parametrize(
    ("event", "dialect"),
    [
        (
            ga_update(
                {
                    "output_modalities": ["audio"],
                    "instructions": "Be brief.",
                    "audio": {
                        "input": {
                            "format": {"type": "audio/pcm", "rate": 24000},
                            "transcription": {"model": "gpt-4o-transcribe", "language": "en"},
                            "noise_reduction": {"type": "near_field"},
                            "turn_detection": {
                                "type": "server_vad",
                                "threshold": 0.5,
                                "prefix_padding_ms": 300,
                                "silence_duration_ms": 200,
                                "create_response": True,
                                "interrupt_response": True,
                                "idle_timeout_ms": None,
                            },
                        },
                        "output": {"format": {"type": "audio/pcmu"}, "voice": "marin", "speed": 1.0},
                    },
                    "tools": [
                        {
                            "type": "function",
                            "name": "f",
                            "description": "d",
                            "parameters": {"type": "object"},
                        }
                    ],
                    "tool_choice": "auto",
                    "max_output_tokens": "inf",
                    "tracing": "auto",
                }
            ),
            GA,
        ),
        (
            {
                "type": "session.update",
                "session": {
                    "type": "transcription",
                    "audio": {"input": {"transcription": {"model": "whisper-1"}}},
                },
            },
            GA,
        ),
        (
            {
                "type": "session.update",
                "event_id": "evt_1",
                "session": {
                    "modalities": ["text", "audio"],
                    "instructions": "Be brief.",
                    "voice": "alloy",
                    "input_audio_format": "pcm16",
                    "output_audio_format": "g711_ulaw",
                    "input_audio_transcription": {"model": "whisper-1"},
                    "turn_detection": {"type": "server_vad", "threshold": 0.5, "silence_duration_ms": 500},
                    "temperature": 0.8,
                    "max_response_output_tokens": "inf",
                    "model": "gpt-realtime",
                },
            },
            BETA,
        ),
        ({"type": "response.create", "response": {"output_modalities": ["text"]}}, GA),
        ({"type": "response.create"}, BETA),
        ({"type": "conversation.item.truncate", "item_id": "i", "content_index": 0, "audio_end_ms": 10}, GA),
        (
            {
                "type": "conversation.item.create",
                "previous_item_id": None,
                "item": {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "hi"}],
                },
            },
            GA,
        ),
        (
            {
                "type": "conversation.item.create",
                "item": {"type": "function_call_output", "call_id": "c", "output": "{}"},
            },
            GA,
        ),
    ],
)
def test_real_shaped_events_pass(event: dict, dialect: Dialect) -> None:
    assert validate_client_event(event, dialect) == []


def test_secrets_in_values_do_not_reach_messages() -> None:
    key = "sk-proj-" + "A" * 40
    problems = validate_client_event({"type": key}, GA)
    assert problems
    assert all(key not in p.message for p in problems)
    problems = validate_client_event({"type": "input_audio_buffer.commit", key: 1}, GA)
    assert [p.code for p in problems] == ["unknown_parameter"]
    assert key not in problems[0].path and key not in problems[0].message


def test_beta_format_names_in_ga_get_the_ga_object_as_hint() -> None:
    p = one(ga_update({"audio": {"input": {"format": "pcm16"}}}), GA)
    assert (p.path, p.code) == ("session.audio.input.format", "invalid_type")
    assert p.hint == "beta format name; GA uses {'type': 'audio/pcm', 'rate': 24000}"
    p = one(ga_update({"audio": {"output": {"format": {"type": "g711_ulaw"}}}}), GA)
    assert (p.path, p.code) == ("session.audio.output.format.type", "invalid_value")
    assert p.hint == "beta format name; GA uses {'type': 'audio/pcmu'}"


def test_ga_output_modalities_take_one_value() -> None:
    p = one(ga_update({"output_modalities": ["text", "audio"]}), GA)
    assert (p.path, p.code) == ("session.output_modalities", "invalid_value")
    assert validate_client_event(ga_update({"output_modalities": ["text"]}), GA) == []
    beta = {"type": "session.update", "session": {"modalities": ["text", "audio"]}}
    assert validate_client_event(beta, BETA) == []


def test_first_use_from_many_threads_gives_the_same_answers() -> None:
    """Schema compilation on first use is safe when a TUI worker and the server validate at once."""
    import subprocess
    import sys

    code = """
import json, threading
from rtinspect.protocol.validate import validate_client_event
ev = {"type": "session.update", "session": {"type": "realtime", "audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}}}}
out = []
def run():
    out.append([p.code for p in validate_client_event(ev, "ga")])
threads = [threading.Thread(target=run) for _ in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
print(json.dumps(out))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [["integer_below_min_value"]] * 8


def test_bad_role_lists_the_roles_of_message_items() -> None:
    item = {"type": "message", "role": "usr", "content": []}
    p = one({"type": "conversation.item.create", "item": item}, GA)
    assert (p.path, p.code) == ("item.role", "invalid_value")
    assert p.message == "Invalid value: 'usr'. Supported values are: 'system', 'user', 'assistant'."
    assert p.hint == "did you mean 'user'?"


def test_bad_item_type_lists_every_item_type() -> None:
    p = one(
        {"type": "conversation.item.create", "item": {"type": "mesage", "role": "user", "content": []}}, GA
    )
    assert p.path == "item.type"
    assert "'function_call_output'" in p.message and p.hint == "did you mean 'message'?"
