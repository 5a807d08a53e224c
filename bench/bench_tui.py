"""Benchmark the TUI over a big log: open and first page, scroll to the end, page through, filter.

    /work/venv/bin/python bench/bench_tui.py [N_EVENTS]   (default 1,000,000)

Runs the real app headless (``App.run_test``) over a synthetic log written straight in the log
format (small payloads, 30 % audio appends, one error in ten). The doctor's background fold is
stopped once indexing is done, as in the test, so the figures are the list's own.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "tui"))

from sessions import write_big_log  # noqa: E402

from rtinspect.inspector.loader import open_model  # noqa: E402
from rtinspect.tui.app import RtInspectApp  # noqa: E402
from rtinspect.tui.widgets.event_list import EventList  # noqa: E402


async def bench(n: int, folder: Path) -> None:
    t = time.perf_counter()
    path = write_big_log(folder / "big.jsonl", n)
    print(f"write {n:,} events ({path.stat().st_size / 1e6:.0f} MB): {time.perf_counter() - t:.2f} s")

    t0 = time.perf_counter()
    model, reader = open_model(path)
    app = RtInspectApp(model, reader=reader)
    async with app.run_test(size=(160, 45)) as pilot:
        events = app.screen.query_one(EventList)
        while model.row_count == 0 or events.render_line(0).cell_length == 0:
            await pilot.pause(0.01)
        print(
            f"open -> first page shown: {time.perf_counter() - t0:.3f} s ({len(model.index):,} events indexed so far)"
        )
        while not reader.complete or len(model.index) < n:
            await asyncio.sleep(0.02)
        print(f"open -> all {n:,} indexed: {time.perf_counter() - t0:.2f} s")
        for worker in list(app.workers):
            worker.cancel()
        await pilot.pause(0.2)
        events.focus()
        t = time.perf_counter()
        events.action_last()
        await pilot.pause()
        assert events.selected_event == n - 1
        print(f"scroll to the end: {(time.perf_counter() - t) * 1000:.1f} ms")
        t = time.perf_counter()
        events.action_first()
        pages = 200
        for _ in range(pages):
            events.action_page(1)
            await pilot.pause()
        per = (time.perf_counter() - t) / pages
        print(f"page down x{pages}: {per * 1000:.1f} ms per page (render included)")
        for text in ("bookmark", "error", ""):
            t = time.perf_counter()
            model.type_filter = text
            model.rebuild()
            app.screen.refresh_areas({"events", "rebuilt"})
            await pilot.pause()
            print(
                f"filter type~{text!r}: {(time.perf_counter() - t) * 1000:.0f} ms -> {model.row_count:,} rows"
            )
        t = time.perf_counter()
        model.dirs_shown = {"server"}
        model.rebuild()
        app.screen.refresh_areas({"events", "rebuilt"})
        await pilot.pause()
        print(
            f"filter direction=server: {(time.perf_counter() - t) * 1000:.0f} ms -> {model.row_count:,} rows"
        )
        app.exit()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(bench(n, Path(tmp)))


if __name__ == "__main__":
    main()
