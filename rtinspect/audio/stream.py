"""Stream an audio file into a live session the way a well-behaved client does.

After the audio: with server VAD, append trailing silence long enough for the server to see the
turn end, and do not commit by hand (a manual commit after VAD already committed is the classic
``input_audio_buffer_commit_empty``); with ``turn_detection: null``, commit and ask for a
response. Each step can be overridden, to reproduce a broken client on purpose.
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from rtinspect.audio.convert import encode_pcm16, float_to_pcm16, silence, to_mono
from rtinspect.audio.formats import (
    ALAW,
    PCM16,
    ULAW,
    AudioFormat,
    input_format_of,
    latest_session,
    make_format,
    normalise_encoding,
    turn_detection_of,
)
from rtinspect.audio.load import AudioInfo, Clip, probe_audio, read_blocks
from rtinspect.audio.pacing import Pacer, chunk_bytes
from rtinspect.tap import META_AUDIO_SOURCE_STARTED, META_AUDIO_SOURCE_STOPPED, EventTap, Tapped

TRAILING_MARGIN_MS = 400  # beyond silence_duration_ms, so the VAD's window surely closes


class _Client(Protocol):
    tap: EventTap
    events: list[Tapped]

    @property
    def target(self) -> Any: ...

    async def send(self, event: dict[str, Any]) -> Tapped: ...


@dataclass(frozen=True, slots=True)
class StreamResult:
    audio_ms: float  # the file's audio, in the wire format
    silence_ms: float  # trailing silence appended after it
    appends: int
    bytes_sent: int
    committed: bool
    response_requested: bool
    vad: bool


def session_facts(client: _Client) -> tuple[AudioFormat, dict[str, Any] | None]:
    """The input format and turn detection of the session the server last reported."""
    session = latest_session(client.events)
    dialect = client.target.dialect
    return input_format_of(session, dialect), turn_detection_of(session, dialect)


def encoded_blocks(path: str | os.PathLike[str], fmt: AudioFormat, rate: int) -> Iterator[bytes]:
    """``path`` (at ``rate``) as ``fmt``'s wire bytes, a block (~1.4 s) at a time: mono, resampled
    with soxr's streaming resampler (the same samples as a whole-array pass), encoded. Memory is one
    block whatever the file's length."""
    encoding = normalise_encoding(fmt.encoding)
    out_rate = 8000 if encoding in (ULAW, ALAW) else int(fmt.rate)
    stream = None
    if rate != out_rate:
        import soxr

        stream = soxr.ResampleStream(rate, out_rate, 1, dtype="float32", quality="HQ")
    blocks = read_blocks(path)
    pending = next(blocks, None)
    while pending is not None:
        block, pending = pending, next(blocks, None)  # one block ahead: soxr must know the last
        mono = to_mono(block)
        if stream is not None:
            mono = stream.resample_chunk(mono, last=pending is None)
        yield encode_pcm16(float_to_pcm16(mono), encoding)


def clip_facts(
    clip: Clip | AudioInfo, sent: AudioFormat, declared: AudioFormat | None = None
) -> dict[str, Any]:
    """What ``rtinspect.audio.started`` records of a file: the file itself, what goes on the wire and
    (when known) the rate the session declares, so a view can say "resampled" or "sent as is"."""
    facts = {
        "rate": clip.rate,
        "channels": clip.channels,
        "duration_ms": round(clip.duration_ms, 3),
        "info": clip.info,
        "encoding": sent.encoding,
        "wire_rate": sent.rate,
    }
    if declared is not None:
        facts["declared_rate"] = declared.rate
    return facts


def wire_format(clip: Clip | AudioInfo, declared: AudioFormat, *, resample: bool) -> AudioFormat:
    """The format the samples go out in: the declared one, or (``resample=False``, pcm16 only) the
    file's own rate under the declared label: the naive client that sends 16 kHz as 24 kHz."""
    if resample or normalise_encoding(declared.encoding) != PCM16:
        return declared
    return make_format(PCM16, clip.rate)


