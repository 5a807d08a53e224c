"""Audio in and out: load any file, convert to the session's wire format, pace, stream, measure.

Devices (microphone, speaker) live in ``rtinspect.audio.devices``, the only module that touches
sounddevice, and only inside functions; importing this package never needs PortAudio.

The names below load on first use (PEP 562): the server and the doctor import
``rtinspect.audio.convert`` for the codecs, and that must not drag in asyncio through the
streaming modules. The function ``levels`` is not among them: its name is its submodule's, and a
package attribute cannot be both (whichever loaded first would win): use
``rtinspect.audio.levels.levels``.
"""

from __future__ import annotations

import importlib
from typing import Any

_SOURCES = {
    "convert": (
        "alaw_decode",
        "alaw_encode",
        "as_pcm16",
        "decode_to_pcm16",
        "encode_for",
        "pcm16_resample",
        "pcm16_to_float",
        "resample",
        "silence",
        "to_mono",
        "ulaw_decode",
        "ulaw_encode",
    ),
    "formats": ("G711_ALAW", "G711_ULAW", "PCM16_24K", "AudioFormat", "make_format"),
    "levels": ("Levels", "level_track", "waveform"),
    "load": ("AudioError", "Clip", "load_audio"),
    "pacing": ("Pacer", "chunk_bytes", "chunks"),
    "stream": ("StreamResult", "stream_bytes", "stream_file"),
}
_MODULE_OF = {name: module for module, names in _SOURCES.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULE_OF})
