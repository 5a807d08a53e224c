"""Pilot tests of stepping through a recorded log: the session, buffer and findings panels show the
state AT the selected event (forward folds on, backward refolds from a checkpoint or the start),
with the marker ``state at #N / total``; F shows the final state again."""

from __future__ import annotations

from pathlib import Path

import pytest
from sessions import plain, settled

from rtinspect.inspector import pointfold
from rtinspect.inspector.loader import open_model
from rtinspect.tui.app import RtInspectApp
from rtinspect.tui.screens import stepping


@pytest.fixture
def small_steps(monkeypatch):
    """Checkpoints every 8 events and the worker for any move over 2 events, so a 46-event log
    goes through every path: in-place steps, worker refolds from a checkpoint and from the start."""
    monkeypatch.setattr(pointfold, "CHECKPOINT_EVERY", 8)
    monkeypatch.setattr(stepping, "SYNC_STEPS", 2)


async def settle(app: RtInspectApp, pilot) -> None:
    await settled(pilot)


def panel(app: RtInspectApp, tab: str, widget: str) -> str:
    return plain(app.screen.query_one(widget))


async def show(app, pilot, tab: str) -> None:
    app.screen.query_one("TabbedContent").active = tab
    await pilot.pause()


async def test_stepping_shows_the_state_at_the_cursor_both_ways(broken_log: Path, small_steps) -> None:
    model, reader = open_model(broken_log)
    app = RtInspectApp(model, reader=reader, endpoint=str(broken_log))
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        total = len(model.index)
        assert len(model.checkpoints) == total // 8
        final_findings = [f.code for f in model.findings]
        assert screen.marker.startswith("final state")
        await show(app, pilot, "tab-session")
        assert "REJECTED" in panel(app, "tab-session", "#session-head")
        screen.events.focus()
        await pilot.press("home", "full_stop")  # step forward: state after session.created
        await settle(app, pilot)
        assert screen.marker.startswith(f"state at #1 / {total}")
        head = panel(app, "tab-session", "#session-head")
        assert "held: session.created (#1)" in head and "asked" not in head
        assert str(screen.query_one("TabbedContent").get_tab("tab-findings").label) == "Findings"
        await pilot.press("full_stop")  # the session.update, not answered yet (an in-place step)
        await settle(app, pilot)
        assert screen.marker.startswith("state at #2 /")
        assert "no answer yet" in panel(app, "tab-session", "#session-head")
        await pilot.press("full_stop")  # the server's error: now rejected
        await settle(app, pilot)
        assert "REJECTED (error #3)" in panel(app, "tab-session", "#session-head")
        # expand the run of appends (#4..#33) so that single appends can be selected
        screen.events.select_event(4)
        await pilot.press("enter")
        await settle(app, pilot)
        assert model.row_of_event(20) is not None
        # a long jump forward (worker, from the current point), then the buffer at that point
        screen.events.select_event(20)
        await settle(app, pilot)
        assert screen.marker.startswith("state at #20 /")
        await show(app, pilot, "tab-buffer")
        assert "(17 appends)" in panel(app, "tab-buffer", "#buffer-summary")  # appends #4..#20
        await pilot.press("end")
        await settle(app, pilot)
        assert screen.marker.startswith(f"state at #{total - 1} / {total}")
        summary = panel(app, "tab-buffer", "#buffer-summary")
        assert "commits 1" in summary and "(17 appends)" not in summary
        # backward: refolds from the nearest checkpoint
        screen.events.select_event(18)
        await settle(app, pilot)
        assert screen.marker.startswith("state at #18 /")
        assert "(15 appends)" in panel(app, "tab-buffer", "#buffer-summary")
        await show(app, pilot, "tab-findings")
        at_18 = [f.code for f in model.view_findings]
        assert "session-value-out-of-range" in at_18 and "commit-under-server-vad" not in at_18
        # backward to the start (no checkpoint before it): nothing held yet
        await pilot.press("home")
        await settle(app, pilot)
        assert screen.marker.startswith("state at #0 /")
        await show(app, pilot, "tab-session")
        assert "no session.created yet" in panel(app, "tab-session", "#session-head")
        # F: the final state again, and back to the cursor
        await pilot.press("F")
        await settle(app, pilot)
        assert screen.marker.startswith("final state")
        assert "REJECTED" in panel(app, "tab-session", "#session-head")
        assert [f.code for f in model.view_findings] == final_findings
        await pilot.press("F")
        await settle(app, pilot)
        assert screen.marker.startswith("state at #0 /")
        assert "no session.created yet" in panel(app, "tab-session", "#session-head")


async def test_moving_the_cursor_without_stepping_keeps_the_final_state(broken_log: Path) -> None:
    model, reader = open_model(broken_log)
    app = RtInspectApp(model, reader=reader, endpoint=str(broken_log))
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        app.screen.events.focus()
        await pilot.press("home", "down")
        await settle(app, pilot)
        assert app.screen.marker.startswith("final state") and model.point is None
