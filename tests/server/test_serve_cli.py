"""`rtinspect serve` as a user runs it, and ServerThread for synchronous callers."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

from websockets.sync.client import connect

from rtinspect.server import ServerThread

from .server_helpers import AUTH


def test_serve_prints_url_serves_and_stops_on_ctrl_c() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "rtinspect", "serve", "--port", "0", "--transcriber", "none"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        url = re.search(r"ws://127\.0\.0\.1:\d+/v1/realtime", first)
        assert url, first
        secret = "sk-never-print-me"
        with connect(
            url.group(0) + "?model=gpt-realtime", additional_headers={"Authorization": f"Bearer {secret}"}
        ) as ws:
            assert json.loads(ws.recv(timeout=10))["type"] == "session.created"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "Traceback" not in err
    assert "session from" in err
    assert secret not in out + err


def test_serve_bad_port_is_one_line_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "rtinspect", "serve", "--port", "70000"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("rtinspect: ") and "Traceback" not in proc.stderr


def test_server_thread_for_sync_callers() -> None:
    with ServerThread(transcriber="none") as srv:
        assert srv.url == f"ws://127.0.0.1:{srv.port}/v1/realtime" and srv.port > 0
        with connect(srv.url + "?model=gpt-realtime", additional_headers=AUTH) as ws:
            assert json.loads(ws.recv(timeout=10))["type"] == "session.created"
            ws.send(json.dumps({"type": "input_audio_buffer.commit"}))
            assert json.loads(ws.recv(timeout=10))["error"]["code"] == "input_audio_buffer_commit_empty"


def test_server_thread_stops_cleanly_mid_response(monkeypatch) -> None:
    import threading

    from .server_helpers import b64, silence, tone

    crashes: list = []
    monkeypatch.setattr(threading, "excepthook", lambda args: crashes.append(args.exc_value))
    srv = ServerThread(transcriber="none").start()
    with connect(srv.url + "?model=gpt-realtime", additional_headers=AUTH) as ws:
        ws.recv(timeout=10)
        ws.send(json.dumps({"type": "input_audio_buffer.append", "audio": b64(tone(1000) + silence(400))}))
        while json.loads(ws.recv(timeout=10))["type"] != "response.created":
            pass
        srv.stop()
    assert crashes == []
    assert not srv._thread.is_alive()
