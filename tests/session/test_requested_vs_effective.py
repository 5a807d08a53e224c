"""requested_vs_effective: every leaf the client asked for that the server does not hold."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from rtinspect.session.model import SessionConfig, SessionUpdate

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


def test_all_updates_merges_every_request_in_order() -> None:
    cfg = SessionConfig(effective=ga_session(None))
    first = {"type": "realtime", "audio": {"input": {"transcription": {"model": "whisper-1"}}}}
    second = {"type": "realtime", "instructions": "Be brief."}
    for pos, asked in enumerate((first, second)):
        cfg.requested_history.append(SessionUpdate(pos, 0.0, "session.update", asked))
    cfg.requested = second
    assert cfg.requested_vs_effective() == []
    assert cfg.requested_vs_effective(all_updates=True) == [
        ("audio.input.transcription.model", "whisper-1", None)
    ]
    assert first == {"type": "realtime", "audio": {"input": {"transcription": {"model": "whisper-1"}}}}


leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5))
trees = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=15,
)


@given(st.dictionaries(st.text(max_size=4), trees, max_size=5))
def test_a_session_holding_what_was_asked_shows_no_difference(asked: dict[str, Any]) -> None:
    held = copy.deepcopy(asked)
    assert diff(asked, held) == []
    # and asking it of an empty session lists one difference per asked leaf (empty dicts count as one)
    out = diff(asked, {})
    assert all(h is None for _, _, h in out)
    assert len(out) == sum(_count_leaves(v) for v in asked.values())


def _count_leaves(value: Any) -> int:
    if isinstance(value, dict) and value:
        return sum(_count_leaves(v) for v in value.values())
    return 1
