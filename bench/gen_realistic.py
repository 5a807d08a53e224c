"""Generate a big GA voice session log shaped like real traffic, in rtinspect's log format.

Real Realtime traffic is mostly base64 audio: an app streams its microphone all the time in
20-40 ms ``input_audio_buffer.append`` chunks (pcm16, 24 kHz: 960-1920 bytes, 1280-2560 base64
characters) and the server answers in 50-100 ms ``response.output_audio.delta`` chunks (with the
GA ``obfuscation`` field after the payload, as the live server and the embedded one send it). So,
per user turn of about 200 events: ~55 % appends, ~25 % audio deltas, transcript deltas, and the
turn's lifecycle (VAD speech_started/stopped, committed, the user item added/done, response
created, output item and content part added/done, response.done with usage, rate_limits.updated).
Now and then the client sends a ``session.update``; a few errors (a second ``response.create``
while one is active, a manual commit after VAD already committed). Input transcription is off
throughout, so user items carry ``transcript: null`` and no transcription events come.

Speed: the audio is cut from base64 text encoded once. Standard base64 of a byte string whose
offset and length are multiples of 3 is the matching slice of the whole string's base64 (every 3
bytes are 4 characters), and pcm16 at 24 kHz is 48 bytes per ms, so every chunk is a slice of
one of two encoded signals (speech-like, and room noise), at offsets that keep samples whole.
Lines are formatted with ``rtinspect.log.format.event_line`` (the writer's own envelope) after a
header from ``LogWriter``, and written in large blocks.

    python -m bench.gen_realistic OUT.jsonl                 # 1,000,000 events (about 2 GB)
    python -m bench.gen_realistic OUT.jsonl --events 20000  # small
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from rtinspect.log import LogWriter
from rtinspect.log.format import event_line

RATE = 24_000
BYTES_PER_MS = RATE * 2 // 1000  # pcm16 mono
OUT = Path(__file__).resolve().parent / "out"
_TEXT = (
    "sure i can help with that the weather in paris tomorrow looks mild with a light breeze and "
    "some sun in the afternoon would you like me to check anything else for your trip"
)
WORDS = _TEXT.split(" ")
INSTRUCTIONS = (
    "You are a friendly voice assistant for a travel company. Keep answers short, speak naturally, "
    "and ask one question at a time."
)


def _signals(seconds: int = 60, seed: int = 3) -> tuple[str, str]:
    """Base64 of ``seconds`` of speech-like pcm16 (voiced harmonics, syllable envelope) and of room noise."""
    rng = np.random.default_rng(seed)
    n = RATE * seconds
    t = np.arange(n) / RATE
    pitch = 150 + 40 * np.sin(2 * np.pi * 0.3 * t) + 20 * np.sin(2 * np.pi * 1.7 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / RATE
    voiced = sum(np.sin(k * phase) / k for k in range(1, 8))
    syllables = np.clip(np.sin(2 * np.pi * 4.0 * t + 2 * np.sin(2 * np.pi * 0.7 * t)), 0, None) ** 0.7
    speech = 4000 * voiced * syllables + rng.normal(0, 300, n)
    noise = rng.normal(0, 40, n)
    return (
        base64.b64encode(np.clip(speech, -32768, 32767).astype("<i2").tobytes()).decode(),
        base64.b64encode(noise.astype("<i2").tobytes()).decode(),
    )


class _Audio:
    """Chunks of base64 pcm16 cut from pre-encoded signals (no encoding per event)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.speech, self.noise = _signals()
        self.rng = rng
        self.starts: list[int] = []

    def chunk(self, ms: int, speech: bool) -> str:
        text = self.speech if speech else self.noise
        chars = ms * BYTES_PER_MS * 4 // 3  # 48 bytes per ms: always a multiple of 3
        if not self.starts:  # drawn in bulk: one numpy call per event would cost more than the event
            self.starts = self.rng.integers(0, (len(text) - 8000) // 8, 65536).tolist()
        # 8 characters = 6 bytes = 3 whole samples: slices keep sample boundaries and decode exactly
        start = 8 * self.starts.pop()
        return text[start : start + chars]


class _Ids:
    """Ids shaped like the live server's (prefix + 20 random characters), drawn in bulk."""

    ALPHABET = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", np.uint8)

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.pool: list[str] = []

    def __call__(self, prefix: str) -> str:
        if not self.pool:
            raw = self.ALPHABET[self.rng.integers(0, len(self.ALPHABET), (65536, 20))]
            self.pool = raw.view("S20").ravel().astype(str).tolist()
        return prefix + self.pool.pop()


def _session(sid: str, instructions: str, expires_at: int) -> dict[str, Any]:
    """A GA ``session.created``/``updated`` session: pcm 24 kHz both ways, server VAD, transcription null."""
    return {
        "type": "realtime",
        "object": "realtime.session",
        "id": sid,
        "model": "gpt-realtime",
        "output_modalities": ["audio"],
        "instructions": instructions,
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
        "tracing": None,
        "prompt": None,
        "expires_at": expires_at,
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
                    "idle_timeout_ms": None,
                    "create_response": True,
                    "interrupt_response": True,
                },
            },
            "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin", "speed": 1.0},
        },
        "include": None,
        "truncation": "auto",
    }


