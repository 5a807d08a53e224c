"""Server-side voice activity detection: a numpy energy detector over 10 ms frames.

Why energy and not a model: the server is a stand-in whose job is to show the same *timing* symptoms as
the live API (speech_started/stopped, auto-commit) deterministically and cheaply enough for a hundred
concurrent sessions on a small machine. A frame is voiced when its RMS reaches an energy threshold derived
from the session's ``threshold`` (0..1):

    rms_threshold = 32768 * 10 ** ((-60 + 50 * threshold) / 20)      # dBFS from -60 (0.0) to -10 (1.0)

so the live default 0.5 means -35 dBFS (RMS about 580), above room noise and well below normal speech.
Positions are milliseconds of all audio appended in the session. ``speech_started.audio_start_ms`` is the
first voiced frame minus ``prefix_padding_ms`` (never before the current buffer or the previous turn);
``speech_stopped.audio_end_ms`` is where the silence window closed (last voiced frame + the silence
duration); the auto-committed item holds the buffer up to the end of the chunk that closed it.
``semantic_vad`` has no semantic model here: its ``eagerness`` maps onto the silence window
(low 1500 ms, medium/auto 800 ms, high 300 ms), since eagerness is how long it waits after you stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rtinspect.protocol.session import AudioFormat
from rtinspect.server.audio import to_pcm16

FRAME_MS = 10
EAGERNESS_SILENCE_MS = {"low": 1500, "medium": 800, "auto": 800, "high": 300}


def rms_threshold(threshold: float) -> float:
    """Map the API's 0..1 ``threshold`` to an RMS level on the int16 scale (see module docstring)."""
    t = min(max(float(threshold), 0.0), 1.0)
    return 32768.0 * 10 ** ((-60.0 + 50.0 * t) / 20.0)


@dataclass(frozen=True, slots=True)
class VadSettings:
    threshold: float = 0.5
    prefix_padding_ms: int = 300
    silence_duration_ms: int = 200

    @classmethod
    def from_turn_detection(cls, td: dict[str, Any]) -> VadSettings:
        """Settings from a session's ``turn_detection`` (server_vad or semantic_vad), defaults filled in."""
        if td.get("type") == "semantic_vad":
            eagerness = td.get("eagerness") or "auto"
            return cls(0.5, 300, EAGERNESS_SILENCE_MS.get(eagerness, 800))

        def pick(key: str, default: Any) -> Any:
            value = td.get(key)
            return default if value is None else value

        return cls(
            float(pick("threshold", 0.5)),
            int(pick("prefix_padding_ms", 300)),
            int(pick("silence_duration_ms", 200)),
        )


@dataclass(frozen=True, slots=True)
class VadEvent:
    """``kind`` is ``started`` (``ms`` = audio_start_ms, prefix padding included) or ``stopped`` (audio_end_ms)."""

    kind: str
    ms: int


class EnergyVad:
    """Streams audio through a speech/silence state machine; positions are session-wide audio milliseconds.

    ``floor_ms`` is where the current input buffer begins: prefix padding never reaches back before it,
    because audio already committed cannot be part of the next turn.
    """

    def __init__(self, settings: VadSettings, fmt: AudioFormat, position_ms: float = 0.0) -> None:
        self.settings = settings
        self.fmt = fmt
        self.level = rms_threshold(settings.threshold)
        self.frame_samples = max(1, fmt.rate * FRAME_MS // 1000)
        # compare sums of squares with level^2 * n: the same test as RMS >= level, without sqrt/mean
        self._energy = self.level * self.level * self.frame_samples
        self.position_ms = position_ms
        self.floor_ms = position_ms
        self.in_speech = False
        self.last_voiced_end_ms = 0.0
        self._leftover = np.zeros(0, dtype=np.int16)

    def feed(self, data: bytes) -> list[VadEvent]:
        """Consume appended bytes; return the speech boundaries they complete, in order."""
        samples = to_pcm16(data, self.fmt)
        if self._leftover.size:
            samples = np.concatenate([self._leftover, samples])
        n_frames = samples.size // self.frame_samples
        used = n_frames * self.frame_samples
        self._leftover = samples[used:].copy()
        if not n_frames:
            return []
        frames = samples[:used].astype(np.float32).reshape(n_frames, self.frame_samples)
        voiced = np.einsum("ij,ij->i", frames, frames) >= self._energy
        return self._walk(voiced)

    def _walk(self, voiced: np.ndarray) -> list[VadEvent]:
        events: list[VadEvent] = []
        s = self.settings
        if not self.in_speech and not voiced.any():
            self.position_ms += FRAME_MS * voiced.size
            return events
        for is_voiced in voiced.tolist():
            start = self.position_ms
            self.position_ms += FRAME_MS
            if is_voiced:
                if not self.in_speech:
                    self.in_speech = True
                    begin = max(self.floor_ms, start - s.prefix_padding_ms)
                    events.append(VadEvent("started", int(round(begin))))
                self.last_voiced_end_ms = self.position_ms
            elif self.in_speech and self.position_ms - self.last_voiced_end_ms >= s.silence_duration_ms:
                self.in_speech = False
                self.floor_ms = self.position_ms  # the next turn's padding cannot reach into this one
                events.append(VadEvent("stopped", int(round(self.position_ms))))
        return events

    def reset_floor(self, ms: float) -> None:
        """The input buffer was committed or cleared: a new turn begins at ``ms``."""
        self.floor_ms = ms
        if self.in_speech:
            self.in_speech = False
