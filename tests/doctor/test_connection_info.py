"""Connection/account errors, close codes, expiry, and the informational findings."""

from __future__ import annotations

import pytest

from rtinspect.doctor import diagnose
from rtinspect.session.usage import cost_of

from .synth import Synth


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        ("rate_limit_exceeded", "Rate limit reached for tokens per min", "rate-limited"),
        ("insufficient_quota", "You exceeded your current quota", "quota-exceeded"),
        ("invalid_api_key", "Incorrect API key provided", "authentication-failed"),
        (None, "Missing bearer or basic authentication in header", "authentication-missing"),
        (None, "Authentication failed: your credentials were rejected", "authentication-failed"),
        ("session_expired", "Your session hit the maximum duration of 60 minutes.", "session-expired"),
        ("invalid_model", "Invalid model: gpt-nope", "invalid-model"),
        ("invalid_json", "We could not parse the JSON body of your request.", "invalid-client-event"),
        ("something_new", "A new kind of error", "server-error"),
    ],
)
def test_errors_are_named(code: str | None, message: str, expected: str) -> None:
    s = Synth()
    s.error(code, message)
    f = s.find(expected)
    assert f.severity == "error" and message in f.explanation


def test_an_unknown_client_event_type_is_named_not_left_to_the_catch_all() -> None:
    """Live refuses an event type that does not exist with invalid_value, param "type" (docs/protocol.md §8)."""
    s = Synth()
    s.client("response.start")
    s.error("invalid_value", "Invalid value: 'response.start'. Supported values are: ...", param="type")
    assert s.find("invalid-client-event").severity == "error" and "server-error" not in s.codes()
    other = Synth()  # invalid_value about something else stays the catch-all's
    other.client("conversation.item.truncate", item_id="item_x", content_index=0, audio_end_ms=5)
    other.error("invalid_value", "Only assistant messages with audio can be truncated.", param="item_id")
    assert "invalid-client-event" not in other.codes()


def test_an_error_is_explained_once() -> None:
    s = Synth()
    s.client("response.cancel")
    s.error("response_cancel_not_active", "no active response")
    codes = [f.code for f in s.diagnose() if f.severity != "info"]
    assert codes == ["cancel-not-active"]  # the catch-all does not repeat it


@pytest.mark.parametrize(("close", "severity"), [(1001, "warning"), (3000, "error"), (4000, "error")])
def test_close_codes_explained(close: int, severity: str) -> None:
    s = Synth()
    s.closed(close, "invalid_request_error" if close >= 3000 else "")
    f = s.find("connection-closed")
    assert f.severity == severity and str(close) in f.title


def test_normal_close_is_clean() -> None:
    s = Synth()
    s.closed(1000, "", by="client")
    assert s.codes() == set()


def test_session_expiring_needs_the_start_time() -> None:
    s = Synth()
    s.recs[1].event["session"]["expires_at"] = 1_000_000 + 1800  # 30 min after the start
    s.t = 1750.0
    s.client("response.create")
    found = diagnose(s.recs, "ga", started=1_000_000)
    assert "session-expiring" in {f.code for f in found}
    assert "session-expiring" not in {f.code for f in diagnose(s.recs, "ga")}  # no start time: no guess
    early = Synth()
    early.recs[1].event["session"]["expires_at"] = 1_000_000 + 1800
    early.t = 600.0
    early.client("response.create")
    assert "session-expiring" not in {f.code for f in diagnose(early.recs, "ga", started=1_000_000)}


def test_latency_and_usage_are_info_only() -> None:
    s = Synth()
    s.update({"type": "realtime", "audio": {"input": {"transcription": {"model": "whisper-1"}}}})
    s.user_turn(item="item_1")
    s.user_turn(item="item_2")
    found = s.diagnose()
    assert {f.severity for f in found} == {"info"}
    lat = next(f for f in found if f.code == "turn-latency")
    assert "2 turn(s)" in lat.title and "->1st output" in lat.explanation
    # session.turns: speech_stopped -> response.created 50 ms, -> first audio 60 ms more
    assert "median end of input -> first output: 110 ms" in lat.explanation
    usage = next(f for f in found if f.code == "usage-cost")
    assert "estimate" in usage.title and "2025-08-28" in usage.explanation


def test_transcript_after_response_is_noted() -> None:
    s = Synth()
    s.update({"type": "realtime", "audio": {"input": {"transcription": {"model": "whisper-1"}}}})
    s.user_turn(item="item_1", transcript=None)
    s.server(
        "conversation.item.input_audio_transcription.completed",
        item_id="item_1",
        content_index=0,
        transcript="late",
    )
    assert "transcript-after-response" in s.codes(include_info=True)
    early = Synth()
    early.user_turn(item="item_1", transcript="on time")
    assert "transcript-after-response" not in early.codes(include_info=True)


def test_cost_uses_the_price_table() -> None:
    usage = {
        "input_token_details": {"text_tokens": 1_000_000, "audio_tokens": 0},
        "output_token_details": {"text_tokens": 0, "audio_tokens": 1_000_000},
    }
    assert cost_of(usage, "gpt-realtime-2025-08-28") == pytest.approx(4.0 + 64.0)
    assert cost_of(usage, "gpt-realtime-mini") == pytest.approx(0.60 + 20.0)


def test_transport_error_is_reported() -> None:
    from rtinspect.tap import META_TRANSPORT_ERROR

    s = Synth()
    s.meta(META_TRANSPORT_ERROR, dt=0.1, message="cannot connect to ws://127.0.0.1:9/v1/realtime: refused")
    assert "refused" in s.find("transport-error").explanation


def test_a_key_quoted_by_the_server_never_reaches_a_finding() -> None:
    s = Synth()
    s.error("invalid_api_key", "Incorrect API key provided: sk-proj-abcdefghijklmnopqrstuvwxyz0123456789.")
    f = s.find("authentication-failed")
    assert "sk-proj-abcdef" not in f.explanation and "[redacted]" in f.explanation
