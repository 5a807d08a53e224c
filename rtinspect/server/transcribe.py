"""Input transcription backends: a small interface, an offline pocketsphinx recognizer and a fake.

The server runs ``transcribe`` in a thread executor, so a backend may block; it may also raise, and the
server turns the exception into a ``...input_audio_transcription.failed`` event.
"""

from __future__ import annotations

import threading
from typing import Protocol, runtime_checkable

from rtinspect.audio.convert import as_pcm16, pcm16_resample
from rtinspect.errors import UserError


@runtime_checkable
class Transcriber(Protocol):
    """Turns one committed turn of audio into text."""

    def transcribe(self, pcm16_mono_24k: bytes) -> str: ...


class FakeTranscriber:
    """Deterministic and instant, for tests: a fixed text, or an error when ``fail`` is set."""

    def __init__(self, text: str = "hello from the fake transcriber", *, fail: str | None = None) -> None:
        self.text = text
        self.fail = fail
        self.calls = 0

    def transcribe(self, pcm16_mono_24k: bytes) -> str:
        self.calls += 1
        if self.fail:
            raise RuntimeError(self.fail)
        return self.text


class PocketsphinxTranscriber:
    """Offline English recognition with the model that ships in the pocketsphinx wheel.

    The decoder takes ~0.4 s to load, so it loads once (lazily, on first use) and is reused under a lock:
    a pocketsphinx decoder is not safe to share between threads.
    """

    def __init__(self) -> None:
        self._decoder = None
        self._lock = threading.Lock()

    def _load(self):  # noqa: ANN202 - the pocketsphinx type is only known at run time
        if self._decoder is None:
            from pocketsphinx import Decoder

            self._decoder = Decoder(loglevel="FATAL")
        return self._decoder

    def transcribe(self, pcm16_mono_24k: bytes) -> str:
        samples = as_pcm16(pcm16_mono_24k)
        if samples.size == 0:
            return ""
        audio16k = pcm16_resample(samples, 24000, 16000)
        with self._lock:
            decoder = self._load()
            decoder.start_utt()
            decoder.process_raw(audio16k, full_utt=True)
            decoder.end_utt()
            hyp = decoder.hyp()
        return hyp.hypstr if hyp is not None else ""


def make_transcriber(spec: Transcriber | str | None) -> Transcriber | None:
    """``"pocketsphinx"`` -> the offline recognizer, ``"none"``/``None`` -> no backend, an object -> itself."""
    if spec is None or spec == "none":
        return None
    if isinstance(spec, str):
        if spec == "pocketsphinx":
            return PocketsphinxTranscriber()
        if spec == "fake":
            return FakeTranscriber()
        raise UserError(f"unknown transcriber {spec!r}: use pocketsphinx or none")
    if isinstance(spec, Transcriber):
        return spec
    raise UserError(f"not a transcriber: {type(spec).__name__}")
