"""Property tests: the validators never raise on any JSON value and always answer a list of Problems."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rtinspect.protocol import Dialect, Problem
from rtinspect.protocol.catalog import catalog
from rtinspect.protocol.validate import validate_client_event, validate_server_event

_KEYS = st.sampled_from(
    [
        "type",
        "session",
        "audio",
        "input",
        "format",
        "rate",
        "transcription",
        "turn_detection",
        "item",
        "content",
        "role",
        "response",
        "event_id",
        "delta",
        "error",
        "x",
    ]
)
_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
JSON = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(_KEYS | st.text(max_size=6), children, max_size=5)
    ),
    max_leaves=25,
)

_TYPES = sorted({t for d in Dialect for info in catalog(d) for t in [info.type]})
_DIALECTS = st.sampled_from(list(Dialect))


def _event(type_: str, body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "type": type_}


def _assert_problems(result: Any) -> None:
    assert isinstance(result, list)
    assert all(isinstance(p, Problem) and isinstance(p.path, str) and p.code and p.message for p in result)


@settings(max_examples=200, deadline=None)
@given(value=JSON, dialect=_DIALECTS)
def test_validators_never_raise_on_any_json(value: Any, dialect: Dialect) -> None:
    _assert_problems(validate_client_event(value, dialect))
    _assert_problems(validate_server_event(value, dialect))


@settings(max_examples=300, deadline=None)
@given(type_=st.sampled_from(_TYPES), body=st.dictionaries(_KEYS, JSON, max_size=6), dialect=_DIALECTS)
def test_validators_never_raise_on_known_types_with_arbitrary_fields(
    type_: str, body: dict[str, Any], dialect: Dialect
) -> None:
    event = _event(type_, body)
    _assert_problems(validate_client_event(event, dialect))
    _assert_problems(validate_server_event(event, dialect))


@settings(max_examples=200, deadline=None)
@given(session=st.dictionaries(_KEYS, JSON, max_size=6), dialect=_DIALECTS)
def test_session_update_with_arbitrary_session_never_raises(
    session: dict[str, Any], dialect: Dialect
) -> None:
    _assert_problems(validate_client_event({"type": "session.update", "session": session}, dialect))


@settings(max_examples=200, deadline=None)
@given(value=JSON, to=_DIALECTS)
def test_detection_and_translation_never_raise(value: Any, to: Dialect) -> None:
    from rtinspect.protocol.dialect import detect_dialect, translate_client_event

    assert detect_dialect(events=[value]) in (None, Dialect.GA, Dialect.BETA)
    if isinstance(value, dict):
        out, notes = translate_client_event(value, to)
        assert isinstance(out, dict) and all(isinstance(n, str) for n in notes)
        for session_event in (
            {"type": "session.update", "session": value},
            {"type": "response.create", "response": value},
        ):
            out, notes = translate_client_event(session_event, to)
            assert isinstance(out, dict)


_BETA_SESSIONS = st.fixed_dictionaries(
    {},
    optional={
        "modalities": st.sampled_from([["text"], ["text", "audio"]]),
        "instructions": st.text(max_size=10),
        "voice": st.sampled_from(["alloy", "verse", "ash"]),
        "speed": st.floats(0.25, 1.5),
        "input_audio_format": st.sampled_from(["pcm16", "g711_ulaw", "g711_alaw"]),
        "output_audio_format": st.sampled_from(["pcm16", "g711_ulaw", "g711_alaw"]),
        "input_audio_transcription": st.none()
        | st.fixed_dictionaries({"model": st.sampled_from(["whisper-1"])}),
        "turn_detection": st.none()
        | st.fixed_dictionaries({"type": st.just("server_vad")}, optional={"threshold": st.floats(0, 1)}),
        "input_audio_noise_reduction": st.none()
        | st.fixed_dictionaries({"type": st.sampled_from(["near_field", "far_field"])}),
        "max_response_output_tokens": st.integers(1, 4096) | st.just("inf"),
    },
)


@settings(max_examples=150, deadline=None)
@given(session=_BETA_SESSIONS)
def test_valid_beta_sessions_translate_to_valid_ga_and_back(session: dict[str, Any]) -> None:
    from rtinspect.protocol.dialect import translate_client_event

    event = {"type": "session.update", "session": session}
    assert validate_client_event(event, Dialect.BETA) == []
    ga, _ = translate_client_event(event, Dialect.GA)
    assert validate_client_event(ga, Dialect.GA) == []
    back, _ = translate_client_event(ga, Dialect.BETA)
    assert back == event
