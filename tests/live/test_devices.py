"""Microphone and speaker logic with sounddevice mocked; the no-PortAudio path by a simulated OSError."""

from __future__ import annotations

import builtins
import subprocess
import sys
import types
from typing import Any

import numpy as np
import pytest

from rtinspect.audio import G711_ULAW, PCM16_24K, ulaw_decode
from rtinspect.audio import devices as dev


def _no_portaudio(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(builtins, "__import__", fake_import)


def test_without_portaudio_devices_say_why(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_portaudio(monkeypatch)
    ok, reason = dev.devices_available()
    assert not ok and "PortAudio library not found" in reason and "libportaudio2" in reason
    with pytest.raises(dev.DeviceError, match="PortAudio"):
        dev.Microphone(lambda b: None).start()
    with pytest.raises(dev.DeviceError, match="PortAudio"):
        dev.Speaker().start()


def test_rest_of_rtinspect_works_without_portaudio() -> None:
    """A subprocess where importing sounddevice fails with OSError: audio conversion and the CLI still work."""
    code = (
        "import builtins, sys\n"
        "real = builtins.__import__\n"
        "def imp(name, *a, **k):\n"
        "    if name == 'sounddevice': raise OSError('PortAudio library not found')\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = imp\n"
        "from rtinspect.audio import encode_for, Clip, PCM16_24K\n"
        "import numpy as np\n"
        "assert len(encode_for(Clip(np.zeros((480, 1), 'float32'), 48000, 1), PCM16_24K)) == 480\n"
        "from rtinspect.audio.devices import devices_available\n"
        "print(devices_available()[1])\n"
        "from rtinspect.cli import main\n"
        "sys.exit(main(['send', '--help']))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "PortAudio library not found" in out.stdout and "--realtime" in out.stdout


class FakeStream:
    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.started = self.closed = False

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.started = False

    def close(self) -> None:
        self.closed = True


def fake_sounddevice(rate: float = 44100.0, inputs: int = 1, outputs: int = 2) -> types.ModuleType:
    sd = types.ModuleType("sounddevice")
    devices = [
        {"name": "mic", "max_input_channels": inputs, "max_output_channels": 0, "default_samplerate": rate}
    ]
    devices.append(
        {"name": "out", "max_input_channels": 0, "max_output_channels": outputs, "default_samplerate": rate}
    )
    sd.query_devices = lambda device=None, kind=None: devices[0] if kind == "input" else devices  # type: ignore[attr-defined]
    sd.InputStream = FakeStream  # type: ignore[attr-defined]
    sd.RawOutputStream = FakeStream  # type: ignore[attr-defined]
    return sd


def test_devices_available_with_a_mocked_device(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice())
    assert dev.devices_available() == (True, "1 input and 1 output device(s)")
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice(inputs=0))
    assert dev.devices_available("input")[0] is False


def test_microphone_captures_at_device_rate_and_delivers_wire_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice(rate=44100.0))
    got: list[bytes] = []
    mic = dev.Microphone(got.append, fmt=PCM16_24K, chunk_ms=40)
    mic.start()
    stream = mic._stream
    assert stream.started and stream.kwargs["samplerate"] == 44100
    t = np.arange(44100) / 44100
    block = (0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32).reshape(-1, 1)
    for i in range(0, 44100, 441):  # one second in 10 ms device blocks
        stream.kwargs["callback"](block[i : i + 441], 441, None, None)
    assert all(len(c) == 1920 for c in got)
    assert 22 <= len(got) <= 25  # ~1 s of 40 ms chunks (the resampler holds a few ms back)
    assert mic.level.peak > 0.4
    mic.open = False  # push-to-talk released: measured but not delivered
    before = len(got)
    for i in range(0, 44100, 441):
        stream.kwargs["callback"](block[i : i + 441], 441, None, None)
    assert len(got) == before
    mic.stop()
    assert stream.closed


def test_mic_converter_to_g711() -> None:
    conv = dev.MicConverter(8000, G711_ULAW, chunk_ms=20)
    block = np.full((800, 1), 0.25, dtype=np.float32)
    out = conv.feed(block, last=True)
    assert [len(c) for c in out] == [160] * 5
    assert abs(int(ulaw_decode(np.frombuffer(out[0], np.uint8))[0]) - 8192) < 300


def test_jitter_buffer_prebuffers_plays_underruns_and_flushes() -> None:
    jb = dev.JitterBuffer(rate=24000, prebuffer_ms=100)
    jb.push(b"\x01\x00" * 1200)  # 50 ms: not enough to start
    assert jb.pull(480) == bytes(480) and not jb.playing
    jb.push(b"\x02\x00" * 1200)  # now 100 ms
    first = jb.pull(480)
    assert jb.playing and first == b"\x01\x00" * 240
    assert jb.played_ms == 10.0
    rest = jb.pull(4800 - 480 + 100)  # more than queued -> silence-padded underrun
    assert rest.endswith(bytes(100)) and jb.underruns == 1 and not jb.playing
    jb.push(b"\x03\x00" * 2400)
    assert jb.flush() == 4800 and jb.queued_ms == 0
    assert jb.pull(10) == bytes(10)


def test_jitter_buffer_plays_a_short_tail_after_the_prebuffer_time() -> None:
    jb = dev.JitterBuffer(rate=24000, prebuffer_ms=100)
    jb.push(b"\x09\x00" * 240)  # 10 ms, and nothing more will come
    silent = [jb.pull(480) for _ in range(10)]  # 10 x 10 ms callbacks = the prebuffer time
    assert all(b == bytes(480) for b in silent)
    assert jb.pull(480) == b"\x09\x00" * 240
    assert jb.played_ms == 10.0


def test_speaker_plays_through_the_callback_and_interrupts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice())
    spk = dev.Speaker(prebuffer_ms=20)
    spk.start()
    spk.play(b"\x05\x00" * 960)  # 40 ms
    out = bytearray(480)
    spk._stream.kwargs["callback"](out, 240, None, None)
    assert bytes(out) == b"\x05\x00" * 240
    assert spk.interrupt() == 10.0
    spk._stream.kwargs["callback"](out, 240, None, None)
    assert bytes(out) == bytes(480)
    spk.stop()


