"""Golden sessions as lists of real-shaped events (shapes from docs/protocol.md and the schemas).

Each builder returns ``(records, marks)`` where ``marks`` names the position of the events the
tests point at, so assertions read ``marks["commit_empty_error"]`` instead of magic numbers.
"""

from __future__ import annotations

import base64
from typing import Any

from rtinspect.tap import META_CONNECTION_CLOSED, META_CONNECTION_OPENED, Tapped

PCM_100MS = base64.b64encode(b"\x01\x00" * 2400).decode()  # 4800 bytes = 100 ms of pcm16 24 kHz
G711_100MS = base64.b64encode(b"\x7f" * 800).decode()  # 800 bytes = 100 ms of g711
OUT_AUDIO = base64.b64encode(b"\x00\x01" * 1200).decode()  # 2400 bytes = 50 ms at 24 kHz


class Builder:
    def __init__(self) -> None:
        self.records: list[Tapped] = []
        self.marks: dict[str, int] = {}
        self.t = 0.0

    def add(self, direction: str, event: dict[str, Any], mark: str | None = None, dt: float = 0.01) -> int:
        self.t = round(self.t + dt, 6)
        pos = len(self.records)
        self.records.append(Tapped(self.t, direction, event))  # type: ignore[arg-type]
        if mark:
            self.marks[mark] = pos
        return pos

    def server(self, type_: str, mark: str | None = None, **fields: Any) -> int:
        return self.add("server", {"type": type_, "event_id": f"event_{len(self.records)}", **fields}, mark)

    def client(self, type_: str, mark: str | None = None, **fields: Any) -> int:
        return self.add("client", {"type": type_, **fields}, mark)


def ga_session(transcription: dict[str, Any] | None, rate: int = 24000) -> dict[str, Any]:
    """A full effective GA session as session.created/updated carry it."""
    return {
        "type": "realtime",
        "object": "realtime.session",
        "id": "sess_GA1",
        "model": "gpt-realtime",
        "output_modalities": ["audio"],
        "instructions": "Be brief.",
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
        "tracing": None,
        "truncation": "auto",
        "prompt": None,
        "expires_at": 1767225600,
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": rate},
                "transcription": transcription,
                "noise_reduction": None,
                "turn_detection": {
                    "type": "server_vad",
                    "threshold": 0.5,
                    "prefix_padding_ms": 300,
                    "silence_duration_ms": 200,
                    "idle_timeout_ms": None,
                    "create_response": True,
                    "interrupt_response": True,
                },
            },
            "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin", "speed": 1.0},
        },
        "include": None,
    }


USAGE_1 = {
    "total_tokens": 300,
    "input_tokens": 200,
    "output_tokens": 100,
    "input_token_details": {
        "text_tokens": 120,
        "audio_tokens": 80,
        "image_tokens": 0,
        "cached_tokens": 64,
        "cached_tokens_details": {"text_tokens": 64, "audio_tokens": 0, "image_tokens": 0},
    },
    "output_token_details": {"text_tokens": 30, "audio_tokens": 70},
}
USAGE_2 = {
    "total_tokens": 50,
    "input_tokens": 40,
    "output_tokens": 10,
    "input_token_details": {"text_tokens": 40, "audio_tokens": 0, "image_tokens": 0, "cached_tokens": 0},
    "output_token_details": {"text_tokens": 10, "audio_tokens": 0},
}


