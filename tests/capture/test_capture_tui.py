"""The collector in the TUI: the proxy's session view, with the capture's own hint instead of a URL."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import orjson
from websockets.asyncio.client import connect

from rtinspect.capture import Collector
from rtinspect.tui.proxy import ProxyApp
from rtinspect.tui.screens.proxy import ProxyMainScreen, ProxyWaitScreen


async def wait_until(pilot, predicate, timeout: float = 20.0) -> None:  # noqa: ANN001
    end = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > end:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.05)


async def test_captured_flow_opens_as_a_session_screen(tmp_path: Path) -> None:
    collector = Collector(port=0, record_dir=tmp_path, label="mitmproxy test", hint="HTTPS_PROXY=http://x:1")
    app = ProxyApp(collector)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_until(pilot, lambda: bool(app.app_url))
        assert app.app_url == "HTTPS_PROXY=http://x:1"
        assert isinstance(app.screen, ProxyWaitScreen)
        collector.wait_words = ("rtinspect capture", "in the shell that runs your app", "seen by")
        app.screen.update_banner()
        await pilot.pause()
        wait = str(app.screen.query_one("#wait").render())
        assert "rtinspect capture" in wait and "HTTPS_PROXY=http://x:1" in wait and "mitmproxy test" in wait
        assert "rtinspect proxy" not in wait
        async with connect(collector.url + "/mitm") as ws:
            t0 = time.time()
            await ws.send(
                orjson.dumps(
                    {
                        "kind": "open",
                        "id": "1",
                        "t": t0,
                        "url": "wss://api.openai.com/v1/realtime?model=gpt-realtime",
                    }
                )
            )
            created = {
                "type": "session.created",
                "event_id": "event_1",
                "session": {"type": "realtime", "id": "sess_1"},
            }
            await ws.send(
                orjson.dumps(
                    {
                        "kind": "frame",
                        "id": "1",
                        "dir": "server",
                        "t": t0 + 0.1,
                        "text": True,
                        "data": json.dumps(created),
                    }
                )
            )
            await wait_until(pilot, lambda: isinstance(app.screen, ProxyMainScreen))
            view = app.views[0]
            await wait_until(pilot, lambda: len(view.model.index.type_codes) >= 2)  # opened + created
            assert "wss://api.openai.com/v1/realtime" in view.endpoint  # the app's own endpoint
            banner = app.screen.query_one("#proxy-banner")
            await wait_until(
                pilot, lambda: "mitmproxy test" in str(banner.render())
            )  # where frames come from
    assert list(tmp_path.glob("capture-*-1.jsonl"))
