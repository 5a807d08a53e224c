"""Loading a generated matrix of files users hold, and refusing the unreadable in one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from rtinspect.audio import PCM16_24K, AudioError, encode_for, load_audio

SUBTYPES = ["PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"]
RATES = [8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000]


def tone(rate: int, channels: int, seconds: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    x = 0.4 * np.sin(2 * np.pi * 300 * t)
    return np.stack([x] * channels, axis=1).astype(np.float32)


@pytest.mark.parametrize("subtype", SUBTYPES)
@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("channels", [1, 2])
def test_wav_matrix_loads_and_converts_to_24k_with_its_duration(
    tmp_path: Path, subtype: str, rate: int, channels: int
) -> None:
    path = tmp_path / f"x_{subtype}_{rate}_{channels}.wav"
    sf.write(path, tone(rate, channels), rate, subtype=subtype)
    clip = load_audio(path)
    assert (clip.rate, clip.channels, clip.frames) == (rate, channels, int(rate * 0.5))
    assert abs(clip.duration_ms - 500) < 1
    assert 0.3 < np.abs(clip.samples).max() < 0.5
    samples = len(encode_for(clip, PCM16_24K)) // 2
    assert abs(samples - 12000) <= 2


@pytest.mark.parametrize(
    ("fmt", "subtype", "ext"),
    [("FLAC", "PCM_16", "flac"), ("FLAC", "PCM_24", "flac"), ("OGG", "VORBIS", "ogg")],
)
@pytest.mark.parametrize("rate", [16000, 44100])
def test_compressed_formats_load(tmp_path: Path, fmt: str, subtype: str, ext: str, rate: int) -> None:
    path = tmp_path / f"x.{ext}"
    sf.write(path, tone(rate, 2), rate, format=fmt, subtype=subtype)
    clip = load_audio(path)
    assert clip.channels == 2 and abs(clip.duration_ms - 500) < 30
    assert clip.info.startswith(fmt)


def test_mp3_loads_when_libsndfile_can(tmp_path: Path) -> None:
    path = tmp_path / "x.mp3"
    try:
        sf.write(path, tone(24000, 1), 24000, format="MP3", subtype="MPEG_LAYER_III")
    except Exception:  # noqa: BLE001
        pytest.skip("this libsndfile cannot write MP3")
    clip = load_audio(path)
    assert clip.rate == 24000 and 400 < clip.duration_ms < 700


def _bad_files(tmp_path: Path) -> dict[str, Path]:
    good = tmp_path / "good.wav"
    sf.write(good, tone(16000, 1), 16000)
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio, just text that someone named .wav\n" * 5)
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(good.read_bytes()[:30])
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    headeronly = tmp_path / "header_only.wav"
    headeronly.write_bytes(good.read_bytes()[:44])
    folder = tmp_path / "folder.wav"
    folder.mkdir()
    return {
        "text": text,
        "truncated": truncated,
        "empty": empty,
        "header_only": headeronly,
        "dir": folder,
        "missing": tmp_path / "nope.wav",
    }


@pytest.mark.parametrize("kind", ["text", "truncated", "empty", "header_only", "dir", "missing"])
def test_unreadable_files_are_refused_in_one_line(tmp_path: Path, kind: str) -> None:
    path = _bad_files(tmp_path)[kind]
    with pytest.raises(AudioError) as info:
        load_audio(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    assert isinstance(info.value.exit_code, int)