def golden_ga() -> tuple[list[Tapped], dict[str, int]]:
    """GA: rejected rate-16000 update, a good update, a VAD turn whose transcript streams after
    response.done, an empty manual commit (error with null event_id), a function call with a
    second response.create refused while it runs (error with event_id), then a client close."""
    b = Builder()
    b.add(
        "meta",
        {
            "type": META_CONNECTION_OPENED,
            "url": "wss://api.openai.com/v1/realtime?model=gpt-realtime",
            "headers": {"Authorization": "Bearer ***"},
            "dialect": "ga",
            "model": "gpt-realtime",
        },
        "opened",
    )
    b.server("session.created", "created", session=ga_session(None))
    bad = {
        "type": "realtime",
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": 16000},
                "transcription": {"model": "gpt-4o-mini-transcribe"},
            }
        },
    }
    b.client("session.update", "bad_update", event_id="evt_upd_1", session=bad)
    b.server(
        "error",
        "rate_error",
        error={
            "type": "invalid_request_error",
            "code": "integer_below_min_value",
            "message": "Invalid 'session.audio.input.format.rate': integer below minimum value. Expected a value >= 24000, but got 16000 instead.",
            "param": "session.audio.input.format.rate",
            "event_id": "evt_upd_1",
        },
    )
    good = {"type": "realtime", "audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe"}}}}
    b.client("session.update", "good_update", event_id="evt_upd_2", session=good)
    b.server(
        "session.updated",
        "updated",
        session=ga_session({"model": "gpt-4o-mini-transcribe", "language": None, "prompt": None}),
    )
    for i in range(4):
        b.client("input_audio_buffer.append", f"append_{i}", event_id=f"evt_app_{i}", audio=PCM_100MS)
    b.server("input_audio_buffer.speech_started", "speech_started", audio_start_ms=20, item_id="item_A")
    b.client("input_audio_buffer.append", "append_4", audio=PCM_100MS)
    b.server("input_audio_buffer.speech_stopped", "speech_stopped", audio_end_ms=440, item_id="item_A")
    b.server("input_audio_buffer.committed", "committed_A", previous_item_id=None, item_id="item_A")
    user_item = {
        "id": "item_A",
        "type": "message",
        "status": "completed",
        "role": "user",
        "content": [{"type": "input_audio", "transcript": None}],
    }
    b.server("conversation.item.added", "added_A", previous_item_id=None, item=user_item)
    b.server("conversation.item.done", "done_A", previous_item_id=None, item=user_item)
    resp1 = {
        "object": "realtime.response",
        "id": "resp_1",
        "status": "in_progress",
        "status_details": None,
        "output": [],
        "conversation_id": "conv_1",
        "output_modalities": ["audio"],
        "usage": None,
    }
    b.server("response.created", "resp1_created", response=resp1)
    out_b = {"id": "item_B", "type": "message", "status": "in_progress", "role": "assistant", "content": []}
    b.server("response.output_item.added", response_id="resp_1", output_index=0, item=out_b)
    b.server("conversation.item.added", "added_B", previous_item_id="item_A", item=out_b)
    b.server(
        "response.content_part.added",
        response_id="resp_1",
        item_id="item_B",
        output_index=0,
        content_index=0,
        part={"type": "audio", "transcript": ""},
    )
    b.server(
        "response.output_audio.delta",
        "first_audio",
        response_id="resp_1",
        item_id="item_B",
        output_index=0,
        content_index=0,
        delta=OUT_AUDIO,
        obfuscation="abc",
    )
    b.server(
        "response.output_audio_transcript.delta",
        response_id="resp_1",
        item_id="item_B",
        output_index=0,
        content_index=0,
        delta="Hel",
        obfuscation="ab",
    )
    b.server(
        "response.output_audio.delta",
        response_id="resp_1",
        item_id="item_B",
        output_index=0,
        content_index=0,
        delta=OUT_AUDIO,
        obfuscation="abc",
    )
    b.server(
        "response.output_audio_transcript.delta",
        response_id="resp_1",
        item_id="item_B",
        output_index=0,
        content_index=0,
        delta="lo!",
        obfuscation="ab",
    )
    b.server(
        "response.output_audio.done", response_id="resp_1", item_id="item_B", output_index=0, content_index=0
    )
    b.server(
        "response.output_audio_transcript.done",
        response_id="resp_1",
        item_id="item_B",
        output_index=0,
        content_index=0,
        transcript="Hello!",
    )
    b.server(
        "response.content_part.done",
        response_id="resp_1",
        item_id="item_B",
        output_index=0,
        content_index=0,
        part={"type": "audio", "transcript": "Hello!"},
    )
    done_b = {**out_b, "status": "completed", "content": [{"type": "output_audio", "transcript": "Hello!"}]}
    b.server("response.output_item.done", "out_done_B", response_id="resp_1", output_index=0, item=done_b)
    b.server("conversation.item.done", previous_item_id="item_A", item=done_b)
    b.server(
        "response.done",
        "resp1_done",
        response={**resp1, "status": "completed", "output": [done_b], "usage": USAGE_1},
    )
    b.server(
        "rate_limits.updated",
        "rate_limits",
        rate_limits=[{"name": "tokens", "limit": 40000, "remaining": 39700, "reset_seconds": 0.45}],
    )
    b.server(
        "conversation.item.input_audio_transcription.delta",
        "tr_delta_1",
        item_id="item_A",
        content_index=0,
        delta="Hi ",
    )
    b.server(
        "conversation.item.input_audio_transcription.delta", item_id="item_A", content_index=0, delta="there"
    )
    b.server(
        "conversation.item.input_audio_transcription.completed",
        "tr_completed",
        item_id="item_A",
        content_index=0,
        transcript="Hi there.",
        usage={
            "type": "tokens",
            "total_tokens": 19,
            "input_tokens": 14,
            "output_tokens": 5,
            "input_token_details": {"text_tokens": 0, "audio_tokens": 14},
        },
    )
    b.client("input_audio_buffer.commit", "empty_commit")
    b.server(
        "error",
        "commit_error",
        error={
            "type": "invalid_request_error",
            "code": "input_audio_buffer_commit_empty",
            "message": "Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has 0.00ms of audio.",
            "param": None,
            "event_id": None,
        },
    )
    b.client("response.create", "create_2", event_id="evt_rc_2")
    resp2 = {**resp1, "id": "resp_2", "output_modalities": ["text"]}
    b.server("response.created", "resp2_created", response=resp2)
    call = {
        "id": "item_C",
        "type": "function_call",
        "status": "in_progress",
        "call_id": "call_1",
        "name": "get_weather",
        "arguments": "",
    }
    b.server("response.output_item.added", response_id="resp_2", output_index=0, item=call)
    b.server("conversation.item.added", previous_item_id="item_B", item=call)
    b.client("response.create", "create_3", event_id="evt_rc_3")
    b.server(
        "error",
        "active_error",
        error={
            "type": "invalid_request_error",
            "code": "conversation_already_has_active_response",
            "message": "Conversation already has an active response in progress: resp_2. Wait until the response is finished before creating a new one.",
            "param": None,
            "event_id": "evt_rc_3",
        },
    )
    b.server(
        "response.function_call_arguments.delta",
        response_id="resp_2",
        item_id="item_C",
        output_index=0,
        call_id="call_1",
        delta='{"city":',
        obfuscation="x",
    )
    b.server(
        "response.function_call_arguments.delta",
        response_id="resp_2",
        item_id="item_C",
        output_index=0,
        call_id="call_1",
        delta='"Paris"}',
        obfuscation="x",
    )
    b.server(
        "response.function_call_arguments.done",
        "args_done",
        response_id="resp_2",
        item_id="item_C",
        output_index=0,
        call_id="call_1",
        arguments='{"city":"Paris"}',
    )
    call_done = {**call, "status": "completed", "arguments": '{"city":"Paris"}'}
    b.server("response.output_item.done", response_id="resp_2", output_index=0, item=call_done)
    b.server("conversation.item.done", previous_item_id="item_B", item=call_done)
    b.server(
        "response.done",
        "resp2_done",
        response={**resp2, "status": "completed", "output": [call_done], "usage": USAGE_2},
    )
    b.add("meta", {"type": META_CONNECTION_CLOSED, "code": 1000, "reason": "", "by": "client"}, "closed")
    return b.records, b.marks


