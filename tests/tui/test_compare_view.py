"""Keys of the compare view: the first divergence is selected on open, n/N walk the differing
rows, d comes back, ? shows the compare keys."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from sessions import plain
from test_snapshots import compare_app
from textual.widgets import DataTable

from rtinspect.log import LogWriter
from rtinspect.tap import Tapped


async def test_keys_walk_the_differences() -> None:
    app = compare_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        screen = app.screen
        table = screen.query_one(DataTable)
        start = table.cursor_row
        assert screen.rows[start] is screen.cmp.divergence_pair()
        assert "session.update" in plain(screen.query_one("#picked")) and "16000" in plain(
            screen.query_one("#picked")
        )
        await pilot.press("n")
        pair = screen.rows[table.cursor_row]
        assert table.cursor_row > start and pair.status != "same"
        assert (pair.left.type, pair.right.type) == ("error", "session.updated")
        await pilot.press("N")
        assert table.cursor_row == start
        await pilot.press("down", "down", "d")
        assert table.cursor_row == start
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HelpScreen"
        assert "first divergence" in app.screen.query_one("Markdown").source.lower()


def _log(path: Path, turns: int, *, tag: str, changed: tuple[int, ...] = ()) -> Path:
    """A voice session of ``turns`` turns (VAD, appends, a response with audio deltas and a
    transcript); in the ``changed`` turns the server answers with an error before its response."""
    audio = base64.b64encode(bytes(960)).decode()
    with LogWriter(path, url="ws://x/v1/realtime", dialect="ga", model="gpt-realtime") as w:
        t = 0.0

        def put(direction: str, event: dict[str, Any]) -> None:
            nonlocal t
            t += 0.01
            w.write(Tapped(t, direction, event))  # type: ignore[arg-type]

        for k in range(1, turns + 1):
            item, resp = f"item_{tag}{k:07d}", f"resp_{tag}{k:07d}"
            put("server", {"type": "input_audio_buffer.speech_started", "item_id": item, "audio_start_ms": 0})
            for _ in range(5):
                put("client", {"type": "input_audio_buffer.append", "audio": audio})
            put("server", {"type": "input_audio_buffer.speech_stopped", "item_id": item, "audio_end_ms": 100})
            put("server", {"type": "input_audio_buffer.committed", "item_id": item})
            if k in changed:
                put("server", {"type": "error", "error": {"type": "invalid_request_error", "code": "x"}})
            put("server", {"type": "response.created", "response": {"id": resp}})
            for _ in range(3):
                put("server", {"type": "response.output_audio.delta", "response_id": resp, "delta": audio})
            put("server", {"type": "response.output_audio_transcript.done", "response_id": resp, "transcript": f"answer {k}"})  # fmt: skip
            put("server", {"type": "response.done", "response": {"id": resp, "status": "completed"}})
    return path


async def test_a_big_comparison_is_scanned_behind_the_screen_and_shown_a_page_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rtinspect.inspector.compare as model
    import rtinspect.tui.screens.compare as view
    from rtinspect.inspector.compare import Comparison, open_side
    from rtinspect.tui.screens.compare import CompareApp

    monkeypatch.setattr(model, "PAGE_ROWS", 30)  # ~3 turns a page
    monkeypatch.setattr(model, "CACHED_TURNS", 8)
    monkeypatch.setattr(view, "SMALL_EVENTS", 0)  # shown as a big comparison is
    healthy = _log(tmp_path / "healthy.jsonl", 40, tag="H")
    broken = _log(tmp_path / "broken.jsonl", 40, tag="B", changed=(25, 33))
    c = Comparison(open_side(broken), open_side(healthy))  # not scanned yet: the view's worker does
    app = CompareApp(c)
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(400):
            if c.done:
                break
            await pilot.pause(0.02)
        await pilot.pause()
        screen = app.screen
        table = screen.query_one(DataTable)
        assert c.done and c.turns == 40 and c.differing == [25, 33]
        # the divergence's page is shown, not all 40 turns, with the divergence selected
        assert c.first_divergence is not None and c.first_divergence[0] == 25
        assert 25 in screen.shown.turns and 1 not in screen.shown.turns and len(screen.shown.turns) <= 4
        pair = screen.rows[table.cursor_row]
        assert pair is c.divergence_pair() and pair.right is None and pair.left.type == "error"
        assert "turns" in plain(screen.query_one("#title")) and "shown" in plain(screen.query_one("#title"))
        assert "turn 25: broken has extra server events" in plain(screen.query_one("#diffs"))
        # n goes past the page's end to the next turn that differs
        await pilot.press("n")
        pair = screen.rows[table.cursor_row]
        assert pair.turn == 33 and pair.status != "same" and 33 in screen.shown.turns
        await pilot.press("n")  # none after it: stays
        assert screen.rows[table.cursor_row] is pair
        await pilot.press("N")
        assert screen.rows[table.cursor_row].turn == 25
        # [ and ] turn whole pages of turns; d comes back to the divergence
        before = list(screen.shown.turns)
        await pilot.press("right_square_bracket")
        assert screen.shown.turns[0] == before[-1] + 1
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert screen.shown.turns[-1] < before[0]
        await pilot.press("d")
        assert screen.rows[table.cursor_row] is c.divergence_pair()
        # what is kept: where each turn ends, and a few turns' rows
        assert len(c.left.ends) == len(c.right.ends) == 40 and len(c._cache) <= 8


async def test_quitting_while_a_big_comparison_is_scanned_stops_the_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from rtinspect.inspector.compare import Comparison, open_side
    from rtinspect.tui.screens.compare import CompareApp

    c = Comparison(
        open_side(_log(tmp_path / "b.jsonl", 40, tag="B")), open_side(_log(tmp_path / "h.jsonl", 40, tag="H"))
    )
    scan, gate, stopped = c.scan, threading.Event(), threading.Event()

    def slow_scan():  # noqa: ANN202
        try:
            for turn in scan():
                yield turn
                gate.wait(0.05)  # a turn every 50 ms: 2 s for the 40 turns
        finally:
            stopped.set()  # the worker let go of the scan

    monkeypatch.setattr(c, "scan", slow_scan)
    app = CompareApp(c)
    async with app.run_test(size=(120, 36)) as pilot:
        while c.turns < 2:
            await pilot.pause(0.02)
        await pilot.press("q")
    assert stopped.wait(1.0)
    assert not c.scanned and c.turns < 40  # stopped at the next turn, not read to the end
    c.close()
