"""Snapshot tests of the main screen (pytest-textual-snapshot). Everything time-dependent is frozen:
recorded logs carry their own times; the live session runs on a fake clock with server ids renamed.
Update with ``pytest tests/tui/test_snapshots.py --snapshot-update`` after checking the SVGs by eye."""

from __future__ import annotations

import asyncio
import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from sessions import broken_session, settled, write_log

from rtinspect.inspector.loader import open_model
from rtinspect.server import FakeTranscriber, ServerThread
from rtinspect.tap import Tapped
from rtinspect.tui.app import RtInspectApp
from rtinspect.tui.session import build_live

_ID = re.compile(r"^(event|item|resp|sess|conv)_[A-Za-z0-9]{6,}$")
EXPIRES_AT = 1_900_000_000


SIZES = [(80, 24), (120, 36), (160, 45)]
SIZE_IDS = ["80x24", "120x36", "160x45"]


def recorded_app(tmp_path: Path) -> RtInspectApp:
    model, reader = open_model(write_log(tmp_path / "broken.jsonl", broken_session()))
    return RtInspectApp(model, reader=reader, endpoint="broken.jsonl")


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_recorded_main(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    """A recorded broken session: at 160 and 120 the list beside the detail over the panels, the
    findings tab brought forward, full event types at 160; at 80x24 one pane (the list) with
    the footer keeping ? and q; errors red in the list and marked on the timeline."""
    assert snap_compare(recorded_app(tmp_path), terminal_size=size, run_before=settled)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_recorded_findings(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    """The findings pane focused (v twice at 80x24: list, detail, panels): titles before codes,
    the explanation and the fix below."""

    async def run_before(pilot: Any) -> None:
        await settled(pilot)
        pilot.app.screen.query_one("TabbedContent").active = "tab-findings"
        pilot.app.screen.focus_pane("panels")
        await settled(pilot)

    assert snap_compare(recorded_app(tmp_path), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_help(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    """? opens the help page over the main screen."""

    async def run_before(pilot: Any) -> None:
        await settled(pilot)
        await pilot.press("question_mark")
        await settled(pilot)

    assert snap_compare(recorded_app(tmp_path), terminal_size=size, run_before=run_before)


def test_recorded_session_panel_differences(snap_compare, tmp_path: Path) -> None:
    """The session panel at 160x45 shows the asked-vs-held differences of the rejected update
    in full (field, held, asked): the 16 kHz rate and the transcription model absent."""

    async def run_before(pilot: Any) -> None:
        await settled(pilot)
        pilot.app.screen.query_one("TabbedContent").active = "tab-session"
        await settled(pilot)

    assert snap_compare(recorded_app(tmp_path), terminal_size=(160, 45), run_before=run_before)


class _Renamer:
    """Server ids renamed in order of appearance, so the snapshot does not change between runs."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.counter = itertools.count(1)

    def __call__(self, rec: Tapped) -> None:
        self._walk(rec.event)

    def _walk(self, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in list(value.items()):
                if isinstance(v, str) and _ID.match(v):
                    value[k] = self.names.setdefault(v, f"{v.split('_')[0]}_{next(self.counter)}")
                elif k == "expires_at" and isinstance(v, int):
                    value[k] = EXPIRES_AT
                elif k in ("url", "label") and isinstance(v, str):
                    value[k] = re.sub(r":\d+/", ":PORT/", v)
                elif k == "obfuscation":
                    value[k] = "x"
                else:
                    self._walk(v)
        elif isinstance(value, list):
            for v in value:
                self._walk(v)


@pytest.fixture
def server():
    srv = ServerThread(transcriber=FakeTranscriber("hello")).start()
    yield srv
    srv.stop()


def live_app(server: ServerThread) -> RtInspectApp:
    app = build_live(server=server, no_record=True)
    ctl = app.controller
    ticks = itertools.count()
    ctl.tap.clock = lambda: next(ticks) * 0.05  # a fake clock: every event 50 ms after the last
    ctl.tap.t0 = 0.0
    ctl.tap.sinks.insert(0, _Renamer())
    ctl.embedded = True
    return app


async def live_story(pilot: Any) -> None:
    """session.update enabling transcription, then an early commit that gets the server's error."""
    app = pilot.app
    ctl = app.controller

    async def until(kind: str) -> None:
        for _ in range(1000):
            if kind in app.model.index.type_names:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(kind)

    await until("session.created")
    await ctl.send(
        {
            "type": "session.update",
            "session": {"type": "realtime", "audio": {"input": {"transcription": {"model": "whisper-1"}}}},
        }
    )
    await until("session.updated")
    await ctl.send({"type": "input_audio_buffer.commit"})
    await until("error")
    for _ in range(200):  # the frame timer has drained and folded everything
        if not ctl.queue and app.model.folded == len(app.model.index) and app.model.findings:
            break
        await asyncio.sleep(0.02)
    app.clear_notifications()
    app.main.status_bar.frozen_now = EXPIRES_AT - 59 * 60
    app.main.status_bar.endpoint = "embedded local server — no API key"
    app.main.status_bar.refresh_status()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_live_main(snap_compare, server, size: tuple[int, int]) -> None:
    """A live session on the embedded server: the banner says no API key is used, a
    session.update enabled transcription, an early commit got the server's real error (red)."""
    assert snap_compare(live_app(server), terminal_size=size, run_before=live_story)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_editor(snap_compare, server, size: tuple[int, int]) -> None:
    """u: the session.update editor prefilled from the held session, JSON highlighted, validated."""

    async def run_before(pilot: Any) -> None:
        await live_story(pilot)
        await pilot.press("u")
        for _ in range(500):  # the editor mounted, its text loaded and validated (conditions, not time)
            screen = pilot.app.screen
            if type(screen).__name__ == "EditorScreen" and screen.is_mounted:
                problems = screen.query("#problems")
                if problems and "valid" in str(problems.first().render()):
                    break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the editor did not open and validate")
        code = pilot.app.screen.query_one("#code")
        code.cursor_blink = False  # a blinking cursor is drawn or not by the clock: one state
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    assert snap_compare(live_app(server), terminal_size=size, run_before=run_before)


def compare_app() -> Any:
    from rtinspect.inspector.compare import compare_logs
    from rtinspect.tui.screens.compare import CompareApp

    rec = Path(__file__).resolve().parents[2] / "recordings"
    return CompareApp(compare_logs(rec / "ga-rate-16000.jsonl", rec / "healthy-ga.jsonl"))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_compare(snap_compare, size: tuple[int, int]) -> None:
    """rtinspect open ga-rate-16000.jsonl --compare healthy-ga.jsonl: side by side by turn, the
    differences above (errors and session first), the first divergence (the 16 kHz session.update)
    selected and marked ▶, the two events under the cursor summarised at the bottom."""

    async def run_before(pilot: Any) -> None:
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    assert snap_compare(compare_app(), terminal_size=size, run_before=run_before)
