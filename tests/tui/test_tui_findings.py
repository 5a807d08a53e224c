"""Pilot tests of the last issue-13 findings: toasts, the 16 kHz stream, the proxy's empty state,
the editor under bursts of keys, the filter worker, and the small ones (help, hints, playback)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sessions import broken_session, settled, write_log
from textual.widgets import Footer
from textual.widgets._toast import Toast

from rtinspect.inspector.loader import open_model
from rtinspect.tui.app import RtInspectApp
from rtinspect.tui.widgets.status import StatusBar


def make_app(tmp_path: Path) -> RtInspectApp:
    model, reader = open_model(write_log(tmp_path / "s.jsonl", broken_session()))
    return RtInspectApp(model, reader=reader, endpoint="s.jsonl")


def _overlap(a, b) -> bool:  # two Regions share a cell
    return bool(a.intersection(b).area)


@pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["80x24", "160x45"])
async def test_toasts_leave_the_status_bar_and_footer(tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=size, notifications=True) as pilot:
        await settled(pilot)
        app.clear_notifications()
        app.notify("a long warning that wraps onto a few lines " * 4, title="Live session", timeout=30)
        app.notify("a second toast", severity="error", timeout=30)
        for _ in range(50):  # the rack mounts its toasts a refresh or two later
            await pilot.pause(0.02)
            if len(app.screen.query(Toast)) == 2:
                break
        toasts = list(app.screen.query(Toast))
        assert len(toasts) == 2
        status = app.screen.query_one(StatusBar).region
        footer = app.screen.query_one(Footer).region
        assert status.area and footer.area
        for toast in toasts:
            r = toast.region
            assert r.area, "the toast is on screen"
            assert not _overlap(r, status) and not _overlap(r, footer), (r, status, footer)
