"""Backends for the transcription pool's tests. They live in a module of their own because the pool's
workers are spawned processes that unpickle the factory by name."""

from __future__ import annotations

import os
import time

BUILT = 0


class WhereAmI:
    """Says which process ran it, how many backends that process built, and how many turns it heard."""

    def __init__(self) -> None:
        global BUILT
        BUILT += 1
        self.calls = 0
        self.loaded = 0

    def load(self) -> None:
        self.loaded += 1

    def transcribe(self, pcm16_mono_24k: bytes) -> str:
        self.calls += 1
        return f"pid {os.getpid()} built {BUILT} loaded {self.loaded} calls {self.calls}"


class Slow:
    """Takes ``len(audio) / 48`` ms, like a recognizer that runs at real time (and holds its process)."""

    def transcribe(self, pcm16_mono_24k: bytes) -> str:
        time.sleep(len(pcm16_mono_24k) / 48 / 1000)
        return "slow but sure"