async def stream_file(
    client: _Client,
    path: str | os.PathLike[str],
    *,
    fmt: AudioFormat | None = None,
    chunk_ms: float = 40,
    realtime: bool = True,
    trailing_silence_ms: float | None = None,
    commit: bool | None = None,
    response: bool | None = None,
    vad: bool | None = None,
    resample: bool = True,
) -> StreamResult:
    """Load, convert and append ``path``; ``None`` for a step means "what the session needs".

    ``fmt``/``vad`` default to what the server's last ``session.created/updated`` says;
    ``resample=False`` sends the file's samples at its own rate (to reproduce the mistake).
    """
    clip = await asyncio.to_thread(probe_audio, path)
    held_fmt, turn = session_facts(client)
    fmt = fmt or held_fmt
    sent = wire_format(clip, fmt, resample=resample)
    source = {"source": "file", "path": str(path)}
    client.tap.meta(META_AUDIO_SOURCE_STARTED, **source, **clip_facts(clip, sent, fmt))
    return await stream_bytes(
        client,
        encoded_blocks(path, sent, clip.rate),
        fmt=fmt,
        chunk_ms=chunk_ms,
        realtime=realtime,
        trailing_silence_ms=trailing_silence_ms,
        commit=commit,
        response=response,
        vad=(turn is not None) if vad is None else vad,
        silence_duration_ms=float((turn or {}).get("silence_duration_ms") or 500),
        meta=source,
    )


async def stream_bytes(
    client: _Client,
    data: bytes | Iterable[bytes],
    *,
    fmt: AudioFormat,
    chunk_ms: float = 40,
    realtime: bool = True,
    trailing_silence_ms: float | None = None,
    commit: bool | None = None,
    response: bool | None = None,
    vad: bool = True,
    silence_duration_ms: float = 500,
    meta: dict[str, Any] | None = None,
) -> StreamResult:
    """Append already-encoded audio (bytes, or blocks of bytes read as it goes) with pacing, then
    finish the turn as ``vad`` requires."""
    if trailing_silence_ms is None:
        trailing_silence_ms = silence_duration_ms + TRAILING_MARGIN_MS if vad else 0.0
    tail = silence(fmt, trailing_silence_ms) if trailing_silence_ms > 0 else b""
    pacer = Pacer(chunk_ms, realtime=realtime)
    appends = 0
    sent = 0
    stopped = False
    audio = _Counted([data] if isinstance(data, bytes | bytearray) else data)
    try:
        for piece in _rechunk(audio, tail, chunk_bytes(fmt, chunk_ms)):
            await pacer.wait(appends)
            await client.send(
                {"type": "input_audio_buffer.append", "audio": base64.b64encode(piece).decode("ascii")}
            )
            appends += 1
            sent += len(piece)
        stopped = True
    finally:
        # Also when cancelled (the user stopped the stream) or the socket failed: the log says how far it got.
        client.tap.meta(
            META_AUDIO_SOURCE_STOPPED,
            **(meta or {"source": "bytes"}),
            sent_ms=round(sent / fmt.bytes_per_ms, 3),
            audio_ms=round(min(sent, audio.total) / fmt.bytes_per_ms, 3),
            silence_ms=round(max(0, sent - audio.total) / fmt.bytes_per_ms, 3),
            appends=appends,
            realtime=realtime,
            complete=stopped,
        )
    audio_ms = audio.total / fmt.bytes_per_ms
    silence_ms = len(tail) / fmt.bytes_per_ms
    do_commit = (not vad) if commit is None else commit
    do_response = (not vad) if response is None else response
    # event_ids tie any error the server answers to the step that caused it
    tag = f"{len(client.events):06d}"
    if do_commit:
        await client.send({"type": "input_audio_buffer.commit", "event_id": f"rtinspect_commit_{tag}"})
    if do_response:
        await client.send({"type": "response.create", "event_id": f"rtinspect_response_{tag}"})
    return StreamResult(audio_ms, silence_ms, appends, sent, do_commit, do_response, vad)


class _Counted:
    """Blocks of audio passed through, counting their bytes."""

    def __init__(self, blocks: Iterable[bytes]) -> None:
        self.blocks = blocks
        self.total = 0

    def __iter__(self) -> Iterator[bytes]:
        for block in self.blocks:
            self.total += len(block)
            yield block


def _rechunk(audio: Iterable[bytes], tail: bytes, size: int) -> Iterator[bytes]:
    """Audio then silence as ``size``-byte appends: the audio's short last piece is topped up from
    the silence, so every append but the very last is whole (and nothing is held but one block)."""
    buf = bytearray()
    for block in _then(audio, tail):
        buf += block
        while len(buf) >= size:
            yield bytes(buf[:size])
            del buf[:size]
    if buf:
        yield bytes(buf)


def _then(audio: Iterable[bytes], tail: bytes) -> Iterator[bytes]:
    yield from audio
    if tail:
        yield tail
