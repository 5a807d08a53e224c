"""Live updates are batched: the tap's TUI sink only queues, the app drains once per frame and
refreshes the view once for the whole batch, however many events arrived."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sessions import broken_session

from rtinspect.inspector.live import LiveController
from rtinspect.inspector.model import SessionModel
from rtinspect.transport import Target
from rtinspect.tui.app import RtInspectApp
from rtinspect.tui.widgets.event_list import EventList

ROOT = Path(__file__).resolve().parents[2]


class QuietClient:
    """Stands in for the socket: connects to nothing, so the test controls every event."""

    connected = True

    def __init__(self, target, tap) -> None:
        self.tap = tap

    async def connect(self) -> None:
        self.tap.meta("rtinspect.connection.opened", url="ws://test", dialect="ga")

    async def close(self) -> None:
        pass


async def test_one_refresh_per_frame_for_a_burst() -> None:
    target = Target.embedded("ws://127.0.0.1:9/v1/realtime")
    ctl = LiveController(target, client_factory=QuietClient, embedded=True)
    app = RtInspectApp(SessionModel(live=True), controller=ctl)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(200):  # the connection's opened event is in (the machine may be slow)
            if len(app.model.index) and app.main is not None and app.main._ready:
                break
            await pilot.pause(0.05)
        calls: list[set[str]] = []
        real = app.main.refresh_areas
        app.main.refresh_areas = lambda changed: (calls.append(set(changed)), real(changed))[1]  # type: ignore[method-assign]
        burst = broken_session() * 40  # ~2,000 events arriving between two frames
        for r in burst:
            ctl.tap.tap(r.dir, dict(r.event))
        assert len(ctl.queue) == len(burst)  # the sink only queued them
        app.drain()
        assert len(calls) == 1 and {"events", "findings"} <= calls[0]
        assert len(ctl.queue) == 0 and len(app.model.index) == len(burst) + 1
        events = app.screen.query_one(EventList)
        assert events.follow and events.cursor == app.model.row_count - 1
        # the user scrolls up: new events no longer move the cursor
        await pilot.press("home")
        for r in broken_session():
            ctl.tap.tap(r.dir, dict(r.event))
        app.drain()
        assert events.cursor == 0 and not events.follow


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rtinspect", *args], capture_output=True, text=True, cwd=ROOT, timeout=60
    )


def test_open_a_bad_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"\x00\x01 not json at all\n")
    for path in (bad, tmp_path / "missing.jsonl", tmp_path):
        out = run_cli("open", str(path))
        assert out.returncode == 2
        assert out.stderr.startswith("rtinspect: ") and out.stderr.count("\n") == 1, out.stderr
        assert "Traceback" not in out.stderr


def test_live_flags() -> None:
    out = run_cli("live", "--record", "a.jsonl", "--no-record")
    assert out.returncode == 2 and "not allowed with" in out.stderr
    out = run_cli("--dialect", "klingon")
    assert out.returncode == 2 and "invalid choice" in out.stderr
    assert "--no-record" in run_cli("live", "--help").stdout
