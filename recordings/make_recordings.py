#!/usr/bin/env python3
"""Regenerate the sample session logs in this folder by running real sessions against the
embedded Realtime server over a loopback WebSocket, recorded with ``rtinspect.log.LogWriter``.

Each session reproduces one classic mistake (or none, for the healthy ones); ``rtinspect doctor``
must name the cause of every broken one and stay quiet on the healthy ones (tests/doctor).
Run: ``python recordings/make_recordings.py [NAME...]`` (speech from the WAVs beside this script,
or espeak-ng when they are missing).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np

from rtinspect.audio.load import load_audio
from rtinspect.log import LogWriter
from rtinspect.protocol import Dialect
from rtinspect.server import ServerThread
from rtinspect.server import script as server_scripts
from rtinspect.tap import META_AUDIO_SOURCE_STARTED, EventTap
from rtinspect.transport import RealtimeClient, Target, TransportError

HERE = Path(__file__).resolve().parent
CHUNK_MS = 40
GA_TRANSCRIBE = {"model": "gpt-4o-mini-transcribe"}


def speech(name: str, text: str, rate: int) -> bytes:
    """pcm16 mono at ``rate``: from recordings/<name> when present, else synthesised now."""
    path = HERE / name
    if path.exists():
        clip = load_audio(path)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            wav = Path(tmp) / "speech.wav"
            subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), text], check=True)
            clip = load_audio(wav)
    from rtinspect.audio.convert import resample

    mono = clip.samples.mean(axis=1)
    if clip.rate != rate:
        mono = resample(mono, clip.rate, rate)
    return (np.clip(mono, -1, 1) * 32767).astype("<i2").tobytes()


def silence(ms: int, rate: int = 24000) -> bytes:
    return bytes(2 * rate * ms // 1000)


def hello24() -> bytes:
    return speech("hello_24k_mono.wav", "hello can you hear me", 24000)


class Session:
    """One recorded connection: the client, its log, and helpers to stream audio."""

    def __init__(self, client: RealtimeClient) -> None:
        self.c = client

    async def send(self, event: dict) -> None:
        await self.c.send(event)

    async def stream(
        self, pcm: bytes, *, bytes_per_ms: int = 48, realtime: bool = True, until: str = ""
    ) -> None:
        """Append ``pcm`` in 40 ms chunks, paced in real time; stop early once ``until`` has arrived."""
        size = CHUNK_MS * bytes_per_ms
        loop = asyncio.get_running_loop()
        start = loop.time()
        for k, i in enumerate(range(0, len(pcm), size)):
            if until and any(r.type == until for r in self.c.events):
                return
            await self.send(
                {"type": "input_audio_buffer.append", "audio": base64.b64encode(pcm[i : i + size]).decode()}
            )
            if realtime:
                await asyncio.sleep(max(0.0, start + (k + 1) * CHUNK_MS / 1000 - loop.time()))

    async def wait(self, typ: str, timeout: float = 30.0, count: int = 1) -> None:
        """Until ``count`` events of ``typ`` have arrived in the whole session (order-independent)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while sum(1 for r in self.c.events if r.type == typ) < count:
            if self.c.closed.done():
                raise TransportError(f"closed before {typ}")
            if loop.time() > deadline:
                raise TimeoutError(f"no {typ} within {timeout:g} s")
            await asyncio.sleep(0.02)

    async def settle(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def closed(self, timeout: float) -> None:
        """Wait up to ``timeout`` s for the server to close the connection (a refused session's
        close code belongs in the recording); a close that never comes is the recording's business."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(self.c.closed), timeout)


Script = Callable[[Session], Awaitable[None]]


def server_script(name: str) -> server_scripts.Script | None:
    data = SERVER_SCRIPTS.get(name)
    return server_scripts.from_data(data, source=name) if data is not None else None


FAULTS: dict[str, tuple[str, ...]] = {  # embedded-server faults
    "ga-keepalive-1011": ("dropped_connection",),
    "ga-rate-limited": ("rate_limit_exceeded",),
    "ga-server-error": ("server_error",),
    "ga-max-output-tokens": ("max_output_tokens",),
    "ga-transcription-failed": ("transcription_failed",),
    "ga-session-expired": ("session_expired:4",),
}
# embedded-server scripts (rtinspect.server.script), by session
PREAMBLE_SCRIPT = {"rules": [{"preamble": "Let me check that."}]}  # gpt-realtime-2 style, every turn
SERVER_SCRIPTS: dict[str, dict[str, Any]] = {
    "ga-tool-loop": {
        "rules": [{"call": {"name": "get_weather", "arguments": {"city": "Paris"}}, "repeat": 12}]
    },
    "ga-tool-once": {"rules": [{"call": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
    "ga-function-call-unanswered": {
        "rules": [{"call": {"name": "get_weather", "arguments": {"city": "Paris"}}}]
    },
    "ga-function-output-without-response": {
        "rules": [{"call": {"name": "get_weather", "arguments": {"city": "Paris"}}}]
    },
    "ga-preamble-first-item-only": PREAMBLE_SCRIPT,
    "ga-preamble-whole-response": PREAMBLE_SCRIPT,
}
MODELS: dict[str, str] = {  # the ?model= a session connects with (default: rtinspect's)
    "ga-transcribe-model-as-session": "gpt-4o-transcribe",
    "ga-invalid-model": "gpt-4o-realtime",  # a model name that does not exist
}
NO_KEY = {"ga-no-api-key"}  # sessions that connect without any credential


async def record(
    name: str, script: Script, *, dialect: Dialect = Dialect.GA, legacy_beta: bool = False
) -> Path:
    out = HERE / f"{name}.jsonl"
    # The server runs on its own thread so its VAD/ASR work never delays the client's real-time pacing.
    server = ServerThread(
        legacy_beta=legacy_beta, faults=FAULTS.get(name, ()), script=server_script(name)
    ).start()
    target = (
        Target.embedded(server.url, dialect=dialect, model=MODELS[name])
        if name in MODELS
        else Target.embedded(server.url, dialect=dialect)
    )
    if name in NO_KEY:
        target = Target.custom(target.url, {}, dialect=dialect, model=target.model)
    tap = EventTap()
    writer = LogWriter(out, url=target.url, dialect=dialect.value, model=target.model, headers=target.headers)
    tap.add_sink(writer.write)
    client = RealtimeClient(target, tap)
    try:
        await client.connect()
        with contextlib.suppress(TransportError):
            await script(Session(client))
    finally:
        await client.close()
        writer.close()
        server.stop()
    print(f"{out.name}: {writer.count} events, {out.stat().st_size // 1024} KB")
    return out


# -- the sessions -----------------------------------------------------------------------------------
async def enable_transcription(s: Session) -> None:
    """The healthy GA start: transcription on, and no audio before the server confirms it."""
    await s.send(
        {
            "type": "session.update",
            "session": {"type": "realtime", "audio": {"input": {"transcription": GA_TRANSCRIBE}}},
        }
    )
    await s.wait("session.updated")


async def healthy_ga(s: Session) -> None:
    await enable_transcription(s)
    await s.stream(silence(300) + hello24() + silence(1200))
    await s.wait("response.done")
    await s.wait("conversation.item.input_audio_transcription.completed")
    await s.settle(0.3)


async def healthy_beta(s: Session) -> None:
    await s.send(
        {
            "type": "session.update",
            "session": {
                "modalities": ["text", "audio"],
                "input_audio_format": "pcm16",
                "input_audio_transcription": {"model": "whisper-1"},
            },
        }
    )
    await s.wait("session.updated")
    await s.stream(silence(300) + hello24() + silence(1200))
    await s.wait("response.done")
    await s.wait("conversation.item.input_audio_transcription.completed")
    await s.settle(0.3)


async def ga_no_transcription(s: Session) -> None:
    await s.send({"type": "session.update", "session": {"type": "realtime", "instructions": "Be brief."}})
    await s.wait("session.updated")
    await s.stream(silence(300) + hello24() + silence(1200))
    await s.wait("response.done")
    await s.settle(1.0)


async def ga_rate_16000(s: Session) -> None:
    await s.send(
        {
            "type": "session.update",
            "session": {
                "type": "realtime",
                "audio": {
                    "input": {"format": {"type": "audio/pcm", "rate": 16000}, "transcription": GA_TRANSCRIBE}
                },
            },
        }
    )
    await s.wait("error")
    pcm16k = speech("weather_16k_mono.wav", "what is the weather like today", 16000)
    await s.stream(silence(300, 16000) + pcm16k + silence(1500, 16000), bytes_per_ms=32)
    await s.wait("response.done")
    await s.settle(1.0)


async def ga_commit_under_vad(s: Session) -> None:
    await enable_transcription(s)
    # A push-to-talk client: it stops the microphone when VAD says the turn ended, then commits.
    await s.stream(silence(300) + hello24() + silence(3000), until="input_audio_buffer.committed")
    await s.wait("input_audio_buffer.committed")
    await s.send({"type": "input_audio_buffer.commit"})
    await s.wait("error")
    await s.wait("response.done")
    await s.settle(0.5)


async def beta_header_rejected(s: Session) -> None:
    # Old beta code: it sends its beta-shaped update at once; the GA server has already refused it.
    with contextlib.suppress(TransportError):
        await s.send(
            {
                "type": "session.update",
                "session": {
                    "modalities": ["text", "audio"],
                    "voice": "alloy",
                    "input_audio_format": "pcm16",
                    "input_audio_transcription": {"model": "whisper-1"},
                    "turn_detection": {"type": "server_vad", "silence_duration_ms": 600},
                },
            }
        )
    await s.wait("error")
    await s.closed(5)


async def ga_transcription_enabled(s: Session) -> None:
    await s.send(
        {
            "type": "session.update",
            "session": {
                "type": "realtime",
                "audio": {"input": {"transcription": {"enabled": True, "model": "gpt-4o-mini-transcribe"}}},
            },
        }
    )
    await s.wait("error")
    await s.stream(silence(300) + hello24() + silence(1200))
    await s.wait("response.done")
    await s.settle(1.0)


async def ga_manual_no_response(s: Session) -> None:
    await s.send(
        {
            "type": "session.update",
            "session": {
                "type": "realtime",
                "audio": {"input": {"transcription": GA_TRANSCRIBE, "turn_detection": None}},
            },
        }
    )
    await s.wait("session.updated")
    await s.stream(hello24() + silence(200), realtime=False)
    await s.send({"type": "input_audio_buffer.commit"})
    await s.wait("input_audio_buffer.committed")
    await s.settle(2.0)


async def ga_wav_header(s: Session) -> None:
    await enable_transcription(s)
    wav = (HERE / "hello_24k_mono.wav").read_bytes() if (HERE / "hello_24k_mono.wav").exists() else b""
    if not wav:
        import io

        import soundfile as sf

        buf = io.BytesIO()
        sf.write(buf, np.frombuffer(hello24(), "<i2"), 24000, format="WAV", subtype="PCM_16")
        wav = buf.getvalue()
    await s.stream(wav + silence(1200))
    await s.wait("response.done")
    await s.settle(0.5)


async def ga_response_while_active(s: Session) -> None:
    # Server VAD already answers each turn; this client also asks, and later cancels nothing.
    await enable_transcription(s)
    await s.stream(silence(300) + hello24() + silence(300), until="input_audio_buffer.committed")
    await s.wait("response.created")
    await s.send({"type": "response.create"})
    await s.wait("error")
    await s.wait("response.done")
    await s.send({"type": "response.cancel"})
    await s.wait("error", count=2)
    await s.settle(0.5)


async def ga_truncate_beyond_audio(s: Session) -> None:
    await enable_transcription(s)
    await s.stream(silence(300) + hello24() + silence(1200))
    await s.wait("response.done")
    done = next(r for r in s.c.events if r.type == "response.done")
    items = [o for o in done.event["response"].get("output") or [] if o.get("type") == "message"]
    # The user "played" a minute: far more than the reply's audio.
    await s.send(
        {
            "type": "conversation.item.truncate",
            "item_id": items[0]["id"],
            "content_index": 0,
            "audio_end_ms": 60000,
        }
    )
    await s.wait("error")
    await s.settle(0.3)


def weather16() -> bytes:
    return speech("weather_16k_mono.wav", "what is the weather like today", 16000)


def source_started(s: Session, wire_rate: int) -> None:
    """rtinspect's own ``audio.started`` meta, as ``rtinspect send`` records it for a file."""
    s.c.tap.meta(
        META_AUDIO_SOURCE_STARTED,
        source="file",
        path="weather_16k_mono.wav",
        rate=16000,
        channels=1,
        duration_ms=len(weather16()) / 32,
        info="WAV PCM_16",
        encoding="pcm16",
        wire_rate=wire_rate,
    )


async def ga_16k_fast(s: Session) -> None:
    # `rtinspect send weather_16k_mono.wav --no-resample --fast`: 16 kHz samples, no pacing at all.
    await enable_transcription(s)
    source_started(s, 16000)
    await s.stream(weather16() + silence(600, 16000), bytes_per_ms=32, realtime=False)
    await s.wait("response.done")
    await s.wait("conversation.item.input_audio_transcription.completed")
    await s.settle(0.3)


async def ga_16k_fast_resampled(s: Session) -> None:
    # The healthy twin: the same file resampled to 24 kHz, sent as fast.
    await enable_transcription(s)
    source_started(s, 24000)
    await s.stream(speech("weather_16k_mono.wav", "", 24000) + silence(600), realtime=False)
    await s.wait("response.done")
    await s.wait("conversation.item.input_audio_transcription.completed")
    await s.settle(0.3)


async def ga_16k_fast_app(s: Session) -> None:
    # A user's app (no rtinspect meta): 16 kHz samples appended as fast as it can.
    await enable_transcription(s)
    await s.stream(weather16() + silence(600, 16000), bytes_per_ms=32, realtime=False)
    await s.wait("response.done")
    await s.wait("conversation.item.input_audio_transcription.completed")
    await s.settle(0.3)


async def healthy_ga_fast(s: Session) -> None:
    # The app's healthy twin: 24 kHz samples, as fast.
    await enable_transcription(s)
    await s.stream(speech("weather_16k_mono.wav", "", 24000) + silence(600), realtime=False)
    await s.wait("response.done")
    await s.wait("conversation.item.input_audio_transcription.completed")
    await s.settle(0.3)


async def ga_commit_under_vad_accepted(s: Session) -> None:
    # The client commits under server VAD with audio still buffered: the commit SUCCEEDS and makes a
    # second user item (of trailing silence), which the model then answers.
    await enable_transcription(s)
    await s.stream(silence(300) + hello24() + silence(1200))
    await s.wait("input_audio_buffer.committed")
    await s.wait("response.done")
    await s.stream(silence(400), realtime=False)
    await s.send({"type": "input_audio_buffer.commit"})
    await s.wait("input_audio_buffer.committed", count=2)
    await s.settle(1.0)


async def voice_first(s: Session, voice: str) -> None:
    await s.send(
        {
            "type": "session.update",
            "session": {
                "type": "realtime",
                "audio": {"input": {"transcription": GA_TRANSCRIBE}, "output": {"voice": voice}},
            },
        }
    )
    await s.wait("session.updated")


async def ga_voice_locked(s: Session) -> None:
    # The app changes the voice after the assistant has spoken: cannot_update_voice.
    await enable_transcription(s)
    await s.stream(silence(300) + hello24() + silence(1200))
    await s.wait("response.done")
    await s.wait("conversation.item.input_audio_transcription.completed")
    await s.send(
        {"type": "session.update", "session": {"type": "realtime", "audio": {"output": {"voice": "marin"}}}}
    )
    await s.wait("error")
    await s.settle(0.3)


async def ga_voice_first(s: Session) -> None:
    # The healthy twin: the voice is set in the first update, before any response.
    await voice_first(s, "marin")
    await s.stream(silence(300) + hello24() + silence(1200))
    await s.wait("response.done")
    await s.wait("conversation.item.input_audio_transcription.completed")
    await s.settle(0.3)


async def ga_keepalive_1011(s: Session) -> None:
    # The connection drops mid-response with 1011 "keepalive ping timeout" (the server's dropped_connection
    # fault: what a websockets peer reports when its pings go unanswered).
    await enable_transcription(s)
    await s.stream(silence(300) + hello24() + silence(1200))
    await s.closed(15)


async def push_to_talk(s: Session) -> None:
    """A push-to-talk app: transcription on, server VAD off; it commits and asks for the answer itself."""
    await s.send(
        {
            "type": "session.update",
            "session": {
                "type": "realtime",
                "audio": {"input": {"transcription": GA_TRANSCRIBE, "turn_detection": None}},
            },
        }
    )
    await s.wait("session.updated")


def room_noise(ms: int, rms: float = 100.0, seed: int = 7) -> bytes:
    """Room noise (about -50 dBFS) at 24 kHz: what a microphone gives when nobody speaks."""
    rng = np.random.default_rng(seed)
    return np.round(rng.normal(0.0, rms, 24 * ms)).astype("<i2").tobytes()


async def ptt_turn(s: Session, pcm: bytes, n: int) -> None:
    """One press of the button: the audio, a commit, a response.create; until the n-th answer and transcript."""
    await s.stream(pcm, realtime=False)
    await s.send({"type": "input_audio_buffer.commit"})
    await s.send({"type": "response.create"})
    await s.wait("response.done", count=n)
    await s.wait("conversation.item.input_audio_transcription.completed", count=n)


async def ga_transcript_empty(s: Session) -> None:
    # The user speaks once; then the button is pressed and released with nobody speaking: the app commits a
    # second of room noise and asks for an answer. The transcription model hears no words: transcript "".
    await push_to_talk(s)
    await ptt_turn(s, silence(200) + hello24() + silence(300), 1)
    await ptt_turn(s, room_noise(1000), 2)
    await s.settle(0.3)


async def ga_push_to_talk(s: Session) -> None:
    # The healthy twin: the same app, and the user speaks both times the button is down.
    await push_to_talk(s)
    await ptt_turn(s, silence(200) + hello24() + silence(300), 1)
    await ptt_turn(s, silence(200) + hello24() + silence(300), 2)
    await s.settle(0.3)


async def ga_transcribe_model_as_session(s: Session) -> None:
    # The app connects with ?model=gpt-4o-transcribe, meaning to get text of what is said, and sends its
    # update at once: the server refuses the model right after the upgrade (error, then close 4000).
    with contextlib.suppress(TransportError):
        await s.send(
            {"type": "session.update", "session": {"type": "realtime", "output_modalities": ["text"]}}
        )
    await s.wait("error")
    await s.closed(5)


async def ga_transcribe_model_in_transcription(s: Session) -> None:
    # The healthy twin: ?model=gpt-realtime, and gpt-4o-transcribe where it belongs, in
    # audio.input.transcription.
    await s.send(
        {
            "type": "session.update",
            "session": {
                "type": "realtime",
                "audio": {"input": {"transcription": {"model": "gpt-4o-transcribe"}}},
            },
        }
    )
    await s.wait("session.updated")
    await s.stream(silence(300) + hello24() + silence(1200))
    await s.wait("response.done")
    await s.wait("conversation.item.input_audio_transcription.completed")
    await s.settle(0.3)


ECHO_DELAY_MS = 80  # speaker to microphone: output buffering plus the air
BYTES_PER_MS = 48  # pcm16 mono at 24 kHz, the GA default both ways


class VoiceApp:
    """A voice app as users write one: the microphone streamed in real time (40 ms chunks) and the replies
    played through a speaker in real time, as they arrive.

    ``echo``: the microphone also hears the speaker (no headphones, no echo cancellation), at that gain,
    ``ECHO_DELAY_MS`` later. On ``speech_started`` while a reply plays the app stops playback (barge-in) and,
    when ``truncate``, sends ``conversation.item.truncate`` at the milliseconds played once the cut response is
    done (the item then holds all the audio the server sent, so the played position is always inside it).
    ``barge_in``: the user speaks these samples over the first reply, ``barge_after_ms`` after it starts playing.
    """

    def __init__(
        self,
        s: Session,
        *,
        echo: float = 0.0,
        truncate: bool = True,
        barge_in: bytes = b"",
        barge_after_ms: int = 400,
    ) -> None:
        self.s = s
        self.echo = echo
        self.truncate = truncate
        self.barge_in = barge_in
        self.barge_after_ms = barge_after_ms
        self.mic = bytearray()  # what the user still has to say, then silence
        self.queue = bytearray()  # reply audio received, not yet played
        self.item: str | None = None  # the reply item playing
        self.played: dict[str, int] = {}  # reply item -> bytes played
        self.cut: list[
            tuple[str, int]
        ] = []  # interrupted replies: (item, ms played), truncated at response.done
        self.speaker = bytearray(
            ECHO_DELAY_MS * BYTES_PER_MS
        )  # what the speaker played, delayed for the echo
        self.seen = 0
        self.replies = 0
        self.barge_at: int | None = None  # chunk at which the user speaks over the reply

    async def _react(self, k: int) -> None:
        events = self.s.c.events
        new, self.seen = events[self.seen :], len(events)
        for rec in new:
            ev = rec.event
            if rec.type == "response.output_audio.delta":
                if ev["item_id"] != self.item:
                    self.item = ev["item_id"]
                    self.played.setdefault(self.item, 0)
                    self.replies += 1
                    if self.barge_in and self.replies == 1:
                        self.barge_at = k + self.barge_after_ms // CHUNK_MS
                self.queue += base64.b64decode(ev["delta"])
            elif rec.type == "input_audio_buffer.speech_started" and self.queue and self.item:
                self.queue.clear()  # the user speaks: stop playback
                if self.truncate:
                    self.cut.append((self.item, self.played[self.item] // BYTES_PER_MS))
            elif rec.type == "response.done" and self.cut:
                for item_id, ms in self.cut:
                    await self.s.send(
                        {
                            "type": "conversation.item.truncate",
                            "item_id": item_id,
                            "content_index": 0,
                            "audio_end_ms": ms,
                        }
                    )
                self.cut.clear()
        if self.barge_at is not None and k >= self.barge_at:
            self.mic += self.barge_in
            self.barge_at = None

    async def run(self, speech: bytes, *, until: Callable[[], bool], max_s: float) -> None:
        """Say ``speech``, then keep the microphone open (silence, or the speaker's echo) until ``until()``
        holds or ``max_s`` seconds have passed."""
        self.mic += speech
        size = CHUNK_MS * BYTES_PER_MS
        loop = asyncio.get_running_loop()
        start = loop.time()
        for k in range(int(max_s * 1000 / CHUNK_MS)):
            await self._react(k)
            if until():
                return
            said = bytes(self.mic[:size]).ljust(size, b"\0")
            del self.mic[:size]
            if self.item is not None:
                self.played[self.item] += min(size, len(self.queue))
            played = bytes(self.queue[:size]).ljust(size, b"\0")
            del self.queue[:size]
            self.speaker += played
            heard = np.frombuffer(said, "<i2").astype(np.float32)
            if self.echo:
                heard += self.echo * np.frombuffer(bytes(self.speaker[:size]), "<i2").astype(np.float32)
            del self.speaker[:size]
            chunk = np.clip(np.round(heard), -32768, 32767).astype("<i2").tobytes()
            await self.s.send(
                {"type": "input_audio_buffer.append", "audio": base64.b64encode(chunk).decode()}
            )
            await asyncio.sleep(max(0.0, start + (k + 1) * CHUNK_MS / 1000 - loop.time()))

    def count(self, typ: str) -> int:
        return sum(1 for r in self.s.c.events if r.type == typ)


def cancelled_by_turn(s: Session) -> int:
    return sum(
        1
        for r in s.c.events
        if r.type == "response.done"
        and ((r.event.get("response") or {}).get("status_details") or {}).get("reason") == "turn_detected"
    )


async def barge_in_session(s: Session, *, truncate: bool) -> None:
    # Server VAD with interrupt_response (the default): the user speaks over the first reply while it plays.
    # It closes the microphone once the interruption is committed, and waits for the answer to it.
    await enable_transcription(s)
    app = VoiceApp(s, truncate=truncate, barge_in=hello24()[: 700 * BYTES_PER_MS] + silence(300))
    await app.run(
        silence(200) + hello24() + silence(300),
        until=lambda: app.count("input_audio_buffer.committed") >= 2,
        max_s=12,
    )
    await s.wait("response.done", count=2)
    await app.run(b"", until=lambda: not app.cut, max_s=1)  # the healthy app's truncate, if it is due
    await s.settle(0.3)


async def ga_barge_in_no_truncate(s: Session) -> None:
    # The app stops playback when the user speaks, and forgets to truncate the cut reply.
    await barge_in_session(s, truncate=False)


async def ga_barge_in_truncate(s: Session) -> None:
    # The healthy twin: the same app truncates the cut reply at the milliseconds it played.
    await barge_in_session(s, truncate=True)


WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
PARIS = {"name": "get_weather", "arguments": {"city": "Paris"}}
LOOP_CALLS = 12  # the field case called 190 times; 12 show the loop and keep the file small


async def ask_weather_with_tool(s: Session, **session: Any) -> None:
    """The opening of every tool recording: declare get_weather (plus ``session``'s fields), turn
    transcription on, and ask about the weather by voice until server VAD commits the question."""
    await s.send(
        {
            "type": "session.update",
            "session": {
                "type": "realtime",
                "tools": [WEATHER_TOOL],
                **session,
                "audio": {"input": {"transcription": GA_TRANSCRIBE}},
            },
        }
    )
    await s.wait("session.updated")
    await s.stream(
        silence(300) + speech("weather_16k_mono.wav", "", 24000) + silence(600),
        until="input_audio_buffer.committed",
    )


async def tool_session(s: Session) -> None:
    """An agent framework's session: a tool, server VAD; it answers every function call with the tool's
    output and one response.create (after that response's response.done), until an answer in words."""
    await ask_weather_with_tool(s, tool_choice="auto")
    for n in range(1, LOOP_CALLS + 3):
        await s.wait("response.done", count=n)
        done = [r for r in s.c.events if r.type == "response.done"][n - 1].event["response"]
        calls = [o for o in done.get("output") or [] if o.get("type") == "function_call"]
        if not calls:
            break
        for call in calls:
            await s.send(
                {
                    "type": "conversation.item.create",
                    "item": {
                        "type": "function_call_output",
                        "call_id": call["call_id"],
                        "output": '{"city": "Paris", "temp_c": 18, "sky": "clear"}',
                    },
                }
            )
        await s.send({"type": "response.create"})
    await s.wait("conversation.item.input_audio_transcription.completed")
    await s.settle(0.3)


async def ga_tool_loop(s: Session) -> None:
    # The model calls get_weather(Paris) again after every output (the server script's repeat: 12).
    await tool_session(s)


async def ga_tool_once(s: Session) -> None:
    # The healthy twin: the same framework; the model calls once and answers with the output.
    await tool_session(s)


async def preamble_session(s: Session, *, move_on_early: bool) -> None:
    """A voice chat app, push-to-talk, that also takes typed messages. The model speaks a preamble, then
    the answer, in one response. ``move_on_early``: the app takes the first finished message
    (``response.output_item.done``) as the end of the answer, so the user's typed follow-up goes out at once,
    while the response is still active."""
    await push_to_talk(s)
    await s.stream(silence(200) + hello24() + silence(300), realtime=False)
    await s.send({"type": "input_audio_buffer.commit"})
    await s.send({"type": "response.create"})
    if move_on_early:
        await s.wait("response.output_item.done")
    else:
        await s.wait("response.done")
    await s.send(
        {
            "type": "conversation.item.create",
            "item": {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "And tomorrow?"}],
            },
        }
    )
    await s.send({"type": "response.create"})
    await s.wait("response.done", count=1 if move_on_early else 2)
    await s.wait("conversation.item.input_audio_transcription.completed")
    await s.settle(0.5)


async def ga_preamble_first_item_only(s: Session) -> None:
    await preamble_session(s, move_on_early=True)


async def ga_preamble_whole_response(s: Session) -> None:
    # The healthy twin: the app waits for response.done (and plays every message item) before the next turn.
    await preamble_session(s, move_on_early=False)


ECHO_GAIN = 0.5  # a laptop speaker next to its microphone, no echo cancellation
ECHOES = 2  # speech_started this many times on the assistant's own voice, then the user gives up


async def echo_session(s: Session, *, gain: float) -> None:
    """A voice app on a laptop: the microphone streams in real time, replies play through the speaker.
    With ``gain`` the microphone hears the speaker: server VAD takes the assistant's voice for the user."""
    await enable_transcription(s)
    app = VoiceApp(s, echo=gain)
    if gain:
        until = lambda: app.count("input_audio_buffer.speech_stopped") > ECHOES  # noqa: E731
    else:
        until = lambda: app.count("response.done") >= 1  # noqa: E731
    await app.run(silence(200) + hello24() + silence(300), until=until, max_s=10)
    await s.settle(0.5)


async def ga_echo_self_interruption(s: Session) -> None:
    await echo_session(s, gain=ECHO_GAIN)


async def ga_echo_headphones(s: Session) -> None:
    # The healthy twin: the same app with headphones (no echo path).
    await echo_session(s, gain=0.0)


async def one_turn(s: Session, *, transcript: bool = True) -> None:
    """The healthy GA client's turn (see healthy_ga), for sessions where the server fails it on purpose."""
    await enable_transcription(s)
    await s.stream(silence(300) + hello24() + silence(1200))
    await s.wait("response.done")
    if transcript:
        await s.wait("conversation.item.input_audio_transcription.completed")
    await s.settle(0.3)


async def ga_fault_turn(s: Session) -> None:
    # The healthy client; the server fails the response (rate limit, server error) or cuts it short.
    await one_turn(s)


async def ga_transcription_failed(s: Session) -> None:
    # The healthy client; the server fails the turn's transcription.
    await one_turn(s, transcript=False)
    await s.wait("conversation.item.input_audio_transcription.failed")


async def ga_session_expired(s: Session) -> None:
    # The healthy client; the session reaches its (scaled-down) maximum duration mid-conversation.
    await one_turn(s)
    await s.closed(10)


async def ga_audio_clipped(s: Session) -> None:
    # The input gain is far too high: the speech is amplified 16x and clips.
    loud = np.frombuffer(hello24(), "<i2").astype(np.int32) * 16
    await enable_transcription(s)
    await s.stream(silence(300) + np.clip(loud, -32768, 32767).astype("<i2").tobytes() + silence(1200))
    await s.wait("response.done")
    await s.wait("conversation.item.input_audio_transcription.completed")
    await s.settle(0.3)


async def ga_silent_microphone(s: Session) -> None:
    # A muted microphone (or the wrong input device): two seconds of digital silence, then the user gives up.
    await enable_transcription(s)
    await s.stream(silence(2000))
    await s.settle(0.3)


async def ga_commit_too_small(s: Session) -> None:
    # Push-to-talk: the button tapped for 60 ms; the app commits it and asks for an answer.
    await push_to_talk(s)
    await s.stream(hello24()[: 60 * BYTES_PER_MS], realtime=False)
    await s.send({"type": "input_audio_buffer.commit"})
    await s.wait("error")
    await s.send({"type": "response.create"})
    await s.wait("response.done")
    await s.settle(0.3)


async def ga_function_call_unanswered(s: Session) -> None:
    # The app declares a tool, but has no handler for its calls: the call is never answered.
    await ask_weather_with_tool(s)
    await s.wait("response.done")
    await s.wait("conversation.item.input_audio_transcription.completed")
    await s.settle(0.5)


async def refused_update(s: Session, session: dict[str, Any]) -> None:
    """The app's first session.update has a mistake: the server refuses it (error) and it never applies."""
    await s.send({"type": "session.update", "session": session})
    await s.wait("error")
    await s.settle(0.3)


async def ga_session_invalid_type(s: Session) -> None:
    # instructions given as a number
    await refused_update(s, {"type": "realtime", "instructions": 42})


async def ga_session_invalid_value(s: Session) -> None:
    # an output modality the API does not have
    await refused_update(s, {"type": "realtime", "output_modalities": ["video"]})


async def ga_session_missing_type(s: Session) -> None:
    # a GA update without session.type
    await refused_update(s, {"instructions": "Be brief."})


async def ga_session_beta_field(s: Session) -> None:
    # a beta-era field in a GA update
    await refused_update(s, {"type": "realtime", "input_audio_format": "pcm16"})


async def connect_refused(s: Session) -> None:
    """The server refuses the connection right after the upgrade: an error, then the close."""
    await s.wait("error")
    await s.closed(5)


async def ga_unknown_client_event(s: Session) -> None:
    # a client event type that does not exist (response.start for response.create)
    await enable_transcription(s)
    await s.send({"type": "response.start"})
    await s.wait("error")
    await s.settle(0.3)


async def ga_commit_empty(s: Session) -> None:
    # Push-to-talk: the app commits before anything was appended (its microphone had not started yet).
    await push_to_talk(s)
    await s.send({"type": "input_audio_buffer.commit"})
    await s.wait("error")
    await s.settle(0.3)


async def ga_function_output_without_response(s: Session) -> None:
    # The app answers the call with its output, but never asks the model to go on (no response.create).
    await ask_weather_with_tool(s)
    await s.wait("response.done")
    done = next(r for r in s.c.events if r.type == "response.done").event["response"]
    call = next(o for o in done["output"] if o.get("type") == "function_call")
    await s.send(
        {
            "type": "conversation.item.create",
            "item": {"type": "function_call_output", "call_id": call["call_id"], "output": '{"temp_c": 18}'},
        }
    )
    await s.wait("conversation.item.done", count=3)
    await s.wait("conversation.item.input_audio_transcription.completed")
    await s.settle(0.5)


async def ga_quiet_microphone(s: Session) -> None:
    # The input gain far too low: the speech arrives 40 dB down.
    quiet = np.round(np.frombuffer(hello24(), "<i2").astype(np.float32) / 100).astype("<i2").tobytes()
    await enable_transcription(s)
    await s.stream(silence(300) + quiet + silence(1200))
    await s.settle(0.5)


async def ga_no_trailing_silence(s: Session) -> None:
    # The app streams a recorded clip and stops right at its end: server VAD never hears the speech stop.
    await enable_transcription(s)
    await s.stream(silence(300) + hello24()[: 1100 * BYTES_PER_MS])
    await s.settle(1.0)


async def ga_odd_byte_count(s: Session) -> None:
    # The app cuts the byte stream into chunks of an odd size: samples split across appends.
    await enable_transcription(s)
    pcm = silence(300) + hello24() + silence(1200)
    size = CHUNK_MS * BYTES_PER_MS + 1
    for i in range(0, len(pcm), size):
        await s.send(
            {"type": "input_audio_buffer.append", "audio": base64.b64encode(pcm[i : i + size]).decode()}
        )
        await asyncio.sleep(CHUNK_MS / 1000)
    await s.wait("response.done")
    await s.settle(0.5)


def stereo24() -> bytes:
    """hello_48k_stereo.wav resampled to 24 kHz with both channels kept, interleaved."""
    from rtinspect.audio.convert import resample

    clip = load_audio(HERE / "hello_48k_stereo.wav")
    chans = [resample(clip.samples[:, c], clip.rate, 24000) for c in range(clip.samples.shape[1])]
    both = np.stack(chans, axis=1)
    return (np.clip(both, -1, 1) * 32767).astype("<i2").tobytes()


async def ga_stereo_as_mono(s: Session) -> None:
    # The app sends its stereo capture as is: two interleaved channels read as one.
    await enable_transcription(s)
    await s.stream(silence(300) + stereo24() + silence(1200))
    await s.wait("response.done")
    await s.settle(0.5)


async def ga_audio_before_format_update(s: Session) -> None:
    # The app starts its microphone at once and sends its format update (mu-law, 8 kHz) after the first audio.
    from rtinspect.audio.convert import ulaw_encode

    pcm8k = speech("hello_8k_ulaw.wav", "hello can you hear me", 8000)
    mulaw = ulaw_encode(np.frombuffer(pcm8k, "<i2")).astype(np.uint8).tobytes()
    await s.stream(mulaw[:1600], bytes_per_ms=8, realtime=False)
    await s.send(
        {
            "type": "session.update",
            "session": {
                "type": "realtime",
                "audio": {"input": {"format": {"type": "audio/pcmu"}, "transcription": GA_TRANSCRIBE}},
            },
        }
    )
    await s.wait("session.updated")
    await s.stream(mulaw[1600:] + bytes([0xFF]) * 8 * 1200, bytes_per_ms=8)
    await s.wait("response.done")
    await s.settle(0.5)


async def ga_g711_sent_as_pcm16(s: Session) -> None:
    # A phone bridge forwards the caller's mu-law bytes as they are, in a session left at audio/pcm.
    from rtinspect.audio.convert import ulaw_encode

    pcm8k = np.frombuffer(
        silence(300, 8000) + speech("hello_8k_ulaw.wav", "hello", 8000) + silence(1200, 8000), "<i2"
    )
    await enable_transcription(s)
    await s.stream(ulaw_encode(pcm8k).astype(np.uint8).tobytes(), bytes_per_ms=16)
    await s.settle(1.0)


SESSIONS: dict[str, tuple[Script, Dialect, bool]] = {
    "ga-g711-sent-as-pcm16": (ga_g711_sent_as_pcm16, Dialect.GA, False),
    "ga-quiet-microphone": (ga_quiet_microphone, Dialect.GA, False),
    "ga-no-trailing-silence": (ga_no_trailing_silence, Dialect.GA, False),
    "ga-odd-byte-count": (ga_odd_byte_count, Dialect.GA, False),
    "ga-stereo-as-mono": (ga_stereo_as_mono, Dialect.GA, False),
    "ga-audio-before-format-update": (ga_audio_before_format_update, Dialect.GA, False),
    "ga-session-invalid-type": (ga_session_invalid_type, Dialect.GA, False),
    "ga-session-invalid-value": (ga_session_invalid_value, Dialect.GA, False),
    "ga-session-missing-type": (ga_session_missing_type, Dialect.GA, False),
    "ga-session-beta-field": (ga_session_beta_field, Dialect.GA, False),
    "ga-invalid-model": (connect_refused, Dialect.GA, False),
    "ga-no-api-key": (connect_refused, Dialect.GA, False),
    "ga-unknown-client-event": (ga_unknown_client_event, Dialect.GA, False),
    "ga-commit-empty": (ga_commit_empty, Dialect.GA, False),
    "ga-function-output-without-response": (ga_function_output_without_response, Dialect.GA, False),
    "ga-rate-limited": (ga_fault_turn, Dialect.GA, False),
    "ga-server-error": (ga_fault_turn, Dialect.GA, False),
    "ga-max-output-tokens": (ga_fault_turn, Dialect.GA, False),
    "ga-transcription-failed": (ga_transcription_failed, Dialect.GA, False),
    "ga-session-expired": (ga_session_expired, Dialect.GA, False),
    "ga-audio-clipped": (ga_audio_clipped, Dialect.GA, False),
    "ga-silent-microphone": (ga_silent_microphone, Dialect.GA, False),
    "ga-commit-too-small": (ga_commit_too_small, Dialect.GA, False),
    "ga-function-call-unanswered": (ga_function_call_unanswered, Dialect.GA, False),
    "ga-echo-self-interruption": (ga_echo_self_interruption, Dialect.GA, False),
    "ga-echo-headphones": (ga_echo_headphones, Dialect.GA, False),
    "ga-tool-loop": (ga_tool_loop, Dialect.GA, False),
    "ga-tool-once": (ga_tool_once, Dialect.GA, False),
    "ga-preamble-first-item-only": (ga_preamble_first_item_only, Dialect.GA, False),
    "ga-preamble-whole-response": (ga_preamble_whole_response, Dialect.GA, False),
    "ga-barge-in-no-truncate": (ga_barge_in_no_truncate, Dialect.GA, False),
    "ga-barge-in-truncate": (ga_barge_in_truncate, Dialect.GA, False),
    "ga-transcript-empty": (ga_transcript_empty, Dialect.GA, False),
    "ga-push-to-talk": (ga_push_to_talk, Dialect.GA, False),
    "ga-transcribe-model-as-session": (ga_transcribe_model_as_session, Dialect.GA, False),
    "ga-transcribe-model-in-transcription": (ga_transcribe_model_in_transcription, Dialect.GA, False),
    "ga-keepalive-1011": (ga_keepalive_1011, Dialect.GA, False),
    "ga-commit-under-vad-accepted": (ga_commit_under_vad_accepted, Dialect.GA, False),
    "ga-voice-locked": (ga_voice_locked, Dialect.GA, False),
    "ga-voice-first": (ga_voice_first, Dialect.GA, False),
    "ga-16k-fast": (ga_16k_fast, Dialect.GA, False),
    "ga-16k-fast-resampled": (ga_16k_fast_resampled, Dialect.GA, False),
    "ga-16k-fast-app": (ga_16k_fast_app, Dialect.GA, False),
    "healthy-ga-fast": (healthy_ga_fast, Dialect.GA, False),
    "healthy-ga": (healthy_ga, Dialect.GA, False),
    "healthy-beta": (healthy_beta, Dialect.BETA, True),
    "ga-no-transcription": (ga_no_transcription, Dialect.GA, False),
    "ga-rate-16000": (ga_rate_16000, Dialect.GA, False),
    "ga-commit-under-vad": (ga_commit_under_vad, Dialect.GA, False),
    "beta-header-rejected": (beta_header_rejected, Dialect.BETA, False),
    "ga-transcription-enabled": (ga_transcription_enabled, Dialect.GA, False),
    "ga-manual-no-response": (ga_manual_no_response, Dialect.GA, False),
    "ga-wav-header": (ga_wav_header, Dialect.GA, False),
    "ga-response-while-active": (ga_response_while_active, Dialect.GA, False),
    "ga-truncate-beyond-audio": (ga_truncate_beyond_audio, Dialect.GA, False),
}


async def main(names: list[str]) -> int:
    for name in names or list(SESSIONS):
        if name not in SESSIONS:
            print(f"unknown session {name!r}; known: {', '.join(SESSIONS)}", file=sys.stderr)
            return 2
        script, dialect, legacy = SESSIONS[name]
        await record(name, script, dialect=dialect, legacy_beta=legacy)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
