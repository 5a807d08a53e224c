"""The mitmproxy addon on its own, in mitmproxy's Python: it never waits for the collector, drops and
counts frames while the collector is away, reports the count when it is back, masks the flow's key,
keeps only the latest message of a Realtime flow, and ignores other WebSocket flows."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from rtinspect.capture import ADDON_PATH, Collector
from rtinspect.exchange.logio import read_log

from .conftest import free_port

CANARY = "sk-canaryADDON0123456789abcdef"

DRIVER = r"""
import importlib.util, json, sys, time
from types import SimpleNamespace as NS

spec = importlib.util.spec_from_file_location("rtinspect_addon", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
addon = mod.RtinspectCapture()
addon.sender = mod.Sender("ws://127.0.0.1:" + sys.argv[2])
key = sys.argv[3]

class Headers:
    def __init__(self, items): self.pairs = items
    def items(self, multi=False): return list(self.pairs)

def flow(id_, host, path):
    request = NS(pretty_host=host, path=path, pretty_url="https://" + host + path,
                 headers=Headers([("Authorization", "Bearer " + key), ("User-Agent", "app")]))
    return NS(id=id_, request=request,
              websocket=NS(messages=[], closed_by_client=True, close_code=1000, close_reason="bye", timestamp_end=None))

def message(f, from_client, event):
    f.websocket.messages.append(NS(from_client=from_client, is_text=True, content=json.dumps(event).encode(), timestamp=time.time()))
    addon.websocket_message(f)

rt = flow("rt", "api.openai.com", "/v1/realtime?model=gpt-realtime")
other = flow("other", "example.com", "/socket")
addon.websocket_start(rt)
addon.websocket_start(other)
for i in range(30):  # the collector is not there yet: every hook returns at once
    message(rt, True, {"type": "input_audio_buffer.append", "audio": "AAAA", "event_id": "evt_%d" % i})
    message(other, True, {"chat": i})
deadline = time.monotonic() + 10  # the sender thread has tried the absent collector for each of them
while addon.sender.dropped.get("rt", 0) < 30 and time.monotonic() < deadline:
    time.sleep(0.01)
print(json.dumps({"kept": len(rt.websocket.messages), "other_kept": len(other.websocket.messages),
                  "dropped": addon.sender.dropped.get("rt", 0)}), flush=True)
sys.stdin.readline()  # the test starts the collector
time.sleep(1.5)       # past the sender's reconnect pause
for i in range(5):
    message(rt, False, {"type": "session.updated", "event_id": "event_%d" % i, "echo": "key " + key})
addon.websocket_end(rt)
addon.websocket_end(other)
addon.done()
print(json.dumps({"left": addon.sender.queue.qsize()}), flush=True)
"""


async def test_addon_drops_while_the_collector_is_away_and_reports_it(tmp_path: Path, mitmdump: Path) -> None:
    python = mitmdump.parent / "python"
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        str(python),
        "-c",
        DRIVER,
        str(ADDON_PATH),
        str(port),
        CANARY,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stdin is not None
    first = json.loads(await asyncio.wait_for(proc.stdout.readline(), 30))
    # a Realtime flow keeps only its latest message; every frame met the absent collector
    assert first == {"kept": 1, "other_kept": 30, "dropped": 30}
    async with Collector(port=port, record_dir=tmp_path) as collector:
        proc.stdin.write(b"go\n")
        await proc.stdin.drain()
        out, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0, err.decode()[-2000:]
        await collector.wait_for_sessions(1, closed=True)
        assert len(collector.sessions) == 1  # the example.com socket was not streamed
    assert CANARY not in err.decode() + out.decode()
    (path,) = tmp_path.glob("capture-*.jsonl")
    records = read_log(path).records
    assert [r.type for r in records] == [
        "rtinspect.connection.opened",
        "rtinspect.transport.error",
        *["session.updated"] * 5,
        "rtinspect.connection.closed",
    ]
    assert "dropped 30 frame(s)" in records[1].event["message"]
    assert records[0].event["headers"]["Authorization"] == "[redacted]"
    assert all(r.event["echo"] == "key [redacted]" for r in records[2:7])
    assert CANARY not in path.read_text()
    assert records[-1].event["by"] == "client" and records[-1].event["code"] == 1000
