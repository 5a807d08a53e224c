"""Disk full mid-session: the session goes on, the recorder says once where recording stopped, and
the log stays readable (no cut last line). Tested at the ``os.write`` boundary with a fake ENOSPC,
and for real on a 64 KiB tmpfs (when this machine lets the tests mount one, as root does)."""

from __future__ import annotations

import asyncio
import base64
import errno
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from rtinspect.log import LogReader, LogWriteError, LogWriter
from rtinspect.proxy import ProxyServer
from rtinspect.tap import META_RECORDING_STOPPED, EventTap

ROOT = Path(__file__).resolve().parents[2]
AUDIO = base64.b64encode(b"\x01\x02" * 2400).decode()  # 100 ms of pcm16 at 24 kHz


def _fake_disk(monkeypatch: pytest.MonkeyPatch, budget: int) -> None:
    """``os.write`` that writes ``budget`` bytes in all, the last write partly, then raises ENOSPC."""
    real = os.write
    left = [budget]

    def write(fd: int, data: bytes | memoryview) -> int:
        if left[0] <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        n = real(fd, bytes(data[: left[0]]))
        left[0] -= n
        return n

    monkeypatch.setattr(os, "write", write)


def test_writer_stops_once_cuts_the_partial_line_and_the_log_reads(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "s.jsonl"
    said: list[str] = []
    writer = LogWriter(path, url="ws://h/v1/realtime", on_stopped=said.append)
    tap = EventTap()
    tap.add_sink(writer.write)
    _fake_disk(monkeypatch, budget=20_000)
    for _ in range(50):
        tap.tap("client", {"type": "input_audio_buffer.append", "audio": AUDIO})  # ~6.5 KB each
    monkeypatch.undo()
    writer.close()
    assert len(said) == 1 and "No space left on device" in said[0] and str(path) in said[0]
    assert f"after {writer.count} events" in said[0] and writer.dropped == 50 - writer.count
    data = path.read_bytes()
    assert data.endswith(b"\n") and len(data) <= 20_000
    with LogReader.open(path) as reader:
        assert len(reader) == writer.count >= 1 and not reader.truncated and reader.warning is None
        assert all(r.event["audio"] == AUDIO for r in reader.iter_records())


def test_writer_without_a_listener_raises_once(tmp_path: Path, monkeypatch) -> None:
    writer = LogWriter(tmp_path / "s.jsonl")
    tap = EventTap()
    tap.add_sink(writer.write)
    _fake_disk(monkeypatch, budget=1_000)
    with pytest.raises(LogWriteError, match="recording stopped after 0 events"):
        tap.tap("client", {"type": "input_audio_buffer.append", "audio": AUDIO})
    tap.tap("client", {"type": "input_audio_buffer.append", "audio": AUDIO})  # no second error
    monkeypatch.undo()
    assert writer.dropped == 2


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 64 KiB file system: writes past it fail with ENOSPC from the kernel."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


async def test_proxy_relays_on_when_the_disk_fills_and_says_so_once(key_upstream, small_disk: Path) -> None:
    seen: list = []
    log = small_disk / "proxy.jsonl"
    async with ProxyServer(
        "127.0.0.1", 0, key_upstream.url, record=log, on_session=lambda s: s.tap.add_sink(seen.append)
    ) as px:
        async with connect(px.url + "/v1/realtime?model=m") as ws:
            await ws.recv()
            for i in range(40):  # ~13 KB per echo pair: the 64 KiB disk fills a third of the way in
                await ws.send(json.dumps({"type": "input_audio_buffer.append", "audio": AUDIO, "n": i}))
                assert json.loads(await ws.recv())["n"] == i  # the relay never stops
        for _ in range(300):
            if px.sessions[0].closed.is_set():
                break
            await asyncio.sleep(0.01)
    stopped = [r.event for r in seen if r.type == META_RECORDING_STOPPED]
    assert len(stopped) == 1 and "No space left on device" in stopped[0]["message"]
    with LogReader.open(log) as reader:
        assert 5 < len(reader) < 80 and not reader.truncated and reader.warning is None


def test_send_goes_on_when_the_disk_fills(small_disk: Path) -> None:
    log = small_disk / "send.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "rtinspect", "send", str(ROOT / "recordings" / "hello_24k_mono.wav"),
         "--fast", "--record", str(log)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "OPENAI_API_KEY": ""},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "recording stopped" in line]
    assert len(warnings) == 1 and str(log) in warnings[0] and "No space left on device" in warnings[0]
    assert "response.done" in done.stdout or "transcript" in done.stdout or "response" in done.stdout
    with LogReader.open(log) as reader:
        assert len(reader) > 5 and not reader.truncated and reader.warning is None


async def test_tui_goes_on_when_the_disk_fills_and_says_once_where_recording_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The live TUI recording to a disk that fills: the session goes on (every event still listed),
    the event list shows once where recording stopped, the app lives, and the log reads."""
    from rtinspect.inspector.live import LiveController
    from rtinspect.inspector.model import SessionModel
    from rtinspect.transport import Target
    from rtinspect.tui.app import RtInspectApp

    class QuietClient:
        connected = True

        def __init__(self, target, tap) -> None:
            self.tap = tap

        async def connect(self) -> None:
            self.tap.meta("rtinspect.connection.opened", url="ws://test", dialect="ga")

        async def close(self) -> None:
            pass

    log = tmp_path / "live.jsonl"
    ctl = LiveController(
        Target.embedded("ws://127.0.0.1:9/v1/realtime"), record_path=log, client_factory=QuietClient, embedded=True
    )
    fd = ctl.writer._fd
    real, left = os.write, [20_000]

    def write(to: int, data: bytes | memoryview) -> int:  # only the recording's file fills up
        if to != fd:
            return real(to, data)
        if left[0] <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        n = real(to, bytes(data[: left[0]]))
        left[0] -= n
        return n

    app = RtInspectApp(SessionModel(live=True), controller=ctl)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(200):
            if len(app.model.index) and app.main is not None and app.main._ready:
                break
            await pilot.pause(0.05)
        monkeypatch.setattr(os, "write", write)
        for i in range(50):  # ~6.5 KB each: the disk fills a third of the way in
            ctl.tap.tap("client", {"type": "input_audio_buffer.append", "audio": AUDIO, "event_id": f"e{i}"})
        monkeypatch.undo()
        app.drain()
        await pilot.pause()
        types = [app.model.index.rec(i).type for i in range(len(app.model.index))]
        assert types.count(META_RECORDING_STOPPED) == 1
        assert types.count("input_audio_buffer.append") == 50  # the session went on
        stop = next(app.model.index.rec(i) for i in range(len(types)) if types[i] == META_RECORDING_STOPPED)
        assert str(log) in stop.event["message"] and "No space left on device" in stop.event["message"]
        assert app.is_running and app.return_code is None
    with LogReader.open(log) as reader:
        assert 1 < len(reader) < 50 and not reader.truncated and reader.warning is None
