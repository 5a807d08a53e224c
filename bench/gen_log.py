"""Generate a large synthetic Realtime session log (GA shapes) with the real LogWriter.

The mix follows a voice session: per turn, ~40 ms `input_audio_buffer.append` chunks of base64
pcm16 (~2.6 KB), VAD events, commit, user item, transcription deltas, a response whose
`response.output_audio.delta` chunks are interleaved with transcript deltas, then done events,
usage and `rate_limits.updated`. About 30 % of the lines carry audio.

    python -m bench.gen_log OUT.jsonl --events 1000000
    python -m bench.gen_log OUT.jsonl --size-mb 1024
"""

from __future__ import annotations

import argparse
import base64
import itertools
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from rtinspect.log import LogWriter
from rtinspect.tap import Direction, Tapped

RATE = 24_000
CHUNK_MS = 40
APPENDS_PER_TURN = 12
AUDIO_DELTAS_PER_TURN = 12
TRANSCRIPT_DELTAS_PER_TURN = 40
ASR_DELTAS_PER_TURN = 6
WORDS = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "a",
    "lazy",
    "dog",
    "while",
    "we",
    "check",
    "realtime",
    "audio",
    "buffers",
    "and",
]


def _audio_chunks(n: int = 16, seed: int = 7) -> list[str]:
    """Distinct 40 ms pcm16 chunks (tone plus noise) as base64, cycled through the session."""
    rng = np.random.default_rng(seed)
    samples = RATE * CHUNK_MS // 1000
    t = np.arange(samples) / RATE
    out = []
    for k in range(n):
        wave = 6000 * np.sin(2 * np.pi * (180 + 20 * k) * t) + rng.normal(0, 800, samples)
        out.append(base64.b64encode(wave.astype("<i2").tobytes()).decode())
    return out


def _session() -> dict[str, Any]:
    return {
        "type": "realtime",
        "object": "realtime.session",
        "id": "sess_synthetic",
        "model": "gpt-realtime",
        "output_modalities": ["audio"],
        "instructions": "You are a helpful assistant. " * 6,
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": 24000},
                "transcription": {"model": "gpt-4o-transcribe"},
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
            "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin", "speed": 1.0},
        },
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
        "tracing": None,
        "truncation": "auto",
        "prompt": None,
        "include": None,
        "expires_at": 1767225600,
    }


