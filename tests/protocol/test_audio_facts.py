"""protocol.audio and protocol.names: the one owner of audio sizes and of did-you-mean."""

from __future__ import annotations

import base64

from rtinspect.protocol.audio import (
    G711_ULAW,
    MAX_APPEND_B64,
    MAX_APPEND_BYTES,
    PCM16,
    AudioFormat,
    audio_payload,
    b64_decoded_len,
    b64_len_to_bytes,
)
from rtinspect.protocol.names import closest_name
from rtinspect.protocol.validate import validate_client_event


def test_sizes_from_length_match_a_real_decode() -> None:
    for n in range(0, 40):
        b64 = base64.b64encode(bytes(range(n))).decode()
        assert b64_decoded_len(b64) == len(base64.b64decode(b64))
        assert 0 <= b64_len_to_bytes(len(b64)) - b64_decoded_len(b64) <= 2


def test_a_duration_follows_the_format() -> None:
    g711 = base64.b64encode(bytes(800)).decode()  # 100 ms at 8 kHz, 1 byte a sample
    assert G711_ULAW.ms_for_b64(g711) == 100.0
    assert PCM16.ms_for_b64(g711) == 800 / 48  # what a fixed 48 bytes/ms wrongly reads
    assert AudioFormat.from_wire({"type": "audio/pcmu"}) is G711_ULAW
    assert audio_payload({"audio": g711}, "input_audio_buffer.append") == g711
    assert audio_payload({"delta": "x"}, "response.output_text.delta") is None


def test_the_append_limit_is_the_one_validation_uses() -> None:
    assert MAX_APPEND_B64 == 20_971_520 and MAX_APPEND_BYTES == 15 * 1024 * 1024
    ok = {"type": "input_audio_buffer.append", "audio": "A" * MAX_APPEND_B64}
    big = {"type": "input_audio_buffer.append", "audio": "A" * (MAX_APPEND_B64 + 4)}
    assert not [p for p in validate_client_event(ok, "ga") if p.path == "audio"]
    assert [p for p in validate_client_event(big, "ga") if p.path == "audio"]


def test_one_did_you_mean() -> None:
    assert closest_name("turn_detecton", ["turn_detection", "voice"]) == "turn_detection"
    assert closest_name("text", ["input_text", "input_audio"]) == "input_text"
    assert closest_name("zzz", ["voice"]) is None
    assert closest_name("instrucions", {"instructions"}, cutoff=0.75) == "instructions"
