"""The failure modes developers report from the field (issue "Doctor from the field"), each with
its healthy twin: the doctor names the broken session and stays quiet on the twin."""

from __future__ import annotations

import json

from rtinspect.tap import META_CONNECTION_CLOSED

from .synth import Synth

TRANSCRIBE = {"type": "realtime", "audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe"}}}}


def test_empty_transcript() -> None:
    s = Synth()
    s.update(TRANSCRIBE)
    s.user_turn("item_u1", transcript="")
    f = s.find("transcript-empty")
    assert f.severity == "warning" and f.fix
    ok = Synth()
    ok.update(TRANSCRIBE)
    ok.user_turn("item_u1", transcript="what is the weather")
    assert ok.codes() == set()


def test_manual_commit_that_succeeds_under_server_vad_names_the_item_it_made() -> None:
    s = Synth()
    s.update(TRANSCRIBE)
    s.user_turn("item_u1", transcript="hello")
    s.append(b"\0" * 4800 * 4, chunk_ms=100)  # 400 ms of trailing audio
    commit = s.client("input_audio_buffer.commit")
    committed = s.server("input_audio_buffer.committed", previous_item_id="item_u1", item_id="item_u2")
    f = s.find("commit-under-server-vad")
    assert f.severity == "warning" and f.events == (commit, committed)
    assert "item_u2" in f.explanation and "400 ms" in f.explanation
    ok = Synth()
    ok.update(
        {"type": "realtime", "audio": {"input": {"turn_detection": None, **TRANSCRIBE["audio"]["input"]}}}
    )
    ok.append(b"\0" * 4800 * 4, chunk_ms=100)
    ok.client("input_audio_buffer.commit")
    ok.server("input_audio_buffer.committed", previous_item_id=None, item_id="item_u1")
    ok.client("response.create")
    ok.response()
    assert "commit-under-server-vad" not in ok.codes()


def test_tool_called_again_and_again_with_the_same_arguments() -> None:
    s = Synth()
    for i in range(6):
        s.response(audio_ms=0, calls=[(f"call_{i}", "get_weather")])
        s.client(
            "conversation.item.create",
            item={"type": "function_call_output", "call_id": f"call_{i}", "output": '{"temp": 20}'},
        )
        s.client("response.create")
    f = s.find("tool-call-loop")
    assert f.severity == "error" and "6 times" in f.title and len(f.events) == 6
    assert '"tool_choice": "none"' in (f.fix or "")
    ok = Synth()
    ok.response(audio_ms=0, calls=[("call_1", "get_weather")])
    ok.client(
        "conversation.item.create",
        item={"type": "function_call_output", "call_id": "call_1", "output": '{"temp": 20}'},
    )
    ok.client("response.create")
    ok.response()
    assert ok.codes() == set()


def _barge_in(s: Synth) -> str:
    s.server("response.created", response={"id": "resp_1", "status": "in_progress", "output": []})
    s.server(
        "response.output_item.added",
        response_id="resp_1",
        output_index=0,
        item={"id": "item_a1", "type": "message", "role": "assistant", "content": [{"type": "output_audio"}]},
    )
    for _ in range(5):
        s.server(
            "response.output_audio.delta", dt=0.05, response_id="resp_1", item_id="item_a1", delta="A" * 6400
        )
    s.server("input_audio_buffer.speech_started", audio_start_ms=2000, item_id="item_u2")
    s.server(
        "response.done",
        response={
            "id": "resp_1",
            "status": "cancelled",
            "status_details": {"reason": "turn_detected"},
            "output": [],
        },
    )
    return "item_a1"


def test_barge_in_without_truncate_on_a_websocket() -> None:
    s = Synth()
    item = _barge_in(s)
    f = s.find("barge-in-without-truncate")
    fix = json.loads(f.fix.split("\n", 1)[1])
    assert fix["type"] == "conversation.item.truncate" and fix["item_id"] == item
    ok = Synth()
    _barge_in(ok)
    ok.client("conversation.item.truncate", item_id=item, content_index=0, audio_end_ms=300)
    ok.server("conversation.item.truncated", item_id=item, content_index=0, audio_end_ms=300)
    assert "barge-in-without-truncate" not in ok.codes()


def _preamble_response(s: Synth, *, move_on: bool) -> None:
    """A preamble then the answer in one response; ``move_on``: the client sends its next turn right after
    the first message item is done (it took the preamble for the whole answer)."""
    s.server("response.created", response={"id": "resp_1", "status": "in_progress", "output": []})
    for i, item in enumerate(("item_pre", "item_answer")):
        msg = {"id": item, "type": "message", "role": "assistant", "content": [{"type": "output_audio"}]}
        s.server("response.output_item.added", response_id="resp_1", output_index=i, item=msg)
        s.server("response.output_item.done", response_id="resp_1", output_index=i, item=msg)
        if move_on and i == 0:
            s.client("response.create")
    s.server("response.done", response={"id": "resp_1", "status": "completed", "output": []})


def test_two_assistant_messages_in_one_response() -> None:
    s = Synth()
    _preamble_response(s, move_on=True)
    f = s.find("multiple-assistant-messages")
    assert f.severity == "warning" and "item_pre" in f.explanation and "item_answer" in f.explanation
    types = [s.recs[p].type for p in f.events]
    assert types == ["response.output_item.done", "response.create", "response.done"]
    ok = Synth()  # the same response; the client waited for response.done: an info note only
    _preamble_response(ok, move_on=False)
    assert "multiple-assistant-messages" not in ok.codes(include_info=True)
    assert ok.find("assistant-preamble").severity == "info"
    one = Synth()
    one.response(rid="resp_1")
    assert not {"multiple-assistant-messages", "assistant-preamble"} & one.codes(include_info=True)


def test_transcription_model_used_as_the_session_model() -> None:
    s = Synth()
    s.recs[0].event["model"] = "gpt-4o-mini-transcribe"
    f = s.find("transcription-model-as-session-model")
    assert f.severity == "error" and f.events == (0,) and "?model=gpt-realtime" in (f.fix or "")
    ok = Synth()
    ok.recs[0].event["model"] = "gpt-realtime"
    ok.update(TRANSCRIBE)  # the transcription model where it belongs
    assert ok.codes() == set()


def test_keepalive_timeout_close() -> None:
    s = Synth()
    s.user_turn("item_u1")
    s.meta(META_CONNECTION_CLOSED, dt=25.0, code=1011, reason="keepalive ping timeout", by="client")
    f = s.find("keepalive-timeout")
    assert f.severity == "error" and "event loop" in f.explanation
    assert "connection-closed" not in s.codes()
    other = Synth()
    other.meta(META_CONNECTION_CLOSED, dt=1.0, code=1011, reason="internal error", by="server")
    assert "keepalive-timeout" not in other.codes() and "connection-closed" in other.codes()
