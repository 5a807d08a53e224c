"""The doctor never crashes on what a log can hold: wrong field types, missing fields, unknown
events, garbage base64. It skips what it cannot read and says so."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtinspect.doctor import Doctor, diagnose
from rtinspect.tap import Tapped

from .synth import Synth

TYPES = [
    "session.update",
    "session.created",
    "session.updated",
    "error",
    "input_audio_buffer.append",
    "input_audio_buffer.commit",
    "input_audio_buffer.committed",
    "input_audio_buffer.speech_started",
    "input_audio_buffer.speech_stopped",
    "conversation.item.added",
    "conversation.item.done",
    "conversation.item.create",
    "conversation.item.truncate",
    "response.create",
    "response.cancel",
    "response.created",
    "response.done",
    "response.output_audio.delta",
    "response.function_call_arguments.done",
    "conversation.item.input_audio_transcription.completed",
    "conversation.item.input_audio_transcription.failed",
    "rtinspect.connection.opened",
    "rtinspect.connection.closed",
    "something.unknown",
]
values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**6) | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
FIELDS = [
    "session",
    "error",
    "audio",
    "item",
    "response",
    "delta",
    "call_id",
    "item_id",
    "audio_end_ms",
    "event_id",
    "headers",
    "code",
    "reason",
    "response_id",
    "status",
]
events = st.builds(
    lambda typ, fields: {"type": typ, **fields},
    st.sampled_from(TYPES),
    st.dictionaries(st.sampled_from(FIELDS), values, max_size=4),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["client", "server", "meta"]), events), max_size=25))
def test_random_event_streams_never_crash(stream: list[tuple[str, dict]]) -> None:
    doctor = Doctor()
    for i, (direction, event) in enumerate(stream):
        doctor.feed(Tapped(i * 0.05, direction, event))  # type: ignore[arg-type]
    doctor.finish()
    for f in doctor.findings:
        assert f.severity in ("error", "warning", "info") and f.code and f.title


def test_malformed_events_are_reported_not_fatal() -> None:
    s = Synth()
    s.server("error", error="not an object")
    s.server("response.done", response=["not", "an", "object"])
    s.error("rate_limit_exceeded", "Rate limit reached")  # still diagnosed after the damage
    codes = {f.code for f in diagnose(s.recs, "ga")}
    assert {"malformed-events", "rate-limited"} <= codes


def test_garbage_base64_audio_is_skipped() -> None:
    s = Synth()
    for _ in range(30):
        s.client("input_audio_buffer.append", dt=0.04, audio="!!!not base64!!!")
    diagnose(s.recs, "ga")
