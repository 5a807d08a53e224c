"""The audio-only rate rule over a table of synthesized voices: espeak-ng voices (men, women, dark
and bright, pitch -p 0 to 99) at 24 kHz must not be flagged; the same speech made at 16 kHz and
declared 24 kHz (read 1.5x too fast) must be, whatever the voice's own pitch. Sent as fast as
possible, so the clock cannot tell: only the audio does."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from .synth import Synth, zeros

VOICES = [
    "en-us",
    "en-us+m3",
    "en-us+m7",
    "en-us+f2",
    "en-us+f4",
    "en-gb+m1",
    "en-gb+f3",
    "en+klatt",
    "en-us+croak",
]
PITCHES = [0, 35, 70, 99]  # espeak-ng -p: from a low man's voice to a child's
TEXTS = [
    "What is the weather like in Paris tomorrow morning?",
    "Please book a table for two at seven thirty tonight.",
]


def _voice(tmp_path: Path, voice: str, pitch: int, text: str) -> tuple[np.ndarray, int]:
    if shutil.which("espeak-ng") is None:
        if os.environ.get("CI"):
            pytest.fail("espeak-ng is missing: .ci/run installs it")
        pytest.skip("espeak-ng is not installed")
    import soundfile as sf

    wav = tmp_path / "voice.wav"
    cmd = ["espeak-ng", "-v", voice, "-p", str(pitch), "-w", str(wav), text]
    subprocess.run(cmd, check=True, capture_output=True)
    samples, rate = sf.read(wav, dtype="float32")
    return samples, rate


def _flagged(samples: np.ndarray, rate: int, true_rate: int) -> bool:
    """The doctor's verdict on ``samples`` made at ``true_rate`` and appended as 24 kHz pcm16."""
    import soxr

    pcm = (soxr.resample(samples, rate, true_rate) * 20000).astype("<i2")
    s = Synth()
    s.append(np.concatenate([zeros(100), pcm, zeros(600)]), realtime=False)
    # a voice pushed past 320 Hz is also told by its pitch alone (audio-pitch-out-of-range names the rate)
    return bool({"audio-rate-mismatch", "audio-pitch-out-of-range"} & s.codes())


def test_sped_up_speech_is_told_from_a_high_voice_across_voices(tmp_path: Path) -> None:
    confusion = {"flagged 16k": 0, "missed 16k": 0, "flagged 24k": 0, "clean 24k": 0}
    missed: list[str] = []
    for voice in VOICES:
        for pitch in PITCHES:
            text = TEXTS[(VOICES.index(voice) + pitch) % len(TEXTS)]
            samples, rate = _voice(tmp_path, voice, pitch, text)
            if _flagged(samples, rate, 24000):
                confusion["flagged 24k"] += 1
                missed.append(f"{voice} -p {pitch} at 24 kHz flagged")
            else:
                confusion["clean 24k"] += 1
            if _flagged(samples, rate, 16000):
                confusion["flagged 16k"] += 1
            else:
                confusion["missed 16k"] += 1
                missed.append(f"{voice} -p {pitch} at 16 kHz missed")
    print("confusion:", confusion, "\n", "\n ".join(missed))
    total = len(VOICES) * len(PITCHES)
    assert confusion["flagged 24k"] == 0, missed  # a natural voice, however high, is never called sped up
    # every voice but the darkest (en-us+m7: sped up it is as bright as a natural voice) is caught
    assert confusion["flagged 16k"] >= total - len(PITCHES), (confusion, missed)