def _update(instructions: str, eid: str) -> dict[str, Any]:
    return {
        "type": "session.update",
        "event_id": eid,
        "session": {
            "type": "realtime",
            "instructions": instructions,
            "audio": {
                "input": {
                    "format": {"type": "audio/pcm", "rate": 24000},
                    "turn_detection": {"type": "server_vad", "silence_duration_ms": 200},
                },
                "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin"},
            },
        },
    }


Ev = tuple[float, str, dict[str, Any]]
COMMIT_EMPTY = (
    "Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, "
    "but buffer only has 0.00ms of audio."
)


class Session:
    """The simulation: one server-VAD turn after another, each answered with audio.

    The app streams its microphone while the user speaks and until the answer starts playing, then
    mutes it during playback (as half-duplex apps do against echo) and opens it again after.
    """

    def __init__(self, seed: int = 1, started: float = 0.0) -> None:
        self.rng = np.random.default_rng(seed)
        self.audio = _Audio(self.rng)
        self.ids = _Ids(self.rng)
        self.started = started  # epoch seconds of t = 0 (for expires_at)
        self.t = 0.05  # seconds since the connection opened
        self.audio_ms = 0  # input audio appended so far, as the server counts it
        self.turn = 0
        self.remaining = 40000
        self.context_tokens = 600
        self.sid = self.ids("sess_")
        self.last_item: str | None = None

    def _ev(self, type_: str, **fields: Any) -> dict[str, Any]:
        return {"type": type_, "event_id": self.ids("event_"), **fields}

    def _session(self, instructions: str) -> dict[str, Any]:
        return _session(self.sid, instructions, int(self.started) + 3600)

    def _response(self, rid: str, status: str, output: list[Any], usage: Any) -> dict[str, Any]:
        return {
            "object": "realtime.response",
            "id": rid,
            "status": status,
            "status_details": None,
            "output": output,
            "conversation_id": "conv_" + self.sid[5:],
            "output_modalities": ["audio"],
            "max_output_tokens": "inf",
            "audio": {"output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin"}},
            "usage": usage,
            "metadata": None,
        }

    def _short_id(self) -> str:
        return self.ids("")[: int(self.rng.integers(8, 16))]

    def opening(self) -> list[Ev]:
        opened = {
            "type": "rtinspect.connection.opened",
            "url": "wss://api.openai.com/v1/realtime?model=gpt-realtime",
            "dialect": "ga",
            "model": "gpt-realtime",
        }
        return [
            (0.0, "meta", opened),
            (
                0.021,
                "server",
                self._ev("session.created", session=self._session("You are a helpful assistant.")),
            ),
            (0.030, "client", _update(INSTRUCTIONS, "evt_" + self.ids("")[:16])),
            (0.048, "server", self._ev("session.updated", session=self._session(INSTRUCTIONS))),
        ]

    def next_turn(self) -> list[Ev]:
        """One user turn and its spoken answer, in time order (about 200 events)."""
        rng, ev = self.rng, self._ev
        self.turn += 1
        server: list[Ev] = []

        def say(t: float, type_: str, **fields: Any) -> None:
            server.append((t, "server", ev(type_, **fields)))

        # The user speaks for 1.9-3 s; server VAD: speech_started (audio_start_ms includes the
        # 300 ms prefix padding), stopped after 200 ms of silence, commit, the user item, a response.
        t0 = self.t
        ms_at = self.audio_ms - 1000 * t0  # input audio ms at session time x: ms_at + 1000 x
        speak_from = t0 + float(rng.uniform(0.1, 0.3))
        speak_to = speak_from + float(rng.uniform(1.9, 3.0))
        item, prev = self.ids("item_"), self.last_item
        start_ms = max(0, int(ms_at + 1000 * speak_from) - 300)
        say(speak_from + 0.12, "input_audio_buffer.speech_started", audio_start_ms=start_ms, item_id=item)
        t = speak_to + 0.2 + float(rng.uniform(0.01, 0.04))
        end_ms = int(ms_at + 1000 * (speak_to + 0.2))
        say(t, "input_audio_buffer.speech_stopped", audio_end_ms=end_ms, item_id=item)
        user = {"id": item, "type": "message", "role": "user"}
        content = [{"type": "input_audio", "transcript": None}]
        say(t + 0.004, "input_audio_buffer.committed", previous_item_id=prev, item_id=item)
        added = {**user, "status": "in_progress", "content": []}
        say(t + 0.006, "conversation.item.added", previous_item_id=prev, item=added)
        say(
            t + 0.007,
            "conversation.item.done",
            previous_item_id=prev,
            item={**user, "status": "completed", "content": content},
        )
        errors: list[Ev] = []
        if self.turn % 450 == 7:  # the classic: a manual commit after server VAD already committed
            errors.append((t + 0.010, "client", {"type": "input_audio_buffer.commit"}))
            err = {"type": "invalid_request_error", "code": "input_audio_buffer_commit_empty"}
            say(t + 0.031, "error", error={**err, "message": COMMIT_EMPTY, "param": None, "event_id": None})
        rid, out_item = self.ids("resp_"), self.ids("item_")
        t += 0.010
        say(t, "response.created", response=self._response(rid, "in_progress", [], None))
        if self.turn % 250 == 120:  # a second response.create while this one runs
            ceid = "evt_" + self.ids("")[:16]
            errors.append((t + 0.05, "client", {"type": "response.create", "event_id": ceid}))
            message = (
                f"Conversation already has an active response in progress: {rid}. "
                "Wait until the response is finished before creating a new one."
            )
            err = {"type": "invalid_request_error", "code": "conversation_already_has_active_response"}
            say(t + 0.08, "error", error={**err, "message": message, "param": None, "event_id": ceid})
        t += float(rng.uniform(0.25, 0.6))  # time to the first audio
        t_audio = t
        asst = {
            "id": out_item,
            "type": "message",
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        }
        say(t, "response.output_item.added", response_id=rid, output_index=0, item=asst)
        say(t + 0.001, "conversation.item.added", previous_item_id=item, item=asst)
        base = {"response_id": rid, "item_id": out_item, "output_index": 0, "content_index": 0}
        say(t + 0.002, "response.content_part.added", **base, part={"type": "audio", "transcript": ""})
        # The answer: 40-60 audio deltas of 50-100 ms, sent faster than real time, with its words.
        n_audio, n_words = int(rng.integers(40, 61)), int(rng.integers(18, 30))
        audio_ms = rng.integers(50, 101, n_audio)
        words = [WORDS[int(i)] for i in rng.integers(0, len(WORDS), n_words)]
        gaps = rng.uniform(0.015, 0.04, n_audio).tolist()
        t += 0.003
        w = 0
        for k in range(n_audio):
            t += gaps[k]
            chunk = self.audio.chunk(int(audio_ms[k]), True)
            say(t, "response.output_audio.delta", **base, delta=chunk, obfuscation=self._short_id())
            while w < n_words and w * n_audio < (k + 1) * n_words:
                t += 0.0005
                text = (" " if w else "") + words[w]
                say(
                    t,
                    "response.output_audio_transcript.delta",
                    **base,
                    delta=text,
                    obfuscation=self._short_id(),
                )
                w += 1
        text = " ".join(words)
        done = {**asst, "status": "completed", "content": [{"type": "output_audio", "transcript": text}]}
        say(t + 0.011, "response.output_audio.done", **base)
        say(t + 0.012, "response.output_audio_transcript.done", **base, transcript=text)
        say(t + 0.013, "response.content_part.done", **base, part={"type": "audio", "transcript": text})
        say(t + 0.014, "response.output_item.done", response_id=rid, output_index=0, item=done)
        say(t + 0.015, "conversation.item.done", previous_item_id=item, item=done)
        # The microphone, from the turn's start until the answer starts playing: 20-40 ms chunks.
        n_app = int((t_audio - t0) / 0.03) + 2
        sizes = rng.integers(20, 41, n_app)
        ends = t0 + np.cumsum(sizes) / 1000.0
        n_app = max(1, int(np.searchsorted(ends, t_audio)))
        sizes, ends = sizes[:n_app], ends[:n_app]
        mids = (ends - sizes / 2000.0).tolist()
        stamps = (ends + rng.normal(0.0, 0.002, n_app)).tolist()
        chunk = self.audio.chunk
        mic: list[Ev] = [
            (
                stamps[k],
                "client",
                {"type": "input_audio_buffer.append", "audio": chunk(ms, speak_from <= mids[k] <= speak_to)},
            )
            for k, ms in enumerate(sizes.tolist())
        ]
        self.audio_ms += int(sizes.sum())
        # Usage grows with the conversation (every turn is context for the next).
        out_tokens = int(audio_ms.sum() // 50) + n_words
        # truncation "auto" keeps the context under the model's window
        self.context_tokens = min(28_000, self.context_tokens + int(sizes.sum() // 50) + out_tokens)
        ctx = self.context_tokens
        usage = {
            "total_tokens": ctx + out_tokens,
            "input_tokens": ctx,
            "output_tokens": out_tokens,
            "input_token_details": {
                "text_tokens": 120,
                "audio_tokens": ctx - 120,
                "image_tokens": 0,
                "cached_tokens": ctx // 2,
                "cached_tokens_details": {
                    "text_tokens": 64,
                    "audio_tokens": ctx // 2 - 64,
                    "image_tokens": 0,
                },
            },
            "output_token_details": {"text_tokens": n_words, "audio_tokens": out_tokens - n_words},
        }
        say(t + 0.016, "response.done", response=self._response(rid, "completed", [done], usage))
        self.remaining = self.remaining - usage["total_tokens"] // 40 if self.remaining > 2000 else 40000
        limits = [{"name": "tokens", "limit": 40000, "remaining": self.remaining, "reset_seconds": 1.2}]
        say(t + 0.056, "rate_limits.updated", rate_limits=limits)
        # The mic opens again once the answer has played, after a short pause.
        self.t = t_audio + int(audio_ms.sum()) / 1000.0 + float(rng.uniform(0.3, 1.0))
        if self.turn % 40 == 0:  # now and then the app changes its instructions, between turns
            upd = _update(INSTRUCTIONS + f" Turn {self.turn}.", "evt_" + self.ids("")[:16])
            errors.append((self.t - 0.1, "client", upd))
            say(self.t - 0.08, "session.updated", session=self._session(upd["session"]["instructions"]))
        self.last_item = out_item
        out = mic + server + errors
        out.sort(key=lambda e: e[0])
        return out

    def events(self) -> Iterator[Ev]:
        yield from self.opening()
        while True:
            yield from self.next_turn()


_DIRS = {d: d.encode() for d in ("client", "server", "meta")}


def generate(path: Path, n_events: int = 1_000_000, seed: int = 1) -> tuple[int, int]:
    """Write ``n_events`` events to ``path`` (replaced); returns (events, bytes)."""
    url = "wss://api.openai.com/v1/realtime?model=gpt-realtime"
    with LogWriter(path, url=url, dialect="ga", model="gpt-realtime"):
        pass  # the header, exactly as a recording has it
    started = time.time()
    type_json: dict[str, bytes] = {}
    dumps = orjson.dumps
    block: list[bytes] = []
    size = 0
    n = 0
    last_t = 0.0
    with open(path, "ab", buffering=0) as f:
        for t, direction, event in Session(seed, started).events():
            if n >= n_events:
                break
            type_ = event["type"]
            tj = type_json.get(type_)
            if tj is None:
                tj = type_json[type_] = dumps(type_)
            last_t = max(last_t, t)  # events are in time order; jitter never runs the clock back
            line = event_line(last_t, _DIRS[direction], tj, dumps(event))
            block.append(line)
            size += len(line)
            n += 1
            if size >= 16 << 20:
                f.write(b"".join(block))
                block.clear()
                size = 0
        f.write(b"".join(block))
    return n, path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "out", type=Path, nargs="?", default=None, help="default: bench/out/realistic-N.jsonl"
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    out = args.out or OUT / f"realistic-{args.events}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    n, nbytes = generate(out, args.events, args.seed)
    took = time.perf_counter() - start
    print(
        f"wrote {n:,} events, {nbytes / 1e6:,.0f} MB to {out} in {took:.1f} s ({n / took:,.0f} events/s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    os.umask(0o077)
    raise SystemExit(main())
