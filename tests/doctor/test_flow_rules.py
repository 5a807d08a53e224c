"""Client-flow rules: commits, VAD turns, responses, truncation and function calls."""

from __future__ import annotations

import json

from .synth import Synth, speechlike, zeros

MANUAL = {"type": "realtime", "audio": {"input": {"turn_detection": None}}}
COMMIT_EMPTY = (
    "Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, "
    "but buffer only has {ms}ms of audio."
)


def test_commit_under_server_vad_after_auto_commit() -> None:
    s = Synth()
    s.append(speechlike(800))
    s.user_turn(respond=False)
    s.client("input_audio_buffer.commit")
    assert s.find("commit-under-server-vad").severity == "warning"  # predicted before the answer
    s.error("input_audio_buffer_commit_empty", COMMIT_EMPTY.format(ms="0.00"))
    f = s.find("commit-under-server-vad")
    assert f.severity == "error" and len(f.events) == 2


def test_commit_too_small_and_empty_with_vad_off() -> None:
    s = Synth()
    s.update(MANUAL)
    s.append(speechlike(50), chunk_ms=50)
    s.client("input_audio_buffer.commit")
    s.error("input_audio_buffer_commit_empty", COMMIT_EMPTY.format(ms="50.00"))
    s.client("input_audio_buffer.commit")
    s.error("input_audio_buffer_commit_empty", COMMIT_EMPTY.format(ms="0.00"))
    assert {"commit-too-small", "commit-empty"} <= s.codes()


def test_manual_commit_with_audio_and_response_is_clean() -> None:
    s = Synth()
    s.update(MANUAL)
    s.append(speechlike(600))
    s.client("input_audio_buffer.commit")
    s.server("input_audio_buffer.committed", previous_item_id=None, item_id="item_1")
    s.client("response.create")
    s.response()
    assert s.codes() == set()


def test_commit_without_response_create() -> None:
    s = Synth()
    s.update(MANUAL)
    s.append(speechlike(600))
    pos = s.client("input_audio_buffer.commit")
    s.server("input_audio_buffer.committed", previous_item_id=None, item_id="item_1")
    f = s.find("commit-without-response")
    assert f.events == (pos,)
    assert [e["type"] for e in map(json.loads, (f.fix or "").replace("}\n{", "}\x00{").split("\x00"))] == [
        "input_audio_buffer.commit",
        "response.create",
    ]


def test_transcription_only_session_needs_no_response() -> None:
    s = Synth()
    s.update(
        {
            "type": "transcription",
            "audio": {"input": {"turn_detection": None, "transcription": {"model": "gpt-4o-transcribe"}}},
        }
    )
    s.append(speechlike(600))
    s.client("input_audio_buffer.commit")
    s.server("input_audio_buffer.committed", previous_item_id=None, item_id="item_1")
    assert "commit-without-response" not in s.codes()


def test_response_create_while_active() -> None:
    s = Synth()
    s.client("response.create")
    s.server("response.created", response={"id": "resp_1", "status": "in_progress"})
    s.client("response.create", event_id="evt_2")
    s.error(
        "conversation_already_has_active_response",
        "Conversation already has an active response in progress: resp_1.",
        event_id="evt_2",
    )
    f = s.find("response-already-active")
    assert f.severity == "error" and "response.done" in (f.fix or "")


def test_cancel_of_nothing_and_healthy_cancel() -> None:
    s = Synth()
    s.client("response.cancel")
    s.error("response_cancel_not_active", "Cancellation failed: no active response found")
    assert "cancel-not-active" in s.codes()
    ok = Synth()
    ok.client("response.create")
    ok.server("response.created", response={"id": "resp_1", "status": "in_progress"})
    ok.client("response.cancel")
    ok.server(
        "response.done",
        response={
            "id": "resp_1",
            "status": "cancelled",
            "status_details": {"type": "cancelled", "reason": "client_cancelled"},
        },
    )
    assert ok.codes() == set()  # a cancelled response is informational only
    assert "response-cancelled" in ok.codes(include_info=True)


