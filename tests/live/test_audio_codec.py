"""Conversion to the wire formats: G.711 against libsndfile and the ITU values, pcm16, silence, levels."""

from __future__ import annotations

import io

import numpy as np
import soundfile as sf
from hypothesis import given
from hypothesis import strategies as st

from rtinspect.audio import (
    G711_ALAW,
    G711_ULAW,
    PCM16_24K,
    Clip,
    alaw_decode,
    alaw_encode,
    chunk_bytes,
    chunks,
    decode_to_pcm16,
    encode_for,
    make_format,
    silence,
    ulaw_decode,
    ulaw_encode,
    waveform,
)
from rtinspect.audio.levels import levels

ALL_PCM = np.arange(-32768, 32768, dtype=np.int16)


def _libsndfile_codes(subtype: str) -> np.ndarray:
    buf = io.BytesIO()
    sf.write(buf, ALL_PCM, 8000, subtype=subtype, format="RAW")
    return np.frombuffer(buf.getvalue(), dtype=np.uint8)


def _libsndfile_decode(subtype: str) -> np.ndarray:
    codes = np.arange(256, dtype=np.uint8).tobytes()
    data, _ = sf.read(
        io.BytesIO(codes), format="RAW", subtype=subtype, samplerate=8000, channels=1, dtype="int16"
    )
    return data


def test_ulaw_encoder_matches_libsndfile_for_every_sample() -> None:
    assert np.array_equal(ulaw_encode(ALL_PCM), _libsndfile_codes("ULAW"))


def test_g711_decoders_match_libsndfile_for_every_code() -> None:
    codes = np.arange(256, dtype=np.uint8)
    assert np.array_equal(ulaw_decode(codes), _libsndfile_decode("ULAW"))
    assert np.array_equal(alaw_decode(codes), _libsndfile_decode("ALAW"))


def test_g711_known_values() -> None:
    assert ulaw_encode(np.array([0, 32767, -32768, -1])).tolist() == [0xFF, 0x80, 0x00, 0x7F]
    assert ulaw_decode(np.array([0xFF, 0x80, 0x00])).tolist() == [0, 32124, -32124]
    assert alaw_encode(np.array([0, 32767, -32768, -8])).tolist() == [0xD5, 0xAA, 0x2A, 0x55]
    assert alaw_decode(np.array([0xD5, 0x55, 0xAA, 0x2A])).tolist() == [8, -8, 32256, -32256]


def test_alaw_encoder_agrees_with_libsndfile_except_at_segment_edges() -> None:
    # libsndfile rounds exact negative segment boundaries one code differently from the ITU
    # reference (which uses ~x); everywhere else the codes are identical.
    ours = alaw_encode(ALL_PCM)
    ref = _libsndfile_codes("ALAW")
    differ = np.nonzero(ours != ref)[0]
    assert differ.size < 200
    assert (ALL_PCM[differ] < 0).all()
    assert (
        np.abs(alaw_decode(ours[differ]).astype(int) - alaw_decode(ref[differ]).astype(int)) <= 1024
    ).all()


@given(st.lists(st.integers(-32768, 32767), min_size=1, max_size=200))
def test_g711_round_trip_error_is_within_one_quantisation_step(values: list[int]) -> None:
    x = np.array(values, dtype=np.int16)
    for enc, dec in ((ulaw_encode, ulaw_decode), (alaw_encode, alaw_decode)):
        back = dec(enc(x)).astype(np.int32)
        step = np.maximum(16, np.abs(x.astype(np.int32)) // 16)  # G.711 keeps 4 mantissa bits
        assert (np.abs(back - x) <= step + 132).all()


def test_encode_for_downmixes_resamples_and_keeps_duration() -> None:
    rate = 44100
    t = np.arange(rate) / rate
    stereo = (
        np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 440 * t)], axis=1).astype(np.float32) * 0.5
    )
    clip = Clip(stereo, rate, 2)
    pcm = np.frombuffer(encode_for(clip, PCM16_24K), dtype="<i2")
    assert abs(pcm.size - 24000) <= 1
    assert 0.45 < np.abs(pcm[1000:-1000]).max() / 32768 < 0.55
    ulaw = encode_for(clip, G711_ULAW)
    assert abs(len(ulaw) - 8000) <= 1
    back = decode_to_pcm16(ulaw, G711_ULAW)
    assert 0.4 < np.abs(back[100:-100]).max() / 32768 < 0.6


def test_opposite_channels_cancel_to_silence_when_downmixed() -> None:
    x = np.full((2400, 2), 0.5, dtype=np.float32)
    x[:, 1] = -0.5
    assert levels(encode_for(Clip(x, 24000, 2), PCM16_24K)).silent


def test_clipping_never_wraps() -> None:
    loud = Clip(np.full((100, 1), 3.0, dtype=np.float32), 24000, 1)
    assert set(np.frombuffer(encode_for(loud, PCM16_24K), dtype="<i2").tolist()) == {32767}


def test_silence_in_each_format() -> None:
    assert silence(PCM16_24K, 10) == bytes(480)
    assert silence(G711_ULAW, 10) == b"\xff" * 80
    assert silence(G711_ALAW, 10) == b"\xd5" * 80
    assert levels(decode_to_pcm16(silence(G711_ULAW, 10), G711_ULAW)).peak == 0.0


def test_make_format_accepts_beta_and_ga_spellings() -> None:
    assert make_format("audio/pcm").encoding == make_format("pcm16").encoding == "pcm16"
    assert make_format("audio/pcmu") == make_format("g711_ulaw") == G711_ULAW
    assert make_format("audio/pcma").bytes_per_ms == 8.0
    assert make_format("pcm16", 16000).bytes_per_ms == 32.0


@given(st.binary(max_size=5000), st.sampled_from([10, 20, 40, 100]), st.sampled_from([PCM16_24K, G711_ULAW]))
def test_chunks_cover_the_data_in_whole_samples(data: bytes, chunk_ms: int, fmt: object) -> None:
    parts = list(chunks(data, fmt, chunk_ms))
    assert b"".join(parts) == data
    size = chunk_bytes(fmt, chunk_ms)
    assert all(len(p) == size for p in parts[:-1])
    assert size % (2 if fmt is PCM16_24K else 1) == 0


def test_levels_of_a_full_scale_sine_and_silence() -> None:
    sine = (np.sin(np.arange(24000) / 10) * 32767).astype("<i2")
    lv = levels(sine.tobytes())
    assert -3.5 < lv.rms_dbfs < -2.5 and lv.peak > 0.99 and not lv.silent
    assert levels(bytes(4800)).rms_dbfs == -120.0
    assert levels(b"").samples == 0
    wave = waveform(np.concatenate([np.zeros(1000, "<i2"), sine[:1000]]), buckets=2)
    assert wave[0] == 0.0 and wave[1] > 0.9
