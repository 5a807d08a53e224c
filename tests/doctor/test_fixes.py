"""The fixes the doctor prints are pasteable: GA fixes validate against the GA schema, whatever
mix of beta fields, GA fields and mistakes the user's own update held."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rtinspect.doctor import fixes
from rtinspect.protocol import Dialect
from rtinspect.protocol.validate import validate_client_event

beta_fields = st.fixed_dictionaries(
    {},
    optional={
        "modalities": st.sampled_from([["text"], ["text", "audio"]]),
        "instructions": st.text(max_size=20),
        "voice": st.sampled_from(["alloy", "verse", "shimmer"]),
        "input_audio_format": st.sampled_from(["pcm16", "g711_ulaw", "g711_alaw"]),
        "output_audio_format": st.sampled_from(["pcm16", "g711_ulaw"]),
        "input_audio_transcription": st.none()
        | st.fixed_dictionaries(
            {"model": st.sampled_from(["whisper-1", "gpt-4o-transcribe"])},
            optional={"enabled": st.booleans(), "language": st.just("en")},
        ),
        "turn_detection": st.none()
        | st.fixed_dictionaries(
            {"type": st.just("server_vad")},
            optional={
                "threshold": st.floats(0, 1),
                "silence_duration_ms": st.integers(0, 2000),
                "create_response": st.booleans(),
            },
        ),
        "max_response_output_tokens": st.integers(1, 4096),
        "temperature": st.floats(0.6, 1.2),
        "instructons": st.text(max_size=5),  # a typo with a close match
        "speling_mistake_xyz": st.integers(),  # unknown, no close match
    },
)


@settings(max_examples=150, deadline=None)
@given(beta_fields)
def test_ga_fix_of_any_beta_or_broken_update_validates(session: dict) -> None:
    fixed = fixes.to_ga(session)
    assert validate_client_event({"type": "session.update", "session": fixed}, Dialect.GA) == []


@settings(max_examples=100, deadline=None)
@given(beta_fields)
def test_transcription_fix_turns_it_on_and_validates(session: dict) -> None:
    fixed = fixes.with_transcription(session, ga=True)
    assert isinstance(fixed["audio"]["input"]["transcription"], dict)
    assert fixed["audio"]["input"]["transcription"]["model"]
    assert validate_client_event({"type": "session.update", "session": fixed}, Dialect.GA) == []


def test_ga_update_with_wrong_rate_and_enabled_flag() -> None:
    bad = {
        "type": "realtime",
        "audio": {
            "input": {"format": {"type": "audio/pcm", "rate": 16000}, "transcription": {"enabled": True}}
        },
    }
    fixed = fixes.to_ga(bad)
    assert fixed["audio"]["input"] == {
        "format": {"type": "audio/pcm", "rate": 24000},
        "transcription": {"model": "gpt-4o-mini-transcribe"},
    }
    assert validate_client_event({"type": "session.update", "session": fixed}, Dialect.GA) == []


def test_a_fix_never_repeats_a_refused_value() -> None:
    """A wrong type or a value out of its enum: the corrected update leaves the field out (the
    server's default) instead of sending it again; it validates."""
    bad = {
        "type": "realtime",
        "instructions": 42,
        "output_modalities": ["video"],
        "audio": {"output": {"voice": "verse"}},
    }
    fixed = fixes.corrected(bad, ga=True)
    assert fixed == {"type": "realtime", "audio": {"output": {"voice": "verse"}}}
    assert validate_client_event({"type": "session.update", "session": fixed}, Dialect.GA) == []