def events(seed: int = 1) -> Iterator[tuple[Direction, dict[str, Any]]]:
    """An endless, deterministic GA session."""
    rng = random.Random(seed)
    chunks = itertools.cycle(_audio_chunks())
    ids = itertools.count(1)

    def eid() -> str:
        return f"event_{next(ids):012d}"

    def words(n: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(n))

    yield (
        "meta",
        {"type": "rtinspect.connection.opened", "url": "wss://api.openai.com/v1/realtime?model=gpt-realtime"},
    )
    yield "server", {"type": "session.created", "event_id": eid(), "session": _session()}
    yield "client", {"type": "session.update", "session": {"type": "realtime", "instructions": "Be brief."}}
    yield "server", {"type": "session.updated", "event_id": eid(), "session": _session()}
    audio_ms = 0
    for turn in itertools.count(1):
        item, resp, out_item = f"item_u{turn:08d}", f"resp_{turn:08d}", f"item_a{turn:08d}"
        base = {"response_id": resp, "item_id": out_item, "output_index": 0, "content_index": 0}
        for k in range(APPENDS_PER_TURN):
            yield (
                "client",
                {"type": "input_audio_buffer.append", "event_id": f"c_{turn}_{k}", "audio": next(chunks)},
            )
            if k == 2:
                yield (
                    "server",
                    {
                        "type": "input_audio_buffer.speech_started",
                        "event_id": eid(),
                        "audio_start_ms": audio_ms,
                        "item_id": item,
                    },
                )
        audio_ms += APPENDS_PER_TURN * CHUNK_MS
        yield (
            "server",
            {
                "type": "input_audio_buffer.speech_stopped",
                "event_id": eid(),
                "audio_end_ms": audio_ms,
                "item_id": item,
            },
        )
        yield (
            "server",
            {
                "type": "input_audio_buffer.committed",
                "event_id": eid(),
                "previous_item_id": None,
                "item_id": item,
            },
        )
        user_item = {
            "id": item,
            "type": "message",
            "status": "completed",
            "role": "user",
            "content": [{"type": "input_audio", "transcript": None}],
        }
        yield (
            "server",
            {
                "type": "conversation.item.added",
                "event_id": eid(),
                "previous_item_id": None,
                "item": user_item,
            },
        )
        yield (
            "server",
            {
                "type": "conversation.item.done",
                "event_id": eid(),
                "previous_item_id": None,
                "item": user_item,
            },
        )
        yield (
            "server",
            {
                "type": "response.created",
                "event_id": eid(),
                "response": {
                    "id": resp,
                    "object": "realtime.response",
                    "status": "in_progress",
                    "output": [],
                },
            },
        )
        yield (
            "server",
            {
                "type": "response.output_item.added",
                "event_id": eid(),
                "response_id": resp,
                "output_index": 0,
                "item": {
                    "id": out_item,
                    "type": "message",
                    "status": "in_progress",
                    "role": "assistant",
                    "content": [],
                },
            },
        )
        yield (
            "server",
            {
                "type": "response.content_part.added",
                "event_id": eid(),
                **base,
                "part": {"type": "audio", "transcript": ""},
            },
        )
        heard = []
        for k in range(TRANSCRIPT_DELTAS_PER_TURN):
            if k % 3 == 0 and k // 3 < AUDIO_DELTAS_PER_TURN:
                yield (
                    "server",
                    {"type": "response.output_audio.delta", "event_id": eid(), **base, "delta": next(chunks)},
                )
            if k < ASR_DELTAS_PER_TURN:
                part = words(2) + " "
                heard.append(part)
                yield (
                    "server",
                    {
                        "type": "conversation.item.input_audio_transcription.delta",
                        "event_id": eid(),
                        "item_id": item,
                        "content_index": 0,
                        "delta": part,
                        "obfuscation": "x" * rng.randint(4, 12),
                    },
                )
            yield (
                "server",
                {
                    "type": "response.output_audio_transcript.delta",
                    "event_id": eid(),
                    **base,
                    "delta": words(1) + " ",
                    "obfuscation": "y" * rng.randint(4, 12),
                },
            )
        yield (
            "server",
            {
                "type": "conversation.item.input_audio_transcription.completed",
                "event_id": eid(),
                "item_id": item,
                "content_index": 0,
                "transcript": "".join(heard),
                "usage": {"type": "tokens", "total_tokens": 40, "input_tokens": 30, "output_tokens": 10},
            },
        )
        yield "server", {"type": "response.output_audio.done", "event_id": eid(), **base}
        yield (
            "server",
            {
                "type": "response.output_audio_transcript.done",
                "event_id": eid(),
                **base,
                "transcript": words(12),
            },
        )
        yield (
            "server",
            {
                "type": "response.done",
                "event_id": eid(),
                "response": {
                    "id": resp,
                    "object": "realtime.response",
                    "status": "completed",
                    "status_details": None,
                    "output": [],
                    "usage": {
                        "total_tokens": 300,
                        "input_tokens": 200,
                        "output_tokens": 100,
                        "input_token_details": {"text_tokens": 50, "audio_tokens": 150, "cached_tokens": 0},
                        "output_token_details": {"text_tokens": 20, "audio_tokens": 80},
                    },
                },
            },
        )
        yield (
            "server",
            {
                "type": "rate_limits.updated",
                "event_id": eid(),
                "rate_limits": [{"name": "tokens", "limit": 40000, "remaining": 39000, "reset_seconds": 1.5}],
            },
        )


def generate(
    path: Path, *, n_events: int | None = None, size_bytes: int | None = None, seed: int = 1
) -> tuple[int, int]:
    """Write a session of ``n_events`` (or until ``size_bytes``); returns (events, bytes)."""
    t = 0.0
    with LogWriter(
        path,
        url="wss://api.openai.com/v1/realtime?model=gpt-realtime",
        dialect="ga",
        model="gpt-realtime",
        headers={"Authorization": "Bearer sk-not-a-real-key-000"},
    ) as writer:
        for direction, event in events(seed):
            if n_events is not None and writer.count >= n_events:
                break
            if size_bytes is not None and writer.bytes_written >= size_bytes:
                break
            t += 0.004 if direction == "server" else 0.02 if event["type"].endswith("append") else 0.001
            writer.write(Tapped(t, direction, event))
        return writer.count, writer.bytes_written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--size-mb", type=float, default=None)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.events is None and args.size_mb is None:
        args.events = 20_000
    args.out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    size = int(args.size_mb * 1e6) if args.size_mb is not None else None
    n, nbytes = generate(args.out, n_events=args.events, size_bytes=size, seed=args.seed)
    took = time.perf_counter() - start
    print(
        f"wrote {n} events, {nbytes / 1e6:.1f} MB to {args.out} in {took:.1f} s "
        f"({n / took:,.0f} events/s through LogWriter)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
