"""The collector over a real socket: sender messages become recorded, diagnosable sessions."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from rtinspect.capture import Collector
from rtinspect.capture.collector import page_script
from rtinspect.cli import main
from rtinspect.exchange.logio import read_log

CANARY = "sk-canaryCOLLECTOR0123456789"


def _frames(t0: float) -> list[dict[str, Any]]:
    session = {
        "type": "realtime",
        "id": "sess_1",
        "model": "gpt-realtime",
        "audio": {"input": {"turn_detection": None}},
    }
    bad = {"type": "realtime", "audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}}}
    events = [
        ("server", 0.010, {"type": "session.created", "event_id": "event_1", "session": session}),
        ("client", 0.200, {"type": "session.update", "event_id": "evt_bad", "session": bad}),
        (
            "server",
            0.250,
            {
                "type": "error",
                "event_id": "event_2",
                "error": {
                    "type": "invalid_request_error",
                    "code": "integer_below_min_value",
                    "message": "Invalid 'session.audio.input.format.rate': integer below minimum value.",
                    "param": "session.audio.input.format.rate",
                    "event_id": "evt_bad",
                },
            },
        ),
        (
            "client",
            0.400,
            {"type": "input_audio_buffer.append", "audio": base64.b64encode(bytes(4800)).decode()},
        ),
    ]
    return [
        {"kind": "frame", "id": "f1", "dir": d, "t": t0 + dt, "text": True, "data": json.dumps(ev)}
        for d, dt, ev in events
    ]


async def test_mitm_sender_becomes_a_recorded_session(tmp_path: Path) -> None:
    record = tmp_path / "cap.jsonl"
    async with Collector(port=0, record=record) as collector:
        t0 = time.time() - 5
        async with connect(collector.url + "/mitm") as ws:
            await ws.send(
                orjson.dumps(
                    {
                        "kind": "open",
                        "id": "f1",
                        "t": t0,
                        "via": "mitmproxy",
                        "url": f"wss://api.openai.com/v1/realtime?model=gpt-realtime&api-key={CANARY}",
                        "headers": [
                            ["Authorization", "[redacted]"],
                            ["User-Agent", "app"],
                            ["Host", "api.openai.com"],
                        ],
                    }
                )
            )
            for msg in _frames(t0):
                await ws.send(orjson.dumps(msg))
            binary = {
                "kind": "frame",
                "id": "f1",
                "dir": "client",
                "t": t0 + 0.5,
                "text": False,
                "data": base64.b64encode(b"\x00\x01raw").decode(),
            }
            await ws.send(orjson.dumps(binary))
            await ws.send(b"not json")
            await ws.send(orjson.dumps({"kind": "frame", "id": "unknown", "dir": "client", "data": "{}"}))
            await ws.send(
                orjson.dumps(
                    {
                        "kind": "close",
                        "id": "f1",
                        "t": t0 + 0.6,
                        "code": 1000,
                        "reason": "bye",
                        "by": "client",
                    }
                )
            )
            await collector.wait_for_sessions(1, closed=True)
        assert collector.bad_messages == 2
        session = collector.sessions[0]
        assert session.model == "gpt-realtime" and session.dialect == "ga"
        assert session.headers == {"Authorization": "[redacted]", "User-Agent": "app"}

    log = read_log(record)
    types = [(r.dir, r.type) for r in log.records]
    assert types == [
        ("meta", "rtinspect.connection.opened"),
        ("server", "session.created"),
        ("client", "session.update"),
        ("server", "error"),
        ("client", "input_audio_buffer.append"),
        ("meta", "rtinspect.binary_frame"),
        ("meta", "rtinspect.connection.closed"),
    ]
    # times are the sender's, relative to the flow's start
    assert [round(r.t, 3) for r in log.records[1:5]] == [0.01, 0.2, 0.25, 0.4]
    assert log.records[0].event["capture"] == "mitmproxy"
    assert log.records[-1].event["code"] == 1000 and log.records[-1].event["by"] == "client"
    assert CANARY not in record.read_text()
    assert "gpt-realtime" in (log.url or "")


async def test_sender_gone_finishes_its_open_flows(tmp_path: Path) -> None:
    async with Collector(port=0, record_dir=tmp_path) as collector:
        async with connect(collector.url + "/mitm") as ws:
            await ws.send(
                orjson.dumps({"kind": "open", "id": "a", "url": "wss://x/v1/realtime", "t": time.time()})
            )
            await ws.send(orjson.dumps({"kind": "dropped", "id": "a", "count": 7}))
            await collector.wait_for_sessions(1)
        await collector.wait_for_sessions(1, closed=True)
    (path,) = tmp_path.glob("capture-*-1.jsonl")
    records = read_log(path).records
    assert "dropped 7 frame(s)" in records[1].event["message"]
    assert records[-1].event["by"] == "network"


async def test_page_origins_foreign_refused_local_allowed(tmp_path: Path) -> None:
    async with Collector(port=0) as collector:
        with pytest.raises(InvalidStatus) as err:
            async with connect(collector.url + "/page", origin="https://evil.example"):
                pass
        assert err.value.response.status_code == 403
        assert "https://evil.example" in collector.refused[-1] and "--allow-origin" in collector.refused[-1]
        async with connect(collector.url + "/page", origin="http://localhost:5173") as ws:
            await ws.send(
                orjson.dumps({"kind": "open", "id": "p", "url": "http://localhost:5173/", "t": time.time()})
            )
            await collector.wait_for_sessions(1)
        await collector.wait_for_sessions(1, closed=True)
        assert collector.sessions[0].tap is not None


async def test_script_is_served_pointing_at_this_collector() -> None:
    async with Collector(port=0) as collector:
        reader, writer = await asyncio.open_connection("127.0.0.1", collector.port)
        writer.write(b"GET /rtinspect.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), 5)
        writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    assert b" 200 " in head.split(b"\r\n")[0] and b"text/javascript" in head
    assert f"{collector.url}/page".encode() in body
    assert body.decode() == page_script(collector.url)


def test_addon_path_prints_a_file_that_imports_nothing_from_rtinspect(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["capture", "--addon-path"]) == 0
    path = Path(capsys.readouterr().out.strip())
    text = path.read_text()
    assert path.is_file() and "addons = [" in text
    assert "import rtinspect" not in text and "from rtinspect" not in text
