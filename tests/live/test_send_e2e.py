"""`rtinspect send` end to end over real sockets against the embedded server, in both dialects."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from rtinspect.cli import main
from rtinspect.log import LogReader
from rtinspect.server import ServerThread

RECORDINGS = Path(__file__).resolve().parents[2] / "recordings"
FAKE_TEXT = "hello can you hear me"  # what the conftest servers' FakeTranscriber says
CANARY_ENV = "sk-canary-env-0000111122223333"
CANARY_HEADER = "sk-canary-header-4444555566667777"


def send(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    if "--url" in argv and "--header" not in argv:
        argv = (
            *argv,
            "--header",
            "Authorization: Bearer local-test-token",
        )  # the server wants one, never checks it
    code = main(["send", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def appended_bytes(log: Path) -> list[int]:
    with LogReader.open(log) as reader:
        return [
            len(base64.b64decode(r.event["audio"])) for r in reader if r.type == "input_audio_buffer.append"
        ]


def test_recordings_are_small_real_speech() -> None:
    wavs = sorted(RECORDINGS.glob("*.wav"))
    assert len(wavs) >= 4
    shapes = set()
    for wav in wavs:
        assert wav.stat().st_size < 150_000
        info = sf.info(wav)
        shapes.add((info.samplerate, info.channels))
    assert {(24000, 1), (16000, 1), (48000, 2), (8000, 1)} <= shapes


@pytest.mark.parametrize(
    ("rate", "channels", "subtype", "fmt"),
    [
        (8000, 1, "PCM_U8", "WAV"),
        (11025, 2, "PCM_16", "WAV"),
        (16000, 1, "PCM_24", "WAV"),
        (22050, 2, "PCM_32", "WAV"),
        (24000, 1, "FLOAT", "WAV"),
        (32000, 2, "DOUBLE", "WAV"),
        (44100, 2, "PCM_16", "FLAC"),
        (48000, 1, "VORBIS", "OGG"),
        (48000, 2, "PCM_24", "WAV"),
    ],
)
def test_format_matrix_arrives_as_the_right_number_of_24k_samples(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    ga_server: ServerThread,
    rate: int,
    channels: int,
    subtype: str,
    fmt: str,
) -> None:
    seconds = 0.7
    t = np.arange(int(rate * seconds)) / rate
    x = (0.3 * np.sin(2 * np.pi * 250 * t)).astype(np.float32)
    path = tmp_path / f"in.{'ogg' if fmt == 'OGG' else fmt.lower()}"
    sf.write(path, np.stack([x] * channels, axis=1), rate, format=fmt, subtype=subtype)
    frames = sf.info(path).frames
    log = tmp_path / "session.jsonl"
    code, out, _ = send(
        capsys,
        str(path),
        "--url",
        ga_server.url,
        "--fast",
        "--vad",
        "none",
        "--no-response",
        "--record",
        str(log),
    )
    assert code == 0, out
    sizes = appended_bytes(log)
    expected = round(frames * 24000 / rate) * 2
    chunk = 40 * 48
    assert all(s == chunk for s in sizes[:-1])
    assert abs(sum(sizes) - expected) <= chunk  # duration preserved within one chunk
    with LogReader.open(log) as reader:
        types = [r.type for r in reader]
    assert "input_audio_buffer.committed" in types and "response.created" not in types


def test_g711_session_gets_8k_ulaw(tmp_path: Path, ga_server: ServerThread) -> None:
    import asyncio

    from rtinspect.audio import G711_ULAW, stream_file
    from rtinspect.tap import EventTap
    from rtinspect.transport import RealtimeClient, Target

    async def scenario() -> tuple[list[int], str]:
        client = RealtimeClient(Target.embedded(ga_server.url), EventTap())
        await client.connect()
        await client.wait_for("session.created")
        await client.send(
            {
                "type": "session.update",
                "session": {
                    "type": "realtime",
                    "audio": {"input": {"format": {"type": "audio/pcmu"}, "turn_detection": None}},
                },
            }
        )
        await client.wait_for("session.updated")
        result = await stream_file(
            client, RECORDINGS / "hello_48k_stereo.wav", realtime=False, response=False
        )
        committed = await client.wait_for(lambda r: r.type in ("input_audio_buffer.committed", "error"))
        await client.close()
        sizes = [
            len(base64.b64decode(r.event["audio"]))
            for r in client.events
            if r.type == "input_audio_buffer.append"
        ]
        assert result.committed and not result.response_requested
        return sizes, committed.type

    sizes, kind = asyncio.run(scenario())
    assert kind == "input_audio_buffer.committed"
    frames = sf.info(RECORDINGS / "hello_48k_stereo.wav").frames
    assert abs(sum(sizes) - frames / 6) <= G711_ULAW.bytes_per_ms * 40


# -- the classic broken session and its fix -------------------------------------------------------
BROKEN = ["--no-resample", "--commit", "--trailing-silence-ms", "250", "--fast"]


@pytest.mark.parametrize("dialect", ["ga", "beta"])
def test_classic_broken_session(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    ga_server: ServerThread,
    beta_server: ServerThread,
    dialect: str,
) -> None:
    """Transcription never enabled, 16 kHz audio sent as if 24 kHz, manual commit under server VAD."""
    server = ga_server if dialect == "ga" else beta_server
    log = tmp_path / "broken.jsonl"
    wav = RECORDINGS / "weather_16k_mono.wav"
    code, out, _ = send(
        capsys, str(wav), "--url", server.url, "--dialect", dialect, *BROKEN, "--record", str(log)
    )
    assert code == 1, out
    assert "input_audio_buffer_commit_empty" in out
    assert "input transcription is off" in out
    assert "NOT resampled: 16000 Hz samples declared as 24000 Hz" in out
    with LogReader.open(log) as reader:
        events = list(reader)
    types = [r.type for r in events]
    assert not any("input_audio_transcription" in t for t in types)
    assert "response.done" in types
    item_event = "conversation.item.added" if dialect == "ga" else "conversation.item.created"
    user_items = [
        r.event["item"] for r in events if r.type == item_event and r.event["item"].get("role") == "user"
    ]
    assert user_items and user_items[0]["content"][0]["transcript"] is None
    # 16 kHz samples played at 24 kHz: the server hears 2/3 of the real duration
    speech = [r.event for r in events if r.type == "input_audio_buffer.speech_stopped"]
    assert speech and speech[0]["audio_end_ms"] < sf.info(wav).duration * 1000 * 0.85


@pytest.mark.parametrize("dialect", ["ga", "beta"])
def test_fixed_session(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    ga_server: ServerThread,
    beta_server: ServerThread,
    dialect: str,
) -> None:
    server = ga_server if dialect == "ga" else beta_server
    wav = RECORDINGS / "weather_16k_mono.wav"
    log = tmp_path / "fixed.jsonl"
    code, out, _ = send(
        capsys,
        str(wav),
        "--url",
        server.url,
        "--dialect",
        dialect,
        "--transcribe",
        "whisper-1",
        "--fast",
        "--record",
        str(log),
    )
    assert code == 0, out
    assert f'"{FAKE_TEXT}"' in out and "error" not in out
    assert "response  completed" in out
    with LogReader.open(log) as reader:
        events = list(reader)
    update = next(r.event for r in events if r.type == "session.update")
    if dialect == "ga":
        assert update["session"]["audio"]["input"]["transcription"] == {"model": "whisper-1"}
    else:
        assert update["session"] == {"input_audio_transcription": {"model": "whisper-1"}}
    types = [r.type for r in events]
    assert "conversation.item.input_audio_transcription.completed" in types
    assert "input_audio_buffer.commit" not in types  # server VAD commits; the client must not
    stopped = next(r.event for r in events if r.type == "input_audio_buffer.speech_stopped")
    assert stopped["audio_end_ms"] >= sf.info(wav).duration * 1000 * 0.9


def test_refused_session_update_is_reported_and_fails(
    capsys: pytest.CaptureFixture[str], ga_server: ServerThread
) -> None:
    code, out, _ = send(
        capsys,
        str(RECORDINGS / "weather_16k_mono.wav"),
        "--url",
        ga_server.url,
        "--input-rate",
        "16000",
        "--transcribe",
        "whisper-1",
        "--fast",
    )
    assert code == 1
    assert "integer_below_min_value" in out and "session.audio.input.format.rate" in out
    assert "transcription off" in out  # the whole update was dropped, transcription stays off


def test_beta_header_against_the_ga_server_is_closed_4000(
    capsys: pytest.CaptureFixture[str], ga_server: ServerThread
) -> None:
    code, out, _ = send(
        capsys, str(RECORDINGS / "hello_24k_mono.wav"), "--url", ga_server.url, "--dialect", "beta", "--fast"
    )
    assert code == 1
    assert "beta_api_shape_disabled" in out and "4000" in out


# -- secrets, JSON output, unreadable input --------------------------------------------------------
def test_canary_key_never_reaches_the_log_or_the_output(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    ga_server: ServerThread,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", CANARY_ENV)
    log = tmp_path / "canary.jsonl"
    for extra in ([], ["--json"]):
        code, out, err = send(
            capsys,
            str(RECORDINGS / "hello_24k_mono.wav"),
            "--url",
            ga_server.url,
            "--header",
            f"Authorization: Bearer {CANARY_HEADER}",
            "--fast",
            "--transcribe",
            "whisper-1",
            "--record",
            str(log),
            *extra,
        )
        assert code == 0, out + err
        text = out + err + log.read_text()
        assert CANARY_ENV not in text and CANARY_HEADER not in text
        assert "canary" not in text
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[0]["type"] == "rtinspect.connection.opened"
    assert lines[0]["event"]["headers"]["Authorization"] == "[redacted]"
    assert {"t", "dir", "type", "event"} <= set(lines[1])
    assert any(e["type"] == "conversation.item.input_audio_transcription.completed" for e in lines)


@pytest.mark.parametrize(
    "content", [b"", b"hello, this is text in a .wav\n", b"RIFF\x24\x00\x00\x00WAVEfmt "]
)
def test_unreadable_audio_is_one_line_and_no_session(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(content)
    code, out, err = send(capsys, str(bad), "--url", "ws://127.0.0.1:9/v1/realtime")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("rtinspect: ") and "bad.wav" in err


def test_bad_flags_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = send(capsys, "x.wav", "--chunk-ms", "5")
    assert code == 2 and err.count("\n") == 1
    code, _, err = send(capsys, str(RECORDINGS / "hello_24k_mono.wav"), "--header", "nocolon")
    assert code == 2 and "--header" in err
