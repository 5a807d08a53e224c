"""Audio in and out: load any file, convert to the session's wire format, pace, stream, measure.

Devices (microphone, speaker) live in ``rtinspect.audio.devices``, the only module that touches
sounddevice, and only inside functions; importing this package never needs PortAudio.
"""

from __future__ import annotations

from rtinspect.audio.convert import (
    alaw_decode,
    alaw_encode,
    as_pcm16,
    decode_to_pcm16,
    encode_for,
    pcm16_resample,
    pcm16_to_float,
    resample,
    silence,
    to_mono,
    ulaw_decode,
    ulaw_encode,
)
from rtinspect.audio.formats import G711_ALAW, G711_ULAW, PCM16_24K, AudioFormat, make_format
from rtinspect.audio.levels import Levels, level_track, levels, waveform
from rtinspect.audio.load import AudioError, Clip, load_audio
from rtinspect.audio.pacing import Pacer, chunk_bytes, chunks
from rtinspect.audio.stream import StreamResult, stream_bytes, stream_file

__all__ = [
    "G711_ALAW",
    "G711_ULAW",
    "PCM16_24K",
    "AudioError",
    "AudioFormat",
    "Clip",
    "Levels",
    "Pacer",
    "StreamResult",
    "alaw_decode",
    "alaw_encode",
    "as_pcm16",
    "chunk_bytes",
    "chunks",
    "decode_to_pcm16",
    "encode_for",
    "level_track",
    "levels",
    "load_audio",
    "make_format",
    "pcm16_resample",
    "pcm16_to_float",
    "resample",
    "silence",
    "stream_bytes",
    "stream_file",
    "to_mono",
    "ulaw_decode",
    "ulaw_encode",
    "waveform",
]
