"""Audio on the wire: which field carries it, its formats, and its size from base64 length alone.

The one owner of these facts (docs/protocol.md §5, §12): the session fold, the doctor, the event
list, the proxy printer, exports and the embedded server all measure audio here, so a G.711 run is
the same number of milliseconds wherever it is shown. Nothing in this module decodes a payload:
most of a real log is base64 audio, and its size is known from its length.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Encoding = Literal["pcm16", "g711_ulaw", "g711_alaw"]

PCM16_RATE = 24000
G711_RATE = 8000

# Which field of which event type carries base64 audio (both dialects; docs/protocol.md §2, §3).
AUDIO_FIELDS: dict[str, str] = {
    "input_audio_buffer.append": "audio",
    "response.output_audio.delta": "delta",
    "response.audio.delta": "delta",
}
INPUT_AUDIO_TYPES = frozenset({"input_audio_buffer.append"})
OUTPUT_AUDIO_TYPES = frozenset({"response.output_audio.delta", "response.audio.delta"})

MAX_APPEND_BYTES = 15 * 1024 * 1024
"""Largest decoded ``input_audio_buffer.append`` payload the server accepts (spec: 15 MiB; §5)."""
MAX_APPEND_B64 = (MAX_APPEND_BYTES + 2) // 3 * 4
"""The base64 length of ``MAX_APPEND_BYTES``: a longer ``audio`` string is refused without decoding."""
MAX_FRAME_BYTES = MAX_APPEND_B64 + 64 * 1024
"""Largest WebSocket message the live API can take: the biggest append (15 MiB of audio as base64)
plus room for its JSON envelope and a 512-character ``event_id``. The proxy refuses a bigger frame."""


def b64_size(chars: Any, padding: Any) -> Any:
    """Bytes that ``chars`` base64 characters ending in ``padding`` '=' signs decode to.

    The arithmetic itself, elementwise on numpy integer arrays too: the log index measures every
    payload of a file from its byte span at once (``rtinspect.log.scan``).
    """
    return (chars * 3 // 4 - padding) * (chars > 2)


def b64_decoded_len(s: Any) -> int:
    """Bytes a base64 string decodes to, from its length and padding alone (no decoding)."""
    if s.__class__ is not str or not s:
        return 0
    pad = 2 if s[-2:] == "==" else 1 if s[-1] == "=" else 0
    return int(b64_size(len(s), pad))


def b64_len_to_bytes(n: int) -> int:
    """Decoded size of a base64 string of ``n`` characters when only its length is known (an index
    column): padding is not seen, so this is at most 2 bytes over ``b64_decoded_len``."""
    return (int(n) * 3) // 4


def audio_payload(event: Mapping[str, Any], type_: str) -> str | None:
    """The base64 audio string of an event of type ``type_``, or None (not an audio event, or malformed)."""
    field = AUDIO_FIELDS.get(type_)
    if field is None:
        return None
    value = event.get(field)
    return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class AudioFormat:
    """An audio wire format; the one place that knows its byte arithmetic."""

    encoding: Encoding
    rate: int

    @property
    def sample_width(self) -> int:
        """Bytes per sample: 2 for pcm16, 1 for G.711."""
        return 2 if self.encoding == "pcm16" else 1

    @property
    def bytes_per_ms(self) -> float:
        """48.0 for pcm16 at 24 kHz, 8.0 for G.711 at 8 kHz."""
        return self.rate * self.sample_width / 1000

    @property
    def label(self) -> str:
        """``pcm16 24 kHz``, ``g711_ulaw 8 kHz``: how views name the format."""
        return f"{self.encoding} {self.rate / 1000:g} kHz"

    def ms_for_bytes(self, n: int) -> float:
        """Duration of ``n`` bytes of this format in milliseconds."""
        return n / self.bytes_per_ms

    def ms_for_b64(self, s: Any) -> float:
        """Duration of a base64 payload of this format in milliseconds (no decoding)."""
        return b64_decoded_len(s) / self.bytes_per_ms

    def bytes_for_ms(self, ms: float) -> int:
        """Whole-sample byte count for ``ms`` milliseconds."""
        samples = int(ms * self.rate / 1000)
        return samples * self.sample_width

    def to_ga(self) -> dict[str, Any]:
        """The GA ``format`` object (``{"type": "audio/pcm", "rate": 24000}``)."""
        if self.encoding == "pcm16":
            return {"type": "audio/pcm", "rate": self.rate}
        return {"type": "audio/pcmu" if self.encoding == "g711_ulaw" else "audio/pcma"}

    def to_beta(self) -> str:
        """The beta format name (``pcm16``, ``g711_ulaw``, ``g711_alaw``)."""
        return self.encoding

    @classmethod
    def from_wire(cls, value: Any) -> AudioFormat:
        """Parse either dialect's format value; unknown or missing values mean the default pcm16 24 kHz."""
        if isinstance(value, Mapping):
            kind = value.get("type")
            if kind == "audio/pcmu":
                return G711_ULAW
            if kind == "audio/pcma":
                return G711_ALAW
            rate = value.get("rate")
            if isinstance(rate, int) and not isinstance(rate, bool) and rate > 0:
                return cls("pcm16", rate)
            return PCM16
        if value == "g711_ulaw":
            return G711_ULAW
        if value == "g711_alaw":
            return G711_ALAW
        return PCM16


PCM16 = AudioFormat("pcm16", PCM16_RATE)
G711_ULAW = AudioFormat("g711_ulaw", G711_RATE)
G711_ALAW = AudioFormat("g711_alaw", G711_RATE)
