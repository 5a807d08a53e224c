"""Dialect detection, event-name mapping, session and client-event translation with round trips."""

from __future__ import annotations

import pytest

from rtinspect.protocol import Dialect
from rtinspect.protocol.dialect import (
    convert_session,
    detect_dialect,
    dialect_of_event,
    event_type_to,
    session_to_beta,
    session_to_ga,
    translate_client_event,
)
from rtinspect.protocol.session import default_session
from rtinspect.protocol.validate import validate_client_event
from rtinspect.tap import Tapped

GA, BETA = Dialect.GA, Dialect.BETA

BETA_SESSION = {
    "modalities": ["text", "audio"],
    "instructions": "Be brief.",
    "voice": "verse",
    "speed": 1.1,
    "input_audio_format": "g711_ulaw",
    "output_audio_format": "g711_alaw",
    "input_audio_transcription": {"model": "whisper-1", "language": "en"},
    "turn_detection": {"type": "server_vad", "threshold": 0.6, "silence_duration_ms": 400},
    "input_audio_noise_reduction": {"type": "far_field"},
    "tools": [{"type": "function", "name": "f", "description": "d", "parameters": {"type": "object"}}],
    "tool_choice": "auto",
    "max_response_output_tokens": 512,
}


def test_beta_header_means_beta_even_with_ga_looking_events() -> None:
    assert detect_dialect(headers={"OpenAI-Beta": "realtime=v1"}) is BETA
    assert detect_dialect(headers=[("openai-beta", "realtime=v1")]) is BETA
    assert (
        detect_dialect(
            headers={"OpenAI-Beta": "realtime=v1"}, events=[{"type": "response.output_audio.delta"}]
        )
        is BETA
    )


def test_headers_without_beta_mean_ga() -> None:
    assert detect_dialect(headers={"Authorization": "Bearer x"}) is GA


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"type": "response.audio.delta", "delta": ""}, BETA),
        ({"type": "conversation.created"}, BETA),
        ({"type": "transcription_session.created", "session": {}}, BETA),
        ({"type": "response.output_audio.delta"}, GA),
        ({"type": "conversation.item.added"}, GA),
        ({"type": "input_audio_buffer.timeout_triggered"}, GA),
        ({"type": "session.update", "session": {"type": "realtime"}}, GA),
        ({"type": "session.update", "session": {"input_audio_format": "pcm16"}}, BETA),
        ({"type": "session.created", "session": default_session(GA)}, GA),
        ({"type": "session.created", "session": default_session(BETA)}, BETA),
        (
            {
                "type": "conversation.item.create",
                "item": {"role": "assistant", "content": [{"type": "text"}]},
            },
            BETA,
        ),
        ({"type": "response.content_part.added", "part": {"type": "output_audio"}}, GA),
        ({"type": "input_audio_buffer.commit"}, None),
        ({"type": "error"}, None),
        ("not an event", None),
        ({"type": "rtinspect.connection.opened", "url": "ws://x", "dialect": "beta"}, BETA),
        ({"type": "rtinspect.connection.opened", "headers": {"OpenAI-Beta": "realtime=v1"}}, BETA),
        ({"type": "rtinspect.connection.opened", "headers": {"Authorization": "[redacted]"}}, None),
    ],
)
def test_dialect_of_event(event: object, expected: Dialect | None) -> None:
    assert dialect_of_event(event) is expected


def test_detect_from_events_uses_the_first_decisive_one_and_reads_tapped_records() -> None:
    events = [
        Tapped(0.0, "server", {"type": "input_audio_buffer.committed"}),
        Tapped(0.1, "server", {"type": "response.audio_transcript.delta"}),
        Tapped(0.2, "server", {"type": "response.output_audio.delta"}),
    ]
    assert detect_dialect(events=events) is BETA
    assert detect_dialect(events=[{"type": "input_audio_buffer.commit"}]) is None


def test_detect_from_urls() -> None:
    assert detect_dialect(url="wss://api.openai.com/v1/realtime?model=gpt-realtime") is None
    assert detect_dialect(url="wss://r.openai.azure.com/openai/v1/realtime?model=dep") is GA
    assert (
        detect_dialect(
            url="wss://r.openai.azure.com/openai/realtime?api-version=2024-10-01-preview&deployment=d"
        )
        is BETA
    )
    assert detect_dialect() is None


@pytest.mark.parametrize(
    ("beta", "ga"),
    [
        ("response.audio.delta", "response.output_audio.delta"),
        ("response.audio.done", "response.output_audio.done"),
        ("response.audio_transcript.delta", "response.output_audio_transcript.delta"),
        ("response.text.done", "response.output_text.done"),
        ("conversation.item.created", "conversation.item.added"),
        ("session.update", "session.update"),
        ("input_audio_buffer.append", "input_audio_buffer.append"),
    ],
)
def test_event_type_mapping_round_trips(beta: str, ga: str) -> None:
    assert event_type_to(beta, GA) == ga
    assert event_type_to(ga, BETA) == beta


def test_ga_only_types_have_no_beta_name() -> None:
    assert event_type_to("conversation.item.done", BETA) is None
    assert event_type_to("transcription_session.update", GA) == "session.update"


