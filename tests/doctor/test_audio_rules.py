"""Audio format and content rules over synthetic appends (the recordings cover RIFF and 16 kHz)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rtinspect.audio.convert import ulaw_encode
from rtinspect.audio.load import load_audio

from .synth import Synth, speechlike, zeros

WAVS = Path(__file__).resolve().parents[2] / "recordings"
PCMU = {"type": "realtime", "audio": {"input": {"format": {"type": "audio/pcmu"}}}}


def _clean(s: Synth) -> set[str]:
    return s.codes()


def test_rate_by_wall_clock_16k_declared_24k() -> None:
    s = Synth()
    s.append(speechlike(4000, rate=16000), rate=16000, true_rate=16000)  # chunks of 16 kHz, clock at 16 kHz
    f = s.find("audio-rate-mismatch")
    assert "16000" in f.title and "0.67x" in f.explanation
    assert "24000" in (f.fix or "")


def test_rate_by_wall_clock_healthy_and_burst_are_clean() -> None:
    s = Synth()
    s.append(speechlike(4000))
    assert "audio-rate-mismatch" not in _clean(s)
    fast = Synth()
    fast.append(speechlike(4000, rate=16000), rate=16000, realtime=False)  # as fast as possible: can't judge
    assert "audio-rate-mismatch" not in _clean(fast)


def test_rate_not_blamed_on_a_stalling_sender() -> None:
    s = Synth()
    s.append(speechlike(1500))
    s.t += 0.9  # the sender stalls (loaded machine), then catches up in a burst
    s.append(speechlike(600), realtime=False)
    s.append(speechlike(2000))
    assert "audio-rate-mismatch" not in _clean(s)


def test_pitch_out_of_range_names_the_probable_rate() -> None:
    s = Synth()
    s.append(speechlike(3000, rate=8000, f0=150), rate=24000, realtime=False)  # 8 kHz samples declared 24 kHz
    f = s.find("audio-pitch-out-of-range")
    assert "8000" in f.title or "11025" in f.title
    healthy = Synth()
    healthy.append(speechlike(3000, f0=150), realtime=False)
    assert "audio-pitch-out-of-range" not in _clean(healthy)


def test_real_speech_at_24k_is_clean() -> None:
    clip = load_audio(WAVS / "hello_24k_mono.wav")
    pcm = (clip.samples[:, 0] * 32767).astype("<i2")
    s = Synth()
    s.append(np.concatenate([zeros(300), pcm, zeros(700)]))
    assert _clean(s) == set()


def test_stereo_interleaved_as_mono() -> None:
    clip = load_audio(WAVS / "hello_48k_stereo.wav")
    stereo = (clip.samples * 32767).astype("<i2").reshape(-1)  # L R L R ...
    s = Synth()
    s.append(stereo, realtime=False)
    assert "stereo-as-mono" in _clean(s)
    different = Synth()  # distinct channels: speech left, silence right
    lr = np.stack([speechlike(3000), zeros(3000)], axis=1).reshape(-1)
    different.append(lr, realtime=False)
    assert "stereo-as-mono" in _clean(different)


def test_odd_byte_count() -> None:
    s = Synth()
    s.append(speechlike(500).tobytes() + b"\x00", chunk_ms=10_000)
    assert "odd-byte-count" in _clean(s)
    ok = Synth()
    ok.append(speechlike(500), chunk_ms=10_000)
    assert "odd-byte-count" not in _clean(ok)


def test_container_bytes_in_pcm() -> None:
    wav = (WAVS / "hello_24k_mono.wav").read_bytes()
    s = Synth()
    s.append(wav, realtime=False)
    f = s.find("container-bytes-in-pcm")
    assert "WAV" in f.title and f.events


@pytest.mark.parametrize("declared", ["pcm", "pcmu"])
def test_g711_vs_pcm16_mismatch(declared: str) -> None:
    voice = speechlike(3000, rate=8000)
    if declared == "pcm":  # mu-law bytes declared as pcm16
        s = Synth()
        s.append(ulaw_encode(voice).astype(np.uint8).tobytes(), realtime=False)
        assert "g711 mu-law audio sent as pcm16" in s.find("g711-pcm16-mismatch").title
    else:  # pcm16 bytes declared as mu-law
        s = Synth()
        s.update(PCMU)
        s.append(voice.tobytes(), rate=8000, width=1, realtime=False)
        assert "pcm16 audio sent as" in s.find("g711-pcm16-mismatch").title


def test_g711_declared_and_sent_is_clean() -> None:
    s = Synth()
    s.update(PCMU)
    s.append(ulaw_encode(speechlike(3000, rate=8000)).astype(np.uint8).tobytes(), rate=8000, width=1)
    assert _clean(s) == set()


def test_silent_quiet_clipped() -> None:
    silent = Synth()
    silent.append(zeros(3000))
    assert "audio-silent" in _clean(silent)
    quiet = Synth()
    quiet.append(speechlike(3000, level=0.002))
    assert "audio-too-quiet" in _clean(quiet)
    loud = Synth()
    loud.append(np.clip(speechlike(3000).astype(np.int32) * 8, -32768, 32767).astype("<i2"))
    assert "audio-clipped" in _clean(loud)
    normal = Synth()
    normal.append(speechlike(3000))
    assert not {"audio-silent", "audio-too-quiet", "audio-clipped"} & _clean(normal)


def test_speech_without_trailing_silence() -> None:
    s = Synth()
    s.append(zeros(300))
    s.server("input_audio_buffer.speech_started", audio_start_ms=0, item_id="item_1")
    s.append(speechlike(2000))
    f = s.find("no-trailing-silence")
    assert "ms of zeros" in (f.fix or "") and "response.create" in (f.fix or "")
    healthy = Synth()
    healthy.append(zeros(300))
    healthy.server("input_audio_buffer.speech_started", audio_start_ms=0, item_id="item_1")
    healthy.append(speechlike(2000))
    healthy.append(zeros(600))
    healthy.server("input_audio_buffer.speech_stopped", audio_end_ms=2300, item_id="item_1")
    assert "no-trailing-silence" not in _clean(healthy)


def test_audio_before_the_format_update() -> None:
    s = Synth()
    s.append(speechlike(400, rate=8000), rate=8000, width=1)
    s.update(PCMU)
    s.append(speechlike(400, rate=8000), rate=8000, width=1)
    assert "audio-before-format-update" in _clean(s)
    ok = Synth()
    ok.update(PCMU)
    ok.append(ulaw_encode(speechlike(400, rate=8000)).astype(np.uint8).tobytes(), rate=8000, width=1)
    assert "audio-before-format-update" not in _clean(ok)


def test_real_44k_speech_declared_24k_is_called_out_by_pitch() -> None:
    clip = load_audio(WAVS / "hello_44k_float.wav")
    pcm = (clip.samples[:, 0] * 32767).astype("<i2")
    s = Synth()
    s.append(np.concatenate([pcm, zeros(500)]), realtime=False)
    f = s.find("audio-pitch-out-of-range")
    assert "44100" in f.title or "48000" in f.title


def test_stereo_streamed_in_real_time_grows_twice_as_fast() -> None:
    lr = np.stack([speechlike(4000), speechlike(4000, seed=2)], axis=1).reshape(-1)
    s = Synth()
    s.append(lr, rate=48000)  # 24 kHz stereo = 48k samples per second of real time, declared mono 24 kHz
    f = s.find("audio-rate-mismatch")
    assert "stereo" in f.explanation


def test_one_cause_one_rate_finding_with_each_piece_of_evidence() -> None:
    """ga-rate-16000: the clock (error) and the audio itself (warning) both say 16 kHz: one finding,
    the strongest severity, the explanation naming both, the events of both."""
    from rtinspect.doctor import diagnose
    from rtinspect.exchange.logio import read_log

    log = read_log(WAVS / "ga-rate-16000.jsonl")
    rate = [f for f in diagnose(log.records, "ga") if f.code == "audio-rate-mismatch"]
    assert len(rate) == 1
    (f,) = rate
    assert f.severity == "error" and f.key == ""
    assert "- timing:" in f.explanation and "- the audio itself:" in f.explanation
    assert "0.67x" in f.explanation and "pitch" in f.explanation
    assert "24000" in (f.fix or "")


def test_merged_rate_evidence_takes_the_strongest_piece() -> None:
    from rtinspect.doctor.audio_rules import merge_rate
    from rtinspect.doctor.finding import Finding

    audio = Finding(
        "warning", "audio-rate-mismatch", "sounds sped up", "pitch", (7,), "fix-audio", key="audio"
    )
    clock = Finding("error", "audio-rate-mismatch", "by the clock", "0.67x", (3, 9), "fix-clock", key="clock")
    source = Finding(
        "error", "audio-rate-mismatch", "streamed at 16 kHz", "meta", (1,), "fix-source", key="source"
    )
    one = merge_rate([audio])
    assert (one.severity, one.title, one.key) == ("warning", "sounds sped up", "")
    two = merge_rate([audio, clock])
    assert (two.severity, two.fix, two.events) == ("error", "fix-clock", (3, 7, 9))
    assert two.explanation.index("timing") < two.explanation.index("the audio itself")
    three = merge_rate([clock, audio, source])
    assert three.fix == "fix-source" and "3 pieces of evidence" in three.title
