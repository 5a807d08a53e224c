"""End to end: an app with a hard-coded wss URL, seen through ``rtinspect capture`` (mitmproxy + addon).

The embedded server is served over TLS with a throwaway certificate; the app is a separate Python
process that only gets ``HTTPS_PROXY`` and ``SSL_CERT_FILE`` (what ``rtinspect capture`` tells users
to set); mitmproxy runs from a virtualenv of its own. The recording must hold every frame both
ways, the doctor must read it, and the canary key must be nowhere on disk or in any output.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from rtinspect.exchange.logio import read_log
from rtinspect.server import EmbeddedServer, FakeTranscriber

from .conftest import free_port, tls_front

CANARY = "sk-canaryMITMCAPTURE0123456789abcdef"

APP = r"""
import asyncio, base64, json, os, sys
from websockets.asyncio.client import connect

async def main() -> None:
    url = sys.argv[1]
    out = []
    async with connect(url, additional_headers={"Authorization": "Bearer " + os.environ["APP_KEY"]}) as ws:
        async def recv_until(type_):
            while True:
                ev = json.loads(await asyncio.wait_for(ws.recv(), 20))
                out.append(["server", ev])
                if ev["type"] == type_:
                    return ev
        async def send(ev):
            out.append(["client", ev])
            await ws.send(json.dumps(ev))
        await recv_until("session.created")
        await send({"type": "session.update", "session": {"type": "realtime", "audio": {"input": {"turn_detection": None}}}})
        await recv_until("session.updated")
        await send({"type": "session.update", "event_id": "evt_bad", "session": {"type": "realtime",
                    "audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}}}})
        await recv_until("error")
        await send({"type": "input_audio_buffer.append", "audio": base64.b64encode(bytes(9600)).decode()})
        await send({"type": "input_audio_buffer.commit"})
        await recv_until("input_audio_buffer.committed")
        await recv_until("conversation.item.done")  # the committed audio's item, before ours
        await send({"type": "conversation.item.create", "item": {"type": "message", "role": "user",
                    "content": [{"type": "input_text", "text": "the key is " + os.environ["APP_KEY"]}]}})
        await recv_until("conversation.item.done")
    print(json.dumps(out))

asyncio.run(main())
"""


class Lines:
    """The stdout lines of a child process, read by a thread (so a wait never blocks the test's loop)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    async def wait_for(self, needle: str, timeout: float = 90) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if any(needle in line for line in self.lines):
                return
            if self.proc.poll() is not None and not self.thread.is_alive():
                raise AssertionError(f"rtinspect capture exited {self.proc.returncode}: {self.lines[-5:]}")
            await asyncio.sleep(0.1)
        raise AssertionError(f"no {needle!r} within {timeout} s: {self.lines[-5:]}")


@pytest.mark.timeout(300)
async def test_capture_through_mitmproxy_records_every_frame_without_the_key(
    tmp_path: Path, mitmdump: Path, tls_files: tuple[Path, Path, Path], clean_env: dict[str, str]
) -> None:
    ca, cert, key = tls_files
    confdir = tmp_path / "mitmconf"
    record = tmp_path / "capture.jsonl"
    proxy_port = free_port()
    async with (
        EmbeddedServer(transcriber=FakeTranscriber()) as server,
        tls_front(server.port, cert, key) as tls,
    ):
        capture = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rtinspect",
                "capture",
                "--headless",
                "--listen",
                f"127.0.0.1:{proxy_port}",
                "--collector",
                "127.0.0.1:0",
                "--record",
                str(record),
                "--mitmdump",
                str(mitmdump),
                "--",
                "--set",
                f"confdir={confdir}",
                "--set",
                f"ssl_verify_upstream_trusted_ca={ca}",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_env,
            cwd=tmp_path,
        )
        out_lines = Lines(capture)
        lines = out_lines.lines
        try:
            await out_lines.wait_for("Ctrl-C stops")
            mitm_ca = confdir / "mitmproxy-ca-cert.pem"
            assert any(f"SSL_CERT_FILE={mitm_ca}" in ln for ln in lines), lines
            assert any(f"HTTPS_PROXY=http://127.0.0.1:{proxy_port}" in ln for ln in lines), lines
            app_env = {
                **clean_env,
                "HTTPS_PROXY": f"http://127.0.0.1:{proxy_port}",
                "SSL_CERT_FILE": str(mitm_ca),
                "APP_KEY": CANARY,
            }
            app = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                APP,
                f"wss://localhost:{tls}/v1/realtime?model=gpt-realtime",
                env=app_env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            out, err = await asyncio.wait_for(app.communicate(), 60)
            assert app.returncode == 0, err.decode()[-2000:]
            exchanged = json.loads(out)
            # the session reaches the collector and closes there
            await out_lines.wait_for("summary:", 30)
        finally:
            capture.send_signal(signal.SIGTERM)
            await asyncio.to_thread(capture.wait, 30)
            out_lines.thread.join(5)
            assert capture.stderr is not None
            errors = capture.stderr.read()
        assert capture.returncode == 0, errors

    # every frame both ways, each direction in its order (the two directions interleave as mitmproxy
    # saw them, which the app's own list cannot tell); the app's key masked where a frame carried it
    log = read_log(record)
    recorded = [[r.dir, r.event] for r in log.records if r.dir != "meta"]
    expected = [[d, json.loads(json.dumps(ev).replace(CANARY, "[redacted]"))] for d, ev in exchanged]
    assert len(recorded) == len(expected) > 10
    for direction in ("client", "server"):
        assert [ev for d, ev in recorded if d == direction] == [ev for d, ev in expected if d == direction]
    assert any("[redacted]" in json.dumps(ev) for _, ev in recorded)
    times = [r.t for r in log.records]
    assert times == sorted(times)
    metas = [r.type for r in log.records if r.dir == "meta"]
    assert metas[0] == "rtinspect.connection.opened" and metas[-1] == "rtinspect.connection.closed"
    assert log.records[0].event["capture"] == "mitmproxy"
    assert f"localhost:{tls}/v1/realtime" in (log.url or "")

    # the doctor reads it and names the 16 kHz refusal
    doctor = subprocess.run(
        [sys.executable, "-m", "rtinspect", "doctor", str(record), "--json"],
        capture_output=True,
        text=True,
        env=clean_env,
        timeout=60,
    )
    assert doctor.returncode == 1, doctor.stderr  # error-level findings
    (report,) = json.loads(doctor.stdout)["logs"]
    assert report["events"] == len(log.records)
    assert "session-value-out-of-range" in {f["code"] for f in report["findings"]}

    # no key anywhere: recording, rtinspect's output, mitmdump's log, anything in the temp dir
    assert CANARY not in "\n".join(lines) + errors + doctor.stdout
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), path
    mitm_log = next((ln.split("(log: ", 1)[1].rstrip(")") for ln in lines if "(log: " in ln), None)
    if mitm_log and os.path.exists(mitm_log):
        assert CANARY not in Path(mitm_log).read_text(errors="replace")
