"""Shared helpers: write a small realistic session through the real EventTap + LogWriter."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from rtinspect.log import LogWriter
from rtinspect.tap import EventTap, Tapped


def sample_events() -> list[tuple[str, dict]]:
    audio = base64.b64encode(bytes(range(256)) * 8).decode()
    return [
        (
            "meta",
            {"type": "rtinspect.connection.opened", "url": "wss://x/v1/realtime?model=m", "dialect": "ga"},
        ),
        (
            "server",
            {"type": "session.created", "event_id": "e1", "session": {"type": "realtime", "model": "m"}},
        ),
        (
            "client",
            {"type": "session.update", "session": {"type": "realtime", "instructions": 'héllo ✓ "q"'}},
        ),
        ("client", {"type": "input_audio_buffer.append", "audio": audio}),
        ("client", {"type": "input_audio_buffer.append", "audio": audio}),
        ("server", {"type": "input_audio_buffer.speech_started", "audio_start_ms": 120, "item_id": "it1"}),
        (
            "server",
            {"type": "response.output_audio.delta", "delta": audio, "response_id": "r1", "obfuscation": "ab"},
        ),
        ("server", {"type": "response.output_text.delta", "delta": "Hi\nthere", "response_id": "r1"}),
        (
            "server",
            {"type": "error", "error": {"type": "invalid_request_error", "code": None, "message": "x"}},
        ),
        ("client", {"no_type": True, "nested": [1, 2.5, None, {"a": []}]}),
        ("meta", {"type": "rtinspect.bookmark", "label": "here"}),
    ]


def write_log(path: Path, events: list[tuple[str, dict]] | None = None, **kw) -> list[Tapped]:
    """Write ``events`` via an EventTap sink with a fake clock; returns what the tap produced."""
    ticks = iter(range(10_000))
    tap = EventTap(clock=lambda: next(ticks) / 80)  # exact at the microsecond precision of the log
    out: list[Tapped] = []
    with LogWriter(path, url="wss://x/v1/realtime?model=m", dialect="ga", model="m", **kw) as writer:
        tap.add_sink(writer.write)
        for direction, event in events if events is not None else sample_events():
            out.append(tap.tap(direction, event))  # type: ignore[arg-type]
    return out


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "session.jsonl"
