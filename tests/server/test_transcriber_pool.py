"""The transcription pool: decoding happens in persistent worker processes (model loaded once per
worker), survives a worker's death, and never holds up the server's stop or Ctrl-C."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from websockets.sync.client import connect

from rtinspect.server import EmbeddedServer
from rtinspect.server.transcribe import TranscriberOverloaded, TranscriberPool

from .pool_backends import Slow, WhereAmI
from .server_helpers import AUTH, b64, open_client, tone

NO_VAD_TRANSCRIBE = {
    "type": "realtime",
    "audio": {"input": {"transcription": {"model": "whisper-1"}, "turn_detection": None}},
}
COMPLETED = "conversation.item.input_audio_transcription.completed"


async def _transcribed(client, pcm: bytes, *, timeout: float = 60) -> dict:
    await client.append(pcm)
    await client.send("input_audio_buffer.commit")
    return await client.until_any((COMPLETED, COMPLETED.replace("completed", "failed")), timeout)


async def _client(url: str):
    client = await open_client(url)
    await client.recv()
    await client.send("session.update", session=NO_VAD_TRANSCRIBE)
    await client.until("session.updated")
    return client


async def test_turns_are_decoded_in_one_persistent_worker_that_loaded_once() -> None:
    pool = TranscriberPool(WhereAmI, workers=1)
    try:
        async with EmbeddedServer(transcriber=pool) as srv:
            client = await _client(srv.url)
            texts = [(await _transcribed(client, tone(300)))["transcript"] for _ in range(3)]
        pids = {int(re.match(r"pid (\d+)", t).group(1)) for t in texts}
        assert pids and os.getpid() not in pids, texts  # not in the server's process
        assert len(pids) == 1  # one persistent worker, not a process per turn
        assert [t.split(" ", 2)[2] for t in texts] == [
            "built 1 loaded 1 calls 1",
            "built 1 loaded 1 calls 2",
            "built 1 loaded 1 calls 3",
        ]
    finally:
        pool.close()


async def test_a_dead_worker_is_replaced_and_the_session_goes_on() -> None:
    pool = TranscriberPool(WhereAmI, workers=1)
    try:
        async with EmbeddedServer(transcriber=pool) as srv:
            client = await _client(srv.url)
            first = (await _transcribed(client, tone(300)))["transcript"]
            for pid in pool.pids():
                os.kill(pid, signal.SIGKILL)
            await asyncio.sleep(0.5)  # the pool notices its worker is gone
            second = await _transcribed(client, tone(300))
            assert second["type"] == COMPLETED, second
            assert second["transcript"].split()[1] != first.split()[1]  # a new worker
    finally:
        pool.close()


async def test_stop_is_fast_with_a_decode_in_flight_and_leaves_no_worker() -> None:
    pool = TranscriberPool(Slow, workers=1)
    srv = EmbeddedServer(transcriber=pool)
    await srv.start()
    client = await _client(srv.url)
    await client.append(tone(30_000))  # a 30 s decode
    await client.send("input_audio_buffer.commit")
    await client.until("conversation.item.done")
    for _ in range(100):  # until the worker holds the turn
        if pool.pids():
            break
        await asyncio.sleep(0.05)
    pids = pool.pids()
    assert pids
    await asyncio.sleep(0.5)
    started = time.monotonic()
    pool.close()
    await srv.stop()
    assert time.monotonic() - started < 5
    for _ in range(100):
        if not any(_alive(p) for p in pids):
            break
        await asyncio.sleep(0.05)
    assert not any(_alive(p) for p in pids)


async def test_an_overloaded_pool_fails_the_newest_turn_instead_of_queueing_forever() -> None:
    pool = TranscriberPool(Slow, workers=1, max_waiting=1)
    try:
        first = asyncio.ensure_future(pool.run(bytes(48 * 1000)))
        await asyncio.sleep(0)
        with pytest.raises(TranscriberOverloaded, match="overloaded"):
            await pool.run(bytes(48))
        assert await first == "slow but sure"
    finally:
        pool.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purpose: only its parent's wait is missing
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


def _speech(tmp_path: Path) -> bytes:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    import soundfile as sf
    import soxr

    wav = tmp_path / "s.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), "the weather is nice"], check=True, capture_output=True)
    samples, rate = sf.read(wav, dtype="int16")
    return soxr.resample(samples, rate, 24000).astype("<i2").tobytes()


def test_ctrl_c_to_the_process_group_stops_serve_and_its_workers_quietly(tmp_path: Path) -> None:
    """Ctrl-C in a terminal signals every process of the group, workers included: serve exits 0 and no
    idle worker dies of KeyboardInterrupt with a traceback."""
    speech = _speech(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "rtinspect", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        url = re.search(r"ws://127\.0\.0\.1:\d+/v1/realtime", proc.stdout.readline())
        assert url
        with connect(url.group(0) + "?model=gpt-realtime", additional_headers=AUTH) as ws:
            ws.recv(timeout=10)
            ws.send(json.dumps({"type": "session.update", "session": NO_VAD_TRANSCRIBE}))
            for chunk in range(0, len(speech), 48_000):
                ws.send(
                    json.dumps(
                        {"type": "input_audio_buffer.append", "audio": b64(speech[chunk : chunk + 48_000])}
                    )
                )
            ws.send(json.dumps({"type": "input_audio_buffer.commit"}))
            while json.loads(ws.recv(timeout=60))["type"] != COMPLETED:
                pass  # one turn decoded: the worker is up, and now idle (waiting for work)
            time.sleep(0.3)
            os.killpg(proc.pid, signal.SIGINT)
            out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err


CAPTURED_STDERR = """
import sys
from rtinspect.server.transcribe import FakeTranscriber, TranscriberPool


class PrintCapture:  # what Textual puts in sys.stderr while the TUI runs: fileno() is -1
    def write(self, text):
        return len(text)

    def flush(self):
        pass

    def fileno(self):
        return -1


if __name__ == "__main__":
    sys.stderr = PrintCapture()
    pool = TranscriberPool(FakeTranscriber, workers=1)
    try:
        print(pool.transcribe(b""))
    finally:
        pool.close()
"""


def test_the_pool_starts_inside_the_tui_where_stderr_has_no_file(tmp_path: Path) -> None:
    """Under Textual, multiprocessing's resource tracker would be started with fd -1 and fail ("bad value(s)
    in fds_to_keep"), so the TUI's embedded server could never transcribe; a fresh process, because the
    tracker starts once per process."""
    script = tmp_path / "captured.py"
    script.write_text(CAPTURED_STDERR)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "hello from the fake transcriber"
