"""Find and play the recorded audio of an item (recorded logs). No Textual here.

Output audio: the ``response.output_audio.delta`` (beta ``response.audio.delta``) events of the
selected event's item or response. Input audio: the appends between the previous commit/clear
and the commit that created the selected user item. Played through the audio core's Speaker.
"""

from __future__ import annotations

import base64
import binascii
import time
from typing import Any

from rtinspect.inspector.model import SessionModel
from rtinspect.inspector.summary import obj
from rtinspect.protocol.audio import PCM16_RATE

OUTPUT_AUDIO = ("response.output_audio.delta", "response.audio.delta")
MAX_SCAN = 200_000


def _ids(event: dict[str, Any]) -> tuple[str | None, str | None]:
    item = obj(event, "item")
    item_id = event.get("item_id") or item.get("id")
    response_id = event.get("response_id") or obj(event, "response").get("id")
    return (
        item_id if isinstance(item_id, str) else None,
        response_id if isinstance(response_id, str) else None,
    )


def collect_audio(model: SessionModel, event: int) -> tuple[str, bytes] | None:
    """``(label, pcm16)`` for the item the event belongs to, or None when it has no audio."""
    idx = model.index
    rec = idx.rec(event)
    item_id, response_id = _ids(rec.event)
    n = len(idx)
    lo, hi = max(0, event - MAX_SCAN // 2), min(n, event + MAX_SCAN // 2)
    out = bytearray()
    codes = {idx.code_for(t) for t in OUTPUT_AUDIO} - {-1}
    if item_id or response_id:
        for i in range(lo, hi):
            if int(idx.type_codes[i]) not in codes:
                continue
            e = idx.rec(i).event
            if (item_id and e.get("item_id") == item_id) or (
                response_id and e.get("response_id") == response_id
            ):
                out += _b64(e.get("delta"))
        if out:
            return f"output audio of {item_id or response_id} ({len(out) / 48000:.2f} s)", bytes(out)
    # input audio: appends before the commit of this item
    commit = _find_commit(model, item_id, lo, hi) if item_id else None
    if commit is None and rec.type == "input_audio_buffer.committed":
        commit = event
    if commit is None:
        return None
    append = idx.code_for("input_audio_buffer.append")
    stops = {idx.code_for(t) for t in ("input_audio_buffer.committed", "input_audio_buffer.cleared")} - {-1}
    chunks: list[bytes] = []
    for i in range(commit - 1, lo - 1, -1):
        code = int(idx.type_codes[i])
        if code in stops:
            break
        if code == append:
            chunks.append(_b64(idx.rec(i).event.get("audio")))
    pcm = b"".join(reversed(chunks))
    return (f"input audio of {item_id or 'the commit'} ({len(pcm) / 48000:.2f} s)", pcm) if pcm else None


def _find_commit(model: SessionModel, item_id: str, lo: int, hi: int) -> int | None:
    idx = model.index
    code = idx.code_for("input_audio_buffer.committed")
    for i in range(lo, hi):
        if int(idx.type_codes[i]) == code and idx.rec(i).event.get("item_id") == item_id:
            return i
    return None


def _b64(value: Any) -> bytes:
    if not isinstance(value, str):
        return b""
    try:
        return base64.b64decode(value)
    except (binascii.Error, ValueError):
        return b""


def play_pcm(pcm: bytes, rate: int = PCM16_RATE) -> None:
    """Blocking playback (run it in a thread worker)."""
    from rtinspect.audio.devices import Speaker

    speaker = Speaker(rate)
    speaker.start()
    try:
        speaker.play(pcm)
        time.sleep(len(pcm) / (rate * 2) + 0.3)
    finally:
        speaker.stop()