def beta_session(transcription: dict[str, Any] | None, fmt: str = "pcm16") -> dict[str, Any]:
    return {
        "id": "sess_B1",
        "object": "realtime.session",
        "model": "gpt-4o-realtime-preview-2024-12-17",
        "expires_at": 1735689600,
        "modalities": ["text", "audio"],
        "instructions": "",
        "voice": "alloy",
        "input_audio_format": fmt,
        "output_audio_format": "pcm16",
        "input_audio_transcription": transcription,
        "turn_detection": None,
        "tools": [],
        "tool_choice": "auto",
        "temperature": 0.8,
        "max_response_output_tokens": "inf",
    }


def golden_beta() -> tuple[list[Tapped], dict[str, int]]:
    """Beta, no meta header (dialect from events): manual turns, a rejected `enabled: true`
    update answered with a null event_id, a format change to g711 between appends, text and
    audio output, a failed transcription, truncate/delete and a clear."""
    b = Builder()
    b.server("session.created", "created", session=beta_session(None))
    b.server("conversation.created", conversation={"id": "conv_1", "object": "realtime.conversation"})
    b.client("input_audio_buffer.append", "pcm_append", audio=PCM_100MS)
    b.client(
        "session.update",
        "bad_update",
        event_id="evt_b1",
        session={"input_audio_transcription": {"enabled": True, "model": "whisper-1"}},
    )
    b.server(
        "error",
        "enabled_error",
        error={
            "type": "invalid_request_error",
            "code": "unknown_parameter",
            "message": "Unknown parameter: 'session.input_audio_transcription.enabled'.",
            "param": "session.input_audio_transcription.enabled",
            "event_id": None,
        },
    )
    b.client(
        "session.update",
        "good_update",
        session={"input_audio_format": "g711_ulaw", "input_audio_transcription": {"model": "whisper-1"}},
    )
    b.server("session.updated", "updated", session=beta_session({"model": "whisper-1"}, "g711_ulaw"))
    b.client("input_audio_buffer.append", "g711_append_0", audio=G711_100MS)
    b.client("input_audio_buffer.append", "g711_append_1", audio=G711_100MS)
    b.client("input_audio_buffer.commit", "commit", event_id="evt_commit")
    b.server("input_audio_buffer.committed", "committed", previous_item_id=None, item_id="item_1")
    user = {
        "id": "item_1",
        "object": "realtime.item",
        "type": "message",
        "status": "completed",
        "role": "user",
        "content": [{"type": "input_audio", "transcript": None}],
    }
    b.server("conversation.item.created", "created_1", previous_item_id=None, item=user)
    b.client("response.create", "create", response={"modalities": ["text", "audio"]})
    r = {
        "id": "resp_1",
        "object": "realtime.response",
        "status": "in_progress",
        "status_details": None,
        "output": [],
        "usage": None,
    }
    b.server("response.created", "resp_created", response=r)
    out = {
        "id": "item_2",
        "object": "realtime.item",
        "type": "message",
        "status": "in_progress",
        "role": "assistant",
        "content": [],
    }
    b.server("response.output_item.added", response_id="resp_1", output_index=0, item=out)
    b.server("conversation.item.created", "created_2", previous_item_id="item_1", item=out)
    b.server(
        "response.text.delta",
        "text_delta",
        response_id="resp_1",
        item_id="item_2",
        output_index=0,
        content_index=0,
        delta="Sure, ",
    )
    b.server(
        "response.text.delta",
        response_id="resp_1",
        item_id="item_2",
        output_index=0,
        content_index=0,
        delta="done.",
    )
    b.server(
        "response.text.done",
        response_id="resp_1",
        item_id="item_2",
        output_index=0,
        content_index=0,
        text="Sure, done.",
    )
    b.server(
        "response.audio.delta",
        "audio_delta",
        response_id="resp_1",
        item_id="item_2",
        output_index=0,
        content_index=1,
        delta=OUT_AUDIO,
    )
    b.server(
        "response.audio_transcript.delta",
        response_id="resp_1",
        item_id="item_2",
        output_index=0,
        content_index=1,
        delta="Sure",
    )
    b.server("response.audio.done", response_id="resp_1", item_id="item_2", output_index=0, content_index=1)
    b.server(
        "response.audio_transcript.done",
        response_id="resp_1",
        item_id="item_2",
        output_index=0,
        content_index=1,
        transcript="Sure",
    )
    b.server(
        "conversation.item.input_audio_transcription.failed",
        "tr_failed",
        item_id="item_1",
        content_index=0,
        error={
            "type": "transcription_error",
            "code": "audio_unintelligible",
            "message": "Audio unintelligible",
            "param": None,
        },
    )
    out_done = {
        **out,
        "status": "completed",
        "content": [{"type": "text", "text": "Sure, done."}, {"type": "audio", "transcript": "Sure"}],
    }
    b.server("response.output_item.done", response_id="resp_1", output_index=0, item=out_done)
    b.server(
        "response.done",
        "resp_done",
        response={**r, "status": "completed", "output": [out_done], "usage": USAGE_2},
    )
    b.client("conversation.item.truncate", item_id="item_2", content_index=1, audio_end_ms=30)
    b.server("conversation.item.truncated", "truncated", item_id="item_2", content_index=1, audio_end_ms=30)
    b.client("conversation.item.delete", item_id="item_2")
    b.server("conversation.item.deleted", "deleted", item_id="item_2")
    b.client("input_audio_buffer.append", "last_append", audio=G711_100MS)
    b.client("input_audio_buffer.clear", "clear")
    b.server("input_audio_buffer.cleared", "cleared")
    return b.records, b.marks
