"""Microphone and speaker through sounddevice: the one module that imports it, and only lazily.

Without PortAudio everything else in rtinspect works; ``devices_available()`` says why the
device features are off. The conversion and buffering logic (``MicConverter``, ``JitterBuffer``)
is plain Python so it is tested without any device.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from rtinspect.audio.convert import float_to_pcm16, to_mono
from rtinspect.audio.formats import PCM16_24K, AudioFormat, normalise_encoding
from rtinspect.audio.levels import Levels, levels
from rtinspect.audio.pacing import chunk_bytes
from rtinspect.errors import UserError
from rtinspect.protocol.audio import PCM16_RATE

NO_PORTAUDIO = "PortAudio library not found: apt-get install libportaudio2 (or brew install portaudio)"


class DeviceError(UserError):
    """No usable audio device; the message says why."""


def _sounddevice() -> Any:
    try:
        import sounddevice
    except OSError as err:  # the wheel loads libportaudio at import time
        raise DeviceError(
            NO_PORTAUDIO if "portaudio" in str(err).lower() else f"audio devices off: {err}"
        ) from None
    except ImportError:
        raise DeviceError(
            "audio devices off: sounddevice is not installed (pip install sounddevice)"
        ) from None
    return sounddevice


def devices_available(kind: str | None = None) -> tuple[bool, str]:
    """``(True, summary)`` or ``(False, reason)``; ``kind`` "input"/"output" asks for one direction."""
    try:
        sd = _sounddevice()
        devices = list(sd.query_devices())
    except DeviceError as err:
        return False, str(err)
    except Exception as err:  # noqa: BLE001 - PortAudio reports host errors in many ways
        return (
            False,
            f"cannot list audio devices: {str(err).splitlines()[0] if str(err) else type(err).__name__}",
        )
    inputs = sum(1 for d in devices if d.get("max_input_channels", 0) > 0)
    outputs = sum(1 for d in devices if d.get("max_output_channels", 0) > 0)
    if kind == "input" and not inputs:
        return False, "no microphone (input device) found"
    if kind == "output" and not outputs:
        return False, "no speaker (output device) found"
    if not inputs and not outputs:
        return False, "no audio devices found"
    return True, f"{inputs} input and {outputs} output device(s)"


class MicConverter:
    """Device-rate float blocks in, wire-format chunks of ``chunk_ms`` out (streaming resampler state kept)."""

    def __init__(self, device_rate: int, fmt: AudioFormat = PCM16_24K, chunk_ms: float = 40) -> None:
        import soxr

        from rtinspect.audio.convert import alaw_encode, ulaw_encode

        self.fmt = fmt
        self.encoding = normalise_encoding(fmt.encoding)
        self._encode: Callable[[np.ndarray], np.ndarray] | None = {
            "g711_ulaw": ulaw_encode,
            "g711_alaw": alaw_encode,
        }.get(self.encoding)
        self._resampler = (
            None if device_rate == fmt.rate else soxr.ResampleStream(device_rate, fmt.rate, 1, "float32")
        )
        self._size = chunk_bytes(fmt, chunk_ms)
        self._pending = bytearray()
        self.last_levels = Levels(-120.0, -120.0, 0.0, 0)

    def feed(self, block: np.ndarray, last: bool = False) -> list[bytes]:
        mono = to_mono(np.asarray(block, dtype=np.float32).reshape(len(block), -1))
        if self._resampler is not None:
            mono = self._resampler.resample_chunk(mono, last=last)
        pcm = float_to_pcm16(mono)
        if pcm.size:
            self.last_levels = levels(pcm)
        self._pending += (self._encode(pcm) if self._encode else pcm).tobytes()
        out = []
        while len(self._pending) >= self._size:
            out.append(bytes(self._pending[: self._size]))
            del self._pending[: self._size]
        if last and self._pending:
            out.append(bytes(self._pending))
            self._pending.clear()
        return out


class Microphone:
    """Captures at the device's own rate and hands wire-format chunks to ``on_chunk``.

    ``on_chunk`` runs on PortAudio's thread: pass something thread-safe (e.g.
    ``loop.call_soon_threadsafe`` wrapped around a queue put). ``open`` is the push-to-talk gate:
    while False, audio is measured (meters keep moving) but not delivered; VAD mode leaves it open.
    """

    def __init__(
        self,
        on_chunk: Callable[[bytes], None],
        *,
        fmt: AudioFormat = PCM16_24K,
        chunk_ms: float = 40,
        device: int | str | None = None,
    ) -> None:
        self.on_chunk = on_chunk
        self.fmt = fmt
        self.chunk_ms = chunk_ms
        self.device = device
        self.open = True
        self.converter: MicConverter | None = None
        self._stream: Any = None

    @property
    def level(self) -> Levels:
        return self.converter.last_levels if self.converter else Levels(-120.0, -120.0, 0.0, 0)

    def start(self) -> None:
        sd = _sounddevice()
        try:
            info = sd.query_devices(self.device, "input")
            rate = int(info["default_samplerate"])
            self.converter = MicConverter(rate, self.fmt, self.chunk_ms)
            self._stream = sd.InputStream(
                samplerate=rate, channels=1, dtype="float32", device=self.device, callback=self._callback
            )
            self._stream.start()
        except Exception as err:  # noqa: BLE001
            raise DeviceError(
                f"cannot open the microphone: {str(err).splitlines()[0] if str(err) else err!r}"
            ) from None

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        assert self.converter is not None
        for chunk in self.converter.feed(indata.copy()):
            if self.open:
                self.on_chunk(chunk)

    def stop(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None


class JitterBuffer:
    """pcm16 bytes in as they stream, fixed-size frames out for the audio callback.

    Playback starts only once ``prebuffer_ms`` is queued (and again after an underrun), which
    absorbs network jitter; a shorter tail starts after waiting that long, so the end of a
    response or a short clip is never stuck. ``flush`` drops everything queued, for interruptions.
    """

    def __init__(self, rate: int = PCM16_RATE, prebuffer_ms: float = 150) -> None:
        self.rate = rate
        self.prebuffer_bytes = int(rate * prebuffer_ms / 1000) * 2
        self._chunks: collections.deque[bytes] = collections.deque()
        self._queued = 0
        self._offset = 0
        self._lock = threading.Lock()
        self.playing = False
        self._waited = 0  # bytes of silence emitted while something short sat in the queue
        self.played_bytes = 0
        self.underruns = 0

    @property
    def queued_ms(self) -> float:
        return self._queued / 2 * 1000 / self.rate

    @property
    def played_ms(self) -> float:
        """Audio actually handed to the device: what ``conversation.item.truncate`` wants on interruption."""
        return self.played_bytes / 2 * 1000 / self.rate

    def push(self, pcm16: bytes) -> None:
        with self._lock:
            if pcm16:
                self._chunks.append(bytes(pcm16))
                self._queued += len(pcm16)

    def flush(self) -> int:
        """Drop what is queued; returns the bytes dropped."""
        with self._lock:
            dropped = self._queued
            self._chunks.clear()
            self._queued = 0
            self._offset = 0
            self._waited = 0
            self.playing = False
            return dropped

    def pull(self, nbytes: int) -> bytes:
        """Exactly ``nbytes`` (silence-padded); silence while prebuffering."""
        with self._lock:
            if not self.playing:
                # Start once enough is queued, or once a short tail (the end of a response, a
                # short clip) has waited as long as the prebuffer would have taken to fill.
                short_tail_due = bool(self._queued) and self._waited >= self.prebuffer_bytes
                if self._queued < max(self.prebuffer_bytes, 1) and not short_tail_due:
                    if self._queued:
                        self._waited += nbytes
                    return bytes(nbytes)
                self.playing = True
                self._waited = 0
            out = bytearray()
            while len(out) < nbytes and self._chunks:
                head = self._chunks[0]
                take = head[self._offset : self._offset + nbytes - len(out)]
                out += take
                self._offset += len(take)
                if self._offset >= len(head):
                    self._chunks.popleft()
                    self._offset = 0
            self._queued -= len(out)
            self.played_bytes += len(out)
            if len(out) < nbytes:
                self.playing = False
                self.underruns += 1
                out += bytes(nbytes - len(out))
            return bytes(out)


class Speaker:
    """Plays streaming pcm16 response audio (24 kHz mono by default) through a ``JitterBuffer``."""

    def __init__(
        self, rate: int = PCM16_RATE, *, prebuffer_ms: float = 150, device: int | str | None = None
    ) -> None:
        self.buffer = JitterBuffer(rate, prebuffer_ms)
        self.rate = rate
        self.device = device
        self._stream: Any = None

    def start(self) -> None:
        sd = _sounddevice()
        try:
            self._stream = sd.RawOutputStream(
                samplerate=self.rate, channels=1, dtype="int16", device=self.device, callback=self._callback
            )
            self._stream.start()
        except Exception as err:  # noqa: BLE001
            raise DeviceError(
                f"cannot open the speaker: {str(err).splitlines()[0] if str(err) else err!r}"
            ) from None

    def _callback(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        outdata[:] = self.buffer.pull(frames * 2)

    def play(self, pcm16: bytes) -> None:
        self.buffer.push(pcm16)

    def interrupt(self) -> float:
        """Stop at once (the user spoke over the response); returns the ms actually played."""
        self.buffer.flush()
        return self.buffer.played_ms

    def stop(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None


def speaker_sink(speaker: Speaker) -> Callable[[Any], None]:
    """A tap sink that plays response audio as it streams and stops it when the user barges in
    (``speech_started``) or the output is cleared; cheap enough to run on the socket reader."""
    import base64

    deltas = ("response.output_audio.delta", "response.audio.delta")
    stops = ("input_audio_buffer.speech_started", "output_audio_buffer.cleared", "response.cancelled")

    def sink(rec: Any) -> None:
        if rec.dir != "server":
            return
        if rec.type in deltas and isinstance(rec.event.get("delta"), str):
            try:
                speaker.play(base64.b64decode(rec.event["delta"]))
            except ValueError:
                return
        elif rec.type in stops:
            speaker.interrupt()

    return sink


async def stream_microphone(
    client: Any,
    stop: Any,
    *,
    fmt: AudioFormat | None = None,
    chunk_ms: float = 40,
    device: int | str | None = None,
    mic: Microphone | None = None,
) -> float:
    """Append microphone audio to ``client`` until the ``stop`` asyncio.Event is set; returns ms sent.

    Push-to-talk: toggle ``mic.open`` (pass your own ``mic``) and send the commit yourself on
    release when turn detection is off; with server VAD leave it open and let the server decide.
    """
    import asyncio
    import base64

    from rtinspect.audio.stream import session_facts
    from rtinspect.tap import META_AUDIO_SOURCE_STARTED, META_AUDIO_SOURCE_STOPPED

    fmt = fmt or session_facts(client)[0]
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes] = asyncio.Queue()

    def feed(chunk: bytes) -> None:  # PortAudio's thread
        loop.call_soon_threadsafe(queue.put_nowait, chunk)

    if mic is None:
        mic = Microphone(feed, fmt=fmt, chunk_ms=chunk_ms, device=device)
    else:
        mic.on_chunk = feed  # the caller keeps the push-to-talk gate (mic.open)
    mic.start()
    client.tap.meta(
        META_AUDIO_SOURCE_STARTED, source="microphone", rate=fmt.rate, channels=1, encoding=fmt.encoding
    )
    sent = 0
    try:
        stopper = asyncio.ensure_future(stop.wait())
        while not stop.is_set():
            getter = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({getter, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                break
            chunk = getter.result()
            await client.send(
                {"type": "input_audio_buffer.append", "audio": base64.b64encode(chunk).decode("ascii")}
            )
            sent += len(chunk)
        stopper.cancel()
    finally:
        mic.stop()
        client.tap.meta(
            META_AUDIO_SOURCE_STOPPED, source="microphone", sent_ms=round(sent / fmt.bytes_per_ms, 3)
        )
    return sent / fmt.bytes_per_ms
