"""Small synthetic sessions for the TUI tests, written with the real LogWriter."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import numpy as np

from rtinspect.log import LogWriter
from rtinspect.tap import Tapped


def tone_b64(ms: int, amp: float = 0.1) -> str:
    n = 24 * ms
    t = np.arange(n) / 24000
    pcm = (np.sin(2 * np.pi * 440 * t) * amp * 32767).astype("<i2")
    return base64.b64encode(pcm.tobytes()).decode()


GA_SESSION: dict[str, Any] = {
    "type": "realtime",
    "object": "realtime.session",
    "id": "sess_1",
    "model": "gpt-realtime",
    "expires_at": 1900000000,
    "output_modalities": ["audio"],
    "audio": {
        "input": {
            "format": {"type": "audio/pcm", "rate": 24000},
            "transcription": None,
            "noise_reduction": None,
            "turn_detection": {
                "type": "server_vad",
                "threshold": 0.5,
                "prefix_padding_ms": 300,
                "silence_duration_ms": 200,
                "create_response": True,
                "interrupt_response": True,
                "idle_timeout_ms": None,
            },
        },
        "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "alloy", "speed": 1.0},
    },
}


def broken_session() -> list[Tapped]:
    """A GA session whose client asks for transcription at 16 kHz: the update is rejected, so
    transcription stays off; then audio, VAD, a response, and a manual commit after VAD."""
    recs: list[tuple[str, dict[str, Any]]] = [
        (
            "meta",
            {"type": "rtinspect.connection.opened", "url": "ws://127.0.0.1/v1/realtime", "dialect": "ga"},
        ),
        ("server", {"type": "session.created", "event_id": "event_1", "session": GA_SESSION}),
        (
            "client",
            {
                "type": "session.update",
                "event_id": "cli_1",
                "session": {
                    "type": "realtime",
                    "audio": {
                        "input": {
                            "format": {"type": "audio/pcm", "rate": 16000},
                            "transcription": {"model": "whisper-1"},
                        }
                    },
                },
            },
        ),
        (
            "server",
            {
                "type": "error",
                "event_id": "event_2",
                "error": {
                    "type": "invalid_request_error",
                    "code": "integer_below_min_value",
                    "message": "Invalid 'session.audio.input.format.rate': integer below minimum value. Expected a value >= 24000, but got 16000 instead.",
                    "param": "session.audio.input.format.rate",
                    "event_id": "cli_1",
                },
            },
        ),
    ]
    for _ in range(30):
        recs.append(("client", {"type": "input_audio_buffer.append", "audio": tone_b64(40)}))
    recs += [
        (
            "server",
            {
                "type": "input_audio_buffer.speech_started",
                "event_id": "event_3",
                "audio_start_ms": 100,
                "item_id": "item_1",
            },
        ),
        (
            "server",
            {
                "type": "input_audio_buffer.speech_stopped",
                "event_id": "event_4",
                "audio_end_ms": 1100,
                "item_id": "item_1",
            },
        ),
        (
            "server",
            {
                "type": "input_audio_buffer.committed",
                "event_id": "event_5",
                "previous_item_id": None,
                "item_id": "item_1",
            },
        ),
        (
            "server",
            {
                "type": "conversation.item.added",
                "event_id": "event_6",
                "item": {
                    "id": "item_1",
                    "type": "message",
                    "role": "user",
                    "status": "completed",
                    "content": [{"type": "input_audio", "transcript": None}],
                },
            },
        ),
        ("client", {"type": "input_audio_buffer.commit", "event_id": "cli_2"}),
        (
            "server",
            {
                "type": "error",
                "event_id": "event_7",
                "error": {
                    "type": "invalid_request_error",
                    "code": "input_audio_buffer_commit_empty",
                    "message": "Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has 0.00ms of audio.",
                    "param": None,
                    "event_id": "cli_2",
                },
            },
        ),
        (
            "server",
            {
                "type": "response.created",
                "event_id": "event_8",
                "response": {"id": "resp_1", "status": "in_progress", "usage": None},
            },
        ),
    ]
    for _ in range(5):
        recs.append(
            (
                "server",
                {
                    "type": "response.output_audio.delta",
                    "event_id": "event_x",
                    "response_id": "resp_1",
                    "item_id": "item_2",
                    "output_index": 0,
                    "content_index": 0,
                    "delta": tone_b64(100, 0.3),
                },
            )
        )
    recs += [
        (
            "server",
            {
                "type": "response.output_audio_transcript.done",
                "event_id": "event_9",
                "response_id": "resp_1",
                "item_id": "item_2",
                "output_index": 0,
                "content_index": 0,
                "transcript": "You said something.",
            },
        ),
        (
            "server",
            {
                "type": "response.done",
                "event_id": "event_10",
                "response": {
                    "id": "resp_1",
                    "status": "completed",
                    "usage": {
                        "total_tokens": 120,
                        "input_tokens": 80,
                        "output_tokens": 40,
                        "input_token_details": {"text_tokens": 10, "audio_tokens": 70, "cached_tokens": 0},
                        "output_token_details": {"text_tokens": 10, "audio_tokens": 30},
                    },
                },
            },
        ),
    ]
    return [Tapped(0.01 * i, d, e) for i, (d, e) in enumerate(recs)]  # type: ignore[arg-type]


def write_log(path: Path, recs: list[Tapped], dialect: str = "ga") -> Path:
    with LogWriter(path, url="ws://127.0.0.1:1/v1/realtime", dialect=dialect, model="gpt-realtime") as w:
        for r in recs:
            w.write(r)
    return path


def plain(widget: Any) -> str:
    """The text a Static-like widget shows, without styles."""
    rendered = widget.render()
    return str(getattr(rendered, "plain", rendered))


_BIG_PATTERN: list[tuple[str, str, str]] = [
    (
        "client",
        "input_audio_buffer.append",
        '{"type":"input_audio_buffer.append","audio":"AAAAAAAAAAAAAAAA"}',
    ),
    (
        "client",
        "input_audio_buffer.append",
        '{"type":"input_audio_buffer.append","audio":"AAAAAAAAAAAAAAAA"}',
    ),
    (
        "client",
        "input_audio_buffer.append",
        '{"type":"input_audio_buffer.append","audio":"AAAAAAAAAAAAAAAA"}',
    ),
    (
        "server",
        "input_audio_buffer.speech_started",
        '{"type":"input_audio_buffer.speech_started","audio_start_ms":%d,"item_id":"item_%d"}',
    ),
    (
        "server",
        "response.output_text.delta",
        '{"type":"response.output_text.delta","response_id":"resp_%d","delta":"hi %d"}',
    ),
    (
        "server",
        "response.output_audio_transcript.delta",
        '{"type":"response.output_audio_transcript.delta","delta":"w%d %d"}',
    ),
    (
        "server",
        "rate_limits.updated",
        '{"type":"rate_limits.updated","rate_limits":[{"name":"tokens","limit":%d,"remaining":%d}]}',
    ),
    (
        "server",
        "response.output_text.delta",
        '{"type":"response.output_text.delta","response_id":"resp_%d","delta":"yo %d"}',
    ),
    ("meta", "rtinspect.bookmark", '{"type":"rtinspect.bookmark","label":"mark %d %d"}'),
    (
        "server",
        "error",
        '{"type":"error","error":{"type":"invalid_request_error","code":"x_%d","message":"m %d","param":null}}',
    ),
]


def write_big_log(path: Path, n: int) -> Path:
    """A synthetic log of ``n`` small events written straight in the log format (fast: no JSON encoder).

    30 % audio appends in runs of three, one error every ten events, small payloads.
    """
    header = (
        b'{"rtinspect_log":1,"started":"2026-01-01T00:00:00.000Z","url":null,"dialect":"ga","model":null}\n'
    )
    pat = _BIG_PATTERN
    with open(path, "wb") as f:
        f.write(header)
        lines: list[str] = []
        for i in range(n):
            d, t, body = pat[i % len(pat)]
            if "%d" in body:
                body = body % (i, i)
            lines.append(f'{{"t":{i * 0.001:.6f},"dir":"{d}","type":"{t}","event":{body}}}\n')
            if len(lines) >= 100_000:
                f.write("".join(lines).encode())
                lines.clear()
        f.write("".join(lines).encode())
    return path


async def settled(pilot, timeout: float = 60.0) -> None:
    """Wait on the real conditions, never on a pause: the app's source has started, a recorded log
    is indexed and folded (its last report handled, not merely posted), every worker finished and
    every animation (tab underline, scrolling) is over. Then one more refresh."""
    import asyncio

    app = pilot.app
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not app._started or (app.controller is None and not app.fold_done):
        assert loop.time() < end, "the log was not folded in time"
        await asyncio.sleep(0.01)
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


async def wait_until(pilot, predicate, timeout: float = 20.0) -> None:
    """Pause the app until ``predicate()`` holds (a live session's events arrive when they arrive)."""
    import asyncio

    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        assert loop.time() < end, "condition not met in time"
        await pilot.pause(0.05)
