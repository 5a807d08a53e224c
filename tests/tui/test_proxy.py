"""Pilot tests of the proxy mode: the TUI starts a ProxyServer whose upstream is an embedded server,
plain ``websockets`` clients connect through it, and each connection shows as its own session."""

from __future__ import annotations

import json
from pathlib import Path

from sessions import plain, tone_b64, wait_until
from textual.widgets._footer import FooterKey
from websockets.asyncio.client import connect

from rtinspect.proxy import ProxyServer
from rtinspect.server import EmbeddedServer, FakeTranscriber
from rtinspect.tui.proxy import READ_ONLY_REASON, ProxyApp
from rtinspect.tui.screens.proxy import ProxyMainScreen, ProxyWaitScreen

AUTH = {"Authorization": "Bearer sk-canaryTUIPROXY0123456789"}


def types(model) -> list[str]:
    idx = model.index
    return [idx.type_names[int(c)] for c in idx.type_codes]


async def test_proxied_connections_show_as_sessions_with_findings(tmp_path: Path) -> None:
    """Two app connections through the proxy: events, a doctor finding and the recording of the
    first; the second is followed when it connects; ctrl+n cycles back; sending is disabled."""
    async with EmbeddedServer(port=0, transcriber=FakeTranscriber("hi")) as upstream:
        server = ProxyServer("127.0.0.1", 0, upstream.url, env_key="", record_dir=tmp_path)
        app = ProxyApp(server)
        async with app.run_test(size=(160, 45), notifications=True) as pilot:
            await wait_until(pilot, lambda: bool(app.app_url))
            assert isinstance(app.screen, ProxyWaitScreen)
            assert app.app_url.startswith(server.url) and "/v1/realtime?model=" in app.app_url
            wait = plain(app.screen.query_one("#wait"))
            # the empty state says what to do: the URL, the SDK's line, how the key is handled
            assert app.app_url in wait
            assert f'OpenAI(websocket_base_url="{server.url}/v1")' in wait
            assert server.key_policy in wait
            async with connect(app.app_url, additional_headers=AUTH, ping_interval=None) as ws:
                await wait_until(pilot, lambda: isinstance(app.screen, ProxyMainScreen))
                first = app.views[0]
                bad_rate = {"format": {"type": "audio/pcm", "rate": 16000}}
                await ws.send(
                    json.dumps(
                        {
                            "type": "session.update",
                            "session": {"type": "realtime", "audio": {"input": bad_rate}},
                        }
                    )
                )
                for _ in range(5):
                    await ws.send(json.dumps({"type": "input_audio_buffer.append", "audio": tone_b64(40)}))
                await wait_until(pilot, lambda: types(first.model).count("input_audio_buffer.append") == 5)
                await wait_until(pilot, lambda: "error" in types(first.model))
                screen = app.screen
                assert screen is first.screen
                tabs = screen.query_one("TabbedContent")
                await wait_until(
                    pilot, lambda: str(tabs.get_tab("tab-findings").label).startswith("Findings (")
                )
                tabs.active = "tab-findings"
                await pilot.pause()
                table = screen.query_one("#findings-table")
                codes = [str(table.get_row_at(i)[3]) for i in range(table.row_count)]
                assert "session-value-out-of-range" in codes
                assert first.model.row_count >= 4  # opened, created, update, one folded run of appends...
                status = plain(screen.status_bar)
                assert "● connected" in status and "proxy #1" in status and "REC" in status
                banner = plain(screen.banner)
                assert app.app_url in banner and "[1]" in banner and "read-only" in banner
                # sending is not offered (footer, palette) and its keys say why: the app owns the socket
                assert screen.check_action("response_create", ()) is False
                assert screen.check_action("edit_session", ()) is False
                footer = [str(k.description) for k in screen.query(FooterKey)]
                assert footer and not {"session.update", "Stream audio", "Respond"} & set(footer)
                palette = [c.title for c in app.get_system_commands(screen)]
                assert "Send response.create (disabled: watch-only)" in palette
                assert "Send response.create" not in palette and "Open a log" not in palette
                before = len(first.model.index)
                await pilot.press("r", "c", "u")
                await pilot.pause(0.2)
                assert isinstance(app.screen, ProxyMainScreen)
                assert "response.create" not in types(first.model)
                assert len(first.model.index) == before
                assert "owns the socket" in READ_ONLY_REASON
                assert any(n.message == READ_ONLY_REASON for n in app._notifications)
                async with connect(app.app_url, additional_headers=AUTH, ping_interval=None) as ws2:
                    await wait_until(pilot, lambda: len(app.views) == 2)
                    second = app.views[1]
                    await wait_until(pilot, lambda: app.screen is second.screen)
                    await wait_until(pilot, lambda: "session.created" in types(second.model))
                    assert "[2]" in plain(app.screen.banner)
                    await ws2.send(json.dumps({"type": "response.create"}))
                    await wait_until(pilot, lambda: "response.done" in types(second.model))
                    assert "response.create" not in types(first.model)  # sessions stay apart
                    await pilot.press("ctrl+n")
                    await pilot.pause()
                    assert app.screen is first.screen and not app.follow_newest
                    assert "[1]" in plain(app.screen.banner)
            await wait_until(pilot, lambda: all(v.closed for v in app.views))
            await wait_until(pilot, lambda: "✕ closed" in plain(first.screen.status_bar))
    logs = sorted(tmp_path.glob("proxy-*.jsonl"))
    assert len(logs) == 2


async def test_busy_port_exits_with_one_line_and_code_2(capsys) -> None:
    """A port already taken: the app leaves at once with exit code 2 and a one-line message."""
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        app = ProxyApp(ProxyServer("127.0.0.1", port, "ws://127.0.0.1:9/v1/realtime", env_key=""))
        async with app.run_test() as pilot:
            await wait_until(pilot, lambda: app.return_code is not None)
    assert app.return_code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rtinspect: cannot listen") and "\n" not in err and "Traceback" not in err


def test_the_proxy_command_finds_the_tui_entry() -> None:
    """``rtinspect proxy`` without --headless opens this TUI instead of falling back to headless."""
    from rtinspect.commands.proxy import _tui_entry
    from rtinspect.tui.proxy import run_proxy_tui

    assert _tui_entry() is run_proxy_tui
