"""requested_vs_effective: every leaf the client asked for that the server does not hold."""

from __future__ import annotations

from typing import Any

from rtinspect.statemodel import SessionConfig

from .sessions import beta_session, ga_session


def diff(requested: dict[str, Any] | None, effective: dict[str, Any] | None) -> list[tuple[str, Any, Any]]:
    return SessionConfig(effective=effective, requested=requested).requested_vs_effective()


def test_nothing_requested_means_no_difference() -> None:
    assert diff(None, ga_session(None)) == []


def test_everything_held() -> None:
    asked = {"type": "realtime", "audio": {"input": {"format": {"type": "audio/pcm", "rate": 24000}}}}
    assert diff(asked, ga_session(None)) == []


def test_enabled_against_null_transcription() -> None:
    asked = {"input_audio_transcription": {"enabled": True, "model": "whisper-1"}}
    assert diff(asked, beta_session(None)) == [
        ("input_audio_transcription.enabled", True, None),
        ("input_audio_transcription.model", "whisper-1", None),
    ]


def test_rate_16000_against_24000() -> None:
    asked = {"type": "realtime", "audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}}}
    assert diff(asked, ga_session(None)) == [("audio.input.format.rate", 16000, 24000)]


def test_no_effective_session_yet() -> None:
    assert diff({"instructions": "hi"}, None) == [("instructions", "hi", None)]


def test_numbers_compare_by_value_but_bools_do_not() -> None:
    held = {"speed": 1.0, "threshold": 0.5, "create_response": True}
    assert diff({"speed": 1, "threshold": 0.5000000000001}, held) == []
    assert diff({"create_response": 1}, held) == [("create_response", 1, True)]
    assert diff({"speed": 1.25}, held) == [("speed", 1.25, 1.0)]


def test_lists_of_objects_compare_per_field_and_scalar_lists_whole() -> None:
    held = {"tools": [{"type": "function", "name": "a", "parameters": {}}], "modalities": ["audio"]}
    asked = {"tools": [{"type": "function", "name": "b"}], "modalities": ["text", "audio"]}
    assert diff(asked, held) == [("tools.0.name", "b", "a"), ("modalities", ["text", "audio"], ["audio"])]


def test_explicit_null_held_as_null_is_no_difference() -> None:
    assert diff({"audio": {"input": {"transcription": None}}}, ga_session(None)) == []
    assert diff({"audio": {"input": {"transcription": None}}}, ga_session({"model": "whisper-1"})) == [
        ("audio.input.transcription", None, {"model": "whisper-1"})
    ]
