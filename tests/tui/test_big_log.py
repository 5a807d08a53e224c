"""A 1M-event log opens at once (the first page before indexing finishes) and scrolls to the end:
the event list renders only the visible rows, whatever the size of the log."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sessions import write_big_log
from textual import events

from rtinspect.inspector.loader import open_model
from rtinspect.tui.app import RtInspectApp
from rtinspect.tui.widgets.event_list import EventList

N = 1_000_000


async def test_million_event_log_scrolls_to_the_end(tmp_path: Path) -> None:
    path = write_big_log(tmp_path / "big.jsonl", N)
    model, reader = open_model(path)
    assert 0 < len(model.index) < N  # lazily opened: only the first MBs indexed so far
    app = RtInspectApp(model, reader=reader)
    async with app.run_test(size=(120, 40)) as pilot:
        loop = asyncio.get_running_loop()
        end = loop.time() + 60
        while not reader.complete or len(model.index) < N:
            assert loop.time() < end, "indexing did not finish"
            await pilot.pause(0.1)
        # Stop the doctor's fold of 1M events (a background thread, ~40 s here): Pilot waits for
        # the process to go idle after every key, which a busy thread never lets it.
        for worker in list(app.workers):
            worker.cancel()
        await pilot.pause(0.1)
        events = app.screen.query_one(EventList)
        events.focus()
        assert len(model.index) == N
        # runs of three appends fold into one row: 8 rows per 10 events
        assert model.row_count == N // 10 * 8
        await pilot.press("home")
        await pilot.press("pagedown", "pagedown")
        assert events.cursor > 0
        await pilot.press("end")
        await pilot.pause()
        assert events.cursor == model.row_count - 1
        assert events.selected_event == N - 1
        assert events.scroll_y >= model.row_count - events.scrollable_content_region.height
        # the last visible line is the last event, drawn from the Line API
        line = events.render_line(events.scrollable_content_region.height - 1).text
        assert "error" in line and "x_999999" in line
        # a type filter over 1M events is a numpy mask, and the list follows it
        await pilot.press("f", *"bookmark", "enter")
        await app.workers.wait_for_complete()  # the filter runs in a worker and posts its rows
        await pilot.pause()
        assert model.row_count == N // 10
        app.exit()


async def test_a_text_filter_runs_in_a_worker_and_says_how_far(tmp_path: Path) -> None:
    """A text filter over 300k events reads every line: it runs in a worker that reports
    "filtering… N of M" in the list's border, and keys typed meanwhile reach the search box
    before it finishes (the UI thread is free); the rows arrive as a message."""
    n = 300_000
    path = write_big_log(tmp_path / "big.jsonl", n)
    model, reader = open_model(path)
    app = RtInspectApp(model, reader=reader)
    async with app.run_test(size=(120, 40)) as pilot:
        loop = asyncio.get_running_loop()
        end = loop.time() + 60
        while not reader.complete or len(model.index) < n:
            assert loop.time() < end, "indexing did not finish"
            await pilot.pause(0.1)
        for worker in list(app.workers):  # the doctor's fold: not what is measured here
            worker.cancel()
        while any(w.is_running for w in app.workers):
            await asyncio.sleep(0.02)
        left = app.screen.query_one("#left")
        seen: list[str] = []
        await pilot.press("f", *'"x_2999"')  # a text term: applies on Enter
        # from here keys are posted as the terminal delivers them: Pilot's press would wait for
        # the process to go idle, which the filtering thread does not let it
        post = lambda k: app.post_message(events.Key(k, k if len(k) == 1 else None))  # noqa: E731
        post("enter")
        while not (filtering := [w for w in app.workers if w.group == "filter" and w.is_running]):
            await asyncio.sleep(0.005)
        post("slash")
        search = app.screen.query_one("#search")
        while not search.has_focus:
            await asyncio.sleep(0.005)
        for k in "abc":
            post(k)
        while search.value != "abc":
            await asyncio.sleep(0.005)
        echoed_while_filtering = filtering[0].is_running
        while filtering[0].is_running:
            seen.append(str(left.border_subtitle))
            await asyncio.sleep(0.02)
        await pilot.pause()
        assert echoed_while_filtering
        assert any(f"of {n:,}" in s and "filtering…" in s for s in seen), seen[:5]
        assert model.row_count and all(
            b"x_2999" in model.index.raw(model.row_event(r)) for r in range(model.row_count)
        )
        assert "filtering" not in str(left.border_subtitle)
        app.exit()