def test_response_failed_and_incomplete_with_reason() -> None:
    s = Synth()
    s.response(
        status="failed",
        details={
            "type": "failed",
            "error": {"type": "server_error", "code": "boom", "message": "model crashed"},
        },
    )
    s.response(status="incomplete", details={"type": "incomplete", "reason": "max_output_tokens"})
    assert "model crashed" in s.find("response-failed").title
    f = s.find("response-incomplete")
    assert "max_output_tokens" in f.title and f.severity == "warning"


def test_transcription_failed_shows_reason() -> None:
    s = Synth()
    s.server(
        "conversation.item.input_audio_transcription.failed",
        item_id="item_1",
        content_index=0,
        error={"type": "transcription_error", "code": "audio_unintelligible", "message": "could not decode"},
    )
    f = s.find("transcription-failed")
    assert "could not decode" in f.explanation and f.severity == "error"


def test_truncate_beyond_audio() -> None:
    s = Synth()
    s.response(item="item_a", audio_ms=400)  # 4 x 100 ms of audio
    s.client("conversation.item.truncate", item_id="item_a", content_index=0, audio_end_ms=5000)
    f = s.find("truncate-beyond-audio")
    assert json.loads(f.fix or "")["audio_end_ms"] == 400
    ok = Synth()
    ok.response(item="item_a", audio_ms=400)
    ok.client("conversation.item.truncate", item_id="item_a", content_index=0, audio_end_ms=250)
    assert ok.codes() == set()


def test_echo_self_interruption() -> None:
    s = Synth()
    for i in range(3):
        s.response(audio_ms=300)
        s.server("input_audio_buffer.speech_started", dt=0.2, audio_start_ms=1000 * i, item_id=f"item_{i}")
        s.server(
            "input_audio_buffer.speech_stopped", dt=0.5, audio_end_ms=1000 * i + 500, item_id=f"item_{i}"
        )
    assert "echo-self-interruption" in s.codes()
    ok = Synth()
    for i in range(3):
        ok.server("input_audio_buffer.speech_started", dt=3.0, audio_start_ms=1000 * i, item_id=f"item_{i}")
        ok.server(
            "input_audio_buffer.speech_stopped", dt=0.5, audio_end_ms=1000 * i + 500, item_id=f"item_{i}"
        )
        ok.response(audio_ms=300)
    assert "echo-self-interruption" not in ok.codes()


def test_speech_never_stopped() -> None:
    s = Synth()
    s.server("input_audio_buffer.speech_started", audio_start_ms=0, item_id="item_1")
    s.append(speechlike(16_000, level=0.05), realtime=False)
    assert "speech-never-stopped" in s.codes()
    ok = Synth()
    ok.server("input_audio_buffer.speech_started", audio_start_ms=0, item_id="item_1")
    ok.append(speechlike(3000))
    ok.append(zeros(500))
    ok.server("input_audio_buffer.speech_stopped", audio_end_ms=3300, item_id="item_1")
    ok.append(zeros(9000), realtime=False)
    assert "speech-never-stopped" not in ok.codes()


def test_function_call_never_answered() -> None:
    s = Synth()
    s.response(calls=[("call_1", "get_weather")])
    f = s.find("function-call-unanswered")
    assert "call_1" in (f.fix or "") and "response.create" in (f.fix or "")


def test_function_output_without_response_create() -> None:
    s = Synth()
    s.response(calls=[("call_1", "get_weather")])
    s.client(
        "conversation.item.create", item={"type": "function_call_output", "call_id": "call_1", "output": "{}"}
    )
    assert "function-output-without-response" in s.codes()


def test_function_outputs_each_with_own_response() -> None:
    s = Synth()
    s.response(calls=[("call_1", "a"), ("call_2", "b")])
    for cid in ("call_1", "call_2"):
        s.client(
            "conversation.item.create", item={"type": "function_call_output", "call_id": cid, "output": "{}"}
        )
        s.client("response.create")
        s.response()
    f = s.find("function-outputs-separate-responses")
    assert (f.fix or "").count("function_call_output") == 2 and (f.fix or "").count("response.create") == 1


def test_function_calls_answered_together_are_clean() -> None:
    s = Synth()
    s.response(calls=[("call_1", "a"), ("call_2", "b")])
    for cid in ("call_1", "call_2"):
        s.client(
            "conversation.item.create", item={"type": "function_call_output", "call_id": cid, "output": "{}"}
        )
    s.client("response.create")
    s.response()
    assert s.codes() == set()