def test_speaker_sink_plays_deltas_and_stops_on_barge_in(monkeypatch: pytest.MonkeyPatch) -> None:
    import base64

    from rtinspect.tap import Tapped

    spk = dev.Speaker(prebuffer_ms=10)
    sink = dev.speaker_sink(spk)
    audio = b"\x07\x00" * 480
    sink(
        Tapped(
            0.0, "server", {"type": "response.output_audio.delta", "delta": base64.b64encode(audio).decode()}
        )
    )
    sink(
        Tapped(0.0, "client", {"type": "response.output_audio.delta", "delta": "AAAA"})
    )  # not from the server
    assert spk.buffer.queued_ms == 20.0
    sink(Tapped(0.1, "server", {"type": "input_audio_buffer.speech_started"}))
    assert spk.buffer.queued_ms == 0.0


async def test_stream_microphone_appends_until_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio
    import threading

    from rtinspect.tap import EventTap

    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice(rate=48000.0))

    class FakeClient:
        def __init__(self) -> None:
            self.tap = EventTap()
            self.events: list[Any] = []
            self.sent: list[dict[str, Any]] = []

        async def send(self, event: dict[str, Any]) -> None:
            self.sent.append(event)

    client = FakeClient()
    stop = asyncio.Event()
    metas: list[str] = []
    client.tap.add_sink(lambda r: metas.append(r.type))

    mic = dev.Microphone(lambda chunk: None, fmt=PCM16_24K, chunk_ms=20)
    task = asyncio.create_task(dev.stream_microphone(client, stop, fmt=PCM16_24K, chunk_ms=20, mic=mic))
    while mic._stream is None and not task.done():
        await asyncio.sleep(0.01)
    stream = mic._stream
    block = np.full((9600, 1), 0.1, dtype=np.float32)  # 200 ms at 48 kHz, delivered from another thread
    t = threading.Thread(target=stream.kwargs["callback"], args=(block, 9600, None, None))
    t.start()
    t.join()
    while len(client.sent) < 4 and not task.done():
        await asyncio.sleep(0.01)
    stop.set()
    sent_ms = await asyncio.wait_for(task, 5)
    assert len(client.sent) >= 4 and all(e["type"] == "input_audio_buffer.append" for e in client.sent)
    assert sent_ms >= 80
    assert metas == ["rtinspect.audio.started", "rtinspect.audio.stopped"]
    assert not stream.started and stream.closed
