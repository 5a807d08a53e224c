"""A fix that names a byte count names it in the session's input format (protocol.audio arithmetic):
the silence to append after the last words is 8 bytes per ms in G.711, 48 in pcm16 at 24 kHz."""

from __future__ import annotations

import re

import numpy as np

from rtinspect.audio.convert import ulaw_encode

from .synth import Synth, speechlike, zeros

PCMU = {"type": "realtime", "audio": {"input": {"format": {"type": "audio/pcmu"}}}}


def _silence_hint(s: Synth) -> tuple[int, int]:
    fix = s.find("no-trailing-silence").fix or ""
    ms, n = re.search(r"base64 of (\d+) ms of zeros: (\d+) bytes", fix).groups()  # type: ignore[union-attr]
    return int(ms), int(n)


def test_trailing_silence_hint_counts_bytes_in_the_input_format() -> None:
    pcm = Synth()
    pcm.append(zeros(300))
    pcm.server("input_audio_buffer.speech_started", audio_start_ms=0, item_id="item_1")
    pcm.append(speechlike(2000))
    ms, n = _silence_hint(pcm)
    assert n == ms * 48
    ulaw = Synth()
    ulaw.update(PCMU)
    ulaw.append(ulaw_encode(zeros(300, rate=8000)).astype(np.uint8).tobytes(), rate=8000, width=1)
    ulaw.server("input_audio_buffer.speech_started", audio_start_ms=0, item_id="item_1")
    ulaw.append(ulaw_encode(speechlike(2000, rate=8000)).astype(np.uint8).tobytes(), rate=8000, width=1)
    ms, n = _silence_hint(ulaw)
    assert n == ms * 8