def test_session_to_ga_moves_every_field() -> None:
    ga, notes = convert_session({**BETA_SESSION, "temperature": 0.7}, GA)
    assert ga["type"] == "realtime"
    assert ga["output_modalities"] == ["audio"]
    assert ga["audio"]["input"] == {
        "format": {"type": "audio/pcmu"},
        "transcription": {"model": "whisper-1", "language": "en"},
        "turn_detection": {"type": "server_vad", "threshold": 0.6, "silence_duration_ms": 400},
        "noise_reduction": {"type": "far_field"},
    }
    assert ga["audio"]["output"] == {"voice": "verse", "speed": 1.1, "format": {"type": "audio/pcma"}}
    assert ga["max_output_tokens"] == 512
    assert "temperature" not in ga
    assert any("temperature" in n for n in notes)
    assert validate_client_event({"type": "session.update", "session": ga}, GA) == []


def test_session_round_trip_beta_ga_beta() -> None:
    assert session_to_beta(session_to_ga(BETA_SESSION)) == BETA_SESSION


def test_session_round_trip_ga_beta_ga() -> None:
    ga = session_to_ga(BETA_SESSION)
    assert session_to_ga(session_to_beta(ga)) == ga


def test_convert_is_idempotent_on_target_shape() -> None:
    ga = session_to_ga(BETA_SESSION)
    assert session_to_ga(ga) == ga


def test_to_beta_notes_what_is_lost() -> None:
    ga = {
        "type": "realtime",
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": 24000},
                "turn_detection": {"type": "server_vad", "idle_timeout_ms": 6000},
            },
            "output": {"voice": {"id": "voice_123"}},
        },
        "prompt": {"id": "pmpt_1"},
        "tracing": "auto",
    }
    beta, notes = convert_session(ga, BETA)
    assert beta["input_audio_format"] == "pcm16"
    assert beta["turn_detection"] == {"type": "server_vad"}
    assert beta["voice"] == "alloy"
    joined = " | ".join(notes)
    for word in ("idle_timeout_ms", "custom voice", "prompt", "tracing"):
        assert word in joined


def test_translate_session_update_both_ways_validates() -> None:
    beta_event = {"type": "session.update", "event_id": "e1", "session": BETA_SESSION}
    ga_event, _ = translate_client_event(beta_event, GA)
    assert ga_event["event_id"] == "e1"
    assert validate_client_event(ga_event, GA) == []
    back, notes = translate_client_event(ga_event, BETA)
    assert back == beta_event and notes == []


def test_translate_transcription_session_update() -> None:
    beta = {
        "type": "transcription_session.update",
        "session": {
            "input_audio_format": "pcm16",
            "input_audio_transcription": {"model": "gpt-4o-transcribe"},
            "turn_detection": None,
        },
    }
    ga, _ = translate_client_event(beta, GA)
    assert ga["type"] == "session.update"
    assert ga["session"]["type"] == "transcription"
    assert ga["session"]["audio"]["input"]["transcription"] == {"model": "gpt-4o-transcribe"}
    assert validate_client_event(ga, GA) == []
    back, _ = translate_client_event(ga, BETA)
    assert back == beta


def test_translate_response_create_and_items() -> None:
    beta = {
        "type": "response.create",
        "response": {
            "modalities": ["text"],
            "voice": "alloy",
            "output_audio_format": "pcm16",
            "temperature": 0.9,
        },
    }
    ga, notes = translate_client_event(beta, GA)
    assert ga["response"] == {
        "output_modalities": ["text"],
        "audio": {"output": {"voice": "alloy", "format": {"type": "audio/pcm", "rate": 24000}}},
    }
    assert any("temperature" in n for n in notes)
    assert validate_client_event(ga, GA) == []
    item = {"type": "message", "role": "assistant", "content": [{"type": "text", "text": "hi"}]}
    ga_item, _ = translate_client_event({"type": "conversation.item.create", "item": item}, GA)
    assert ga_item["item"]["content"][0]["type"] == "output_text"
    assert validate_client_event(ga_item, GA) == []
    back, _ = translate_client_event(ga_item, BETA)
    assert back["item"] == item


def test_translate_copies_plain_events_and_never_mutates_the_input() -> None:
    event = {"type": "input_audio_buffer.commit", "event_id": "x"}
    out, notes = translate_client_event(event, GA)
    assert out == event and out is not event and notes == []
    original = {"type": "session.update", "session": dict(BETA_SESSION)}
    translate_client_event(original, GA)
    assert original["session"] == BETA_SESSION


def test_ga_transcription_session_keeps_include_in_beta() -> None:
    ga = {
        "type": "session.update",
        "session": {
            "type": "transcription",
            "include": ["item.input_audio_transcription.logprobs"],
            "audio": {"input": {"transcription": {"model": "whisper-1"}}},
        },
    }
    beta, notes = translate_client_event(ga, BETA)
    assert beta["type"] == "transcription_session.update"
    assert beta["session"]["include"] == ["item.input_audio_transcription.logprobs"]
    assert notes == [] and validate_client_event(beta, BETA) == []
    assert translate_client_event(beta, GA)[0] == ga
