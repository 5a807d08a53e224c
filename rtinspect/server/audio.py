"""Input audio arithmetic for the server: decoding to and encoding from the 24 kHz pcm16 it works in.

The codecs and the resampler are ``rtinspect.audio.convert``'s and the format is the protocol core's
``AudioFormat``, so the server never disagrees with the client side about a byte. Nothing here touches
a socket.
"""

from __future__ import annotations

import numpy as np

from rtinspect.audio.convert import as_pcm16, decode_to_pcm16, encode_pcm16, pcm16_resample
from rtinspect.protocol.session import PCM16, PCM16_RATE, AudioFormat

InputFormat = AudioFormat
"""The server's former name for the format it holds; kept for importers."""

PCM16_24K = PCM16


def to_pcm16(data: bytes, fmt: AudioFormat) -> np.ndarray:
    """Decode raw input bytes to int16 samples at ``fmt.rate`` (an odd trailing pcm16 byte is dropped)."""
    return decode_to_pcm16(data, fmt)


def pcm16_24k(data: bytes, fmt: AudioFormat) -> bytes:
    """Input bytes as pcm16 mono at 24 kHz, what a ``Transcriber`` takes and what responses echo."""
    samples = to_pcm16(data, fmt)
    if fmt.rate == PCM16_RATE or not samples.size:
        return samples.tobytes()
    return pcm16_resample(samples, fmt.rate, PCM16_RATE)


def from_pcm16_24k(data: bytes, fmt: AudioFormat) -> bytes:
    """pcm16 mono 24 kHz bytes in the output format ``fmt`` (how responses echo the user's audio)."""
    samples = as_pcm16(data)
    if fmt.rate != PCM16_RATE and samples.size:
        samples = as_pcm16(pcm16_resample(samples, PCM16_RATE, fmt.rate))
    return encode_pcm16(samples, fmt)


def tone(ms: int, rate: int = PCM16_RATE, freq: float = 440.0) -> bytes:
    """A quiet sine tone: the audio of a response to text input (there is no user audio to echo)."""
    t = np.arange(int(rate * ms / 1000)) / rate
    return (np.sin(2 * np.pi * freq * t) * 3000).astype("<i2").tobytes()
