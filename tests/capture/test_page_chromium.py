"""End to end in headless Chromium: a page's WebRTC ``oai-events`` channel, seen by ``rtinspect.js``.

The page holds two local ``RTCPeerConnection``s: the app's (created after the script, so it is
wrapped) and one playing the Realtime API over the data channel (made with the browser's own class,
kept before the script loads, so only the app's side is captured, as with a real remote server). The
page reports what it sent and received to the test's HTTP server; the recording must match it.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from rtinspect.capture import Collector
from rtinspect.exchange.logio import read_log

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>rtinspect page test</title></head><body>
<script>const NativePC = window.RTCPeerConnection;  // the "API" side: not wrapped, like a remote server</script>
<script src="__SCRIPT__"></script>
<script>
(async () => {
  const sent = [], received = [];
  const report = (x) => fetch("/report", {method: "POST", body: JSON.stringify(x)});
  try {
    const app = new RTCPeerConnection();
    const api = new NativePC();
    app.onicecandidate = (e) => e.candidate && api.addIceCandidate(e.candidate);
    api.onicecandidate = (e) => e.candidate && app.addIceCandidate(e.candidate);
    api.ondatachannel = (e) => {
      const s = e.channel;
      const say = (ev) => s.send(JSON.stringify(ev));
      const greet = () => say({type: "session.created", event_id: "event_1",
                               session: {type: "realtime", id: "sess_page", model: "gpt-realtime"}});
      if (s.readyState === "open") greet(); else s.onopen = greet;
      s.onmessage = (m) => {
        const ev = JSON.parse(m.data);
        if (ev.type === "session.update") {
          say({type: "session.updated", event_id: "event_2", session: {...ev.session, id: "sess_page"}});
        } else if (ev.type === "response.create") {
          say({type: "response.created", event_id: "event_3", response: {id: "resp_1", status: "in_progress", output: []}});
          say({type: "response.output_text.delta", event_id: "event_4", response_id: "resp_1", item_id: "item_1",
               output_index: 0, content_index: 0, delta: "héllo ✓"});
          say({type: "response.done", event_id: "event_5", response: {id: "resp_1", status: "completed", output: [],
               usage: {total_tokens: 3, input_tokens: 1, output_tokens: 2}}});
        }
      };
    };
    const ch = app.createDataChannel("oai-events");
    const send = (ev) => { sent.push(ev); ch.send(JSON.stringify(ev)); };
    ch.onmessage = (m) => {
      const ev = JSON.parse(m.data);
      received.push(ev);
      if (ev.type === "session.created") send({type: "session.update", session: {type: "realtime", instructions: "be brief"}});
      if (ev.type === "session.updated") send({type: "response.create"});
      if (ev.type === "response.done") { ch.close(); setTimeout(() => report({sent, received, rtinspect: !!window.__rtinspect}), 300); }
    };
    await app.setLocalDescription(await app.createOffer());
    await api.setRemoteDescription(app.localDescription);
    await api.setLocalDescription(await api.createAnswer());
    await app.setRemoteDescription(api.localDescription);
  } catch (err) { report({error: String(err)}); }
})();
</script></body></html>
"""


@contextlib.contextmanager
def page_server(html: str) -> Iterator[tuple[str, dict[str, object], threading.Event]]:
    """Serves ``html`` at ``/`` and takes the page's report at ``POST /report``."""
    report: dict[str, object] = {}
    done = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802
            data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            report.update(json.loads(data))
            done.set()
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", report, done
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.timeout(180)
async def test_page_script_records_the_data_channel_both_ways(tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    record = tmp_path / "page.jsonl"
    async with Collector(port=0, record=record) as collector:
        with page_server(PAGE.replace("__SCRIPT__", collector.script_url)) as (url, report, done):
            browser = await asyncio.create_subprocess_exec(
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={tmp_path / 'profile'}",
                url,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                assert await asyncio.to_thread(done.wait, 90), "the page never reported"
                await collector.wait_for_sessions(1, closed=True, timeout=20)
            finally:
                with contextlib.suppress(ProcessLookupError):
                    browser.terminate()
                await asyncio.wait_for(browser.wait(), 20)
    assert "error" not in report, report
    assert report["rtinspect"] is True
    assert len(collector.sessions) == 1  # only the app's side of the channel, once

    log = read_log(record)
    assert [r.event for r in log.records if r.dir == "client"] == report["sent"]
    assert [r.event for r in log.records if r.dir == "server"] == report["received"]
    assert [r.type for r in log.records if r.dir == "server"] == [
        "session.created",
        "session.updated",
        "response.created",
        "response.output_text.delta",
        "response.done",
    ]
    opened, closed = log.records[0].event, log.records[-1].event
    assert opened["capture"] == "page" and url.rstrip("/") in opened["url"]
    assert closed["type"] == "rtinspect.connection.closed"
    times = [r.t for r in log.records]
    assert times == sorted(times) and times[-1] < 60
