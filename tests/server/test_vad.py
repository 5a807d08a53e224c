"""The energy VAD: boundaries computed from the audio, settings honoured, chunking never matters."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rtinspect.server.audio import PCM16_24K, InputFormat
from rtinspect.server.vad import EnergyVad, VadEvent, VadSettings, rms_threshold

from .server_helpers import silence, tone


def _run(
    pcm: bytes, s: VadSettings | None = None, chunk: int = 960, fmt: InputFormat = PCM16_24K
) -> list[VadEvent]:
    vad = EnergyVad(s or VadSettings(), fmt)
    out: list[VadEvent] = []
    for i in range(0, len(pcm), chunk):
        out += vad.feed(pcm[i : i + chunk])
    return out


def test_start_includes_prefix_padding_and_stop_follows_silence_window() -> None:
    events = _run(silence(1000) + tone(500) + silence(400))
    assert events == [VadEvent("started", 700), VadEvent("stopped", 1700)]


def test_prefix_padding_never_reaches_before_the_buffer() -> None:
    assert _run(silence(100) + tone(500) + silence(300))[0] == VadEvent("started", 0)


def test_silence_duration_is_honoured() -> None:
    pcm = silence(500) + tone(300) + silence(400) + tone(300) + silence(900)
    short = _run(pcm, VadSettings(silence_duration_ms=200))
    long = _run(pcm, VadSettings(silence_duration_ms=800))
    assert [e.kind for e in short] == ["started", "stopped", "started", "stopped"]
    assert long == [VadEvent("started", 200), VadEvent("stopped", 2300)]


def test_threshold_maps_to_energy() -> None:
    quiet = tone(500, amp=300) + silence(400)  # RMS about 212: -44 dBFS
    assert _run(quiet, VadSettings(threshold=0.5)) == []
    assert [e.kind for e in _run(quiet, VadSettings(threshold=0.2))] == ["started", "stopped"]
    assert rms_threshold(0.0) < rms_threshold(0.5) < rms_threshold(1.0)


def test_semantic_vad_eagerness_sets_the_silence_window() -> None:
    assert (
        VadSettings.from_turn_detection({"type": "semantic_vad", "eagerness": "high"}).silence_duration_ms
        == 300
    )
    assert (
        VadSettings.from_turn_detection({"type": "semantic_vad", "eagerness": "low"}).silence_duration_ms
        == 1500
    )
    s = VadSettings.from_turn_detection({"type": "server_vad", "threshold": 0.7, "silence_duration_ms": None})
    assert (s.threshold, s.silence_duration_ms) == (0.7, 200)


def test_g711_input() -> None:
    import numpy as np

    from rtinspect.audio.convert import ulaw_encode

    pcm = np.frombuffer(silence(400, 8000) + tone(400, 8000) + silence(400, 8000), dtype="<i2")
    ulaw = ulaw_encode(pcm).tobytes()
    events = _run(ulaw, chunk=160, fmt=InputFormat("ulaw", 8000))
    assert events == [VadEvent("started", 100), VadEvent("stopped", 1000)]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), st.integers(10, 700)), min_size=1, max_size=8),
    st.integers(1, 5000),
)
def test_chunking_never_changes_the_boundaries(segments: list[tuple[bool, int]], chunk: int) -> None:
    pcm = b"".join(tone(ms) if loud else silence(ms) for loud, ms in segments)
    whole = _run(pcm, chunk=len(pcm) or 1)
    assert _run(pcm, chunk=chunk * 2) == whole
    kinds = [e.kind for e in whole]
    assert kinds == ["started", "stopped"] * (len(kinds) // 2) + (["started"] if len(kinds) % 2 else [])
    assert all(a.ms <= b.ms for a, b in zip(whole, whole[1:], strict=False))
