"""Benchmark the TUI over a big log: open and first page, scroll to the end, page through, filter.

    /work/venv/bin/python bench/bench_tui.py [N_EVENTS]   (default 1,000,000)
    .venv/bin/python bench/bench_tui.py --palette [--baseline TREE] [--runs N]

``--palette``: the time from Ctrl+P to the command palette on screen with its entries listed
(median of N opens, 160x45), over a recorded log and over a live session on the embedded server;
``--filter LOG [TEXT]``: on a recorded log (e.g. /work/bench-data/realistic-1000000.jsonl), the
time a key takes to echo in the filter bar while a text filter runs, beside the old way (the
filter on the UI thread: a key waits for the whole pass).
``--baseline TREE`` measures another checkout (e.g. ``git worktree add /tmp/base main~5``) in the
same run, each tree in its own process (``PYTHONPATH=TREE``).

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
from typing import Any

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


async def _palette_open_ms(app: Any, pilot: Any) -> float:
    from textual.command import CommandList, CommandPalette

    t = time.perf_counter()
    await pilot.press("ctrl+p")
    while True:
        screen = app.screen
        if isinstance(screen, CommandPalette):
            lists = screen.query(CommandList)
            if lists and lists.first().option_count > 0:
                break
        await asyncio.sleep(0.001)
    ms = (time.perf_counter() - t) * 1000
    await pilot.press("escape")
    await pilot.pause(0.1)
    return ms


async def palette_child(runs: int) -> dict[str, list[float]]:
    """The palette's open times in this process's tree: a recorded log, then a live session."""
    from rtinspect.server import ServerThread
    from rtinspect.tui.session import build_live

    root = Path(__file__).resolve().parents[1]
    out: dict[str, list[float]] = {}
    model, reader = open_model(root / "recordings" / "ga-rate-16000.jsonl")
    app = RtInspectApp(model, reader=reader)
    async with app.run_test(size=(160, 45)) as pilot:
        while not app.fold_done:
            await pilot.pause(0.05)
        await _palette_open_ms(app, pilot)  # the first open imports the palette's modules
        out["recorded"] = [await _palette_open_ms(app, pilot) for _ in range(runs)]
    server = ServerThread().start()
    try:
        app = build_live(server=server, no_record=True)
        async with app.run_test(size=(160, 45)) as pilot:
            while len(app.model.index) < 2:
                await pilot.pause(0.05)
            await _palette_open_ms(app, pilot)
            out["live"] = [await _palette_open_ms(app, pilot) for _ in range(runs)]
    finally:
        server.stop()
    return out


def palette(trees: list[tuple[str, Path]], runs: int) -> None:
    """Each tree in its own process, alternating, so the machine's load falls on both alike."""
    import json
    import os
    import statistics
    import subprocess

    results: dict[str, dict[str, list[float]]] = {name: {} for name, _ in trees}
    for _ in range(2):
        for name, tree in trees:
            env = {**os.environ, "PYTHONPATH": str(tree)}
            out = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--palette-child", str(runs)],
                env=env,
                cwd=tree,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            for mode, times in json.loads(out.strip().splitlines()[-1]).items():
                results[name].setdefault(mode, []).extend(times)
    for name, tree in trees:
        for mode, times in results[name].items():
            print(
                f"palette open ({mode}, {name}: {tree}): median {statistics.median(times):.0f} ms, "
                f"min {min(times):.0f}, max {max(times):.0f} (n={len(times)})"
            )


async def filter_echo(path: Path, text: str) -> None:
    """Key echo in the filter bar while a text filter runs in its worker, beside the UI-thread pass."""
    import statistics

    from textual import events
    from textual.widgets import Input

    from rtinspect.inspector.filterlang import parse

    t0 = time.perf_counter()
    model, reader = open_model(path)
    app = RtInspectApp(model, reader=reader)
    async with app.run_test(size=(160, 45)) as pilot:
        while not reader.complete:
            await asyncio.sleep(0.1)
        for worker in list(app.workers):  # the doctor's fold: not what is measured
            worker.cancel()
        while any(w.is_running for w in app.workers):
            await asyncio.sleep(0.05)
        n = len(model.index)
        print(f"{path.name}: {n:,} events indexed in {time.perf_counter() - t0:.1f} s")
        t = time.perf_counter()  # before: the pass ran on the UI thread, a key waited for all of it
        model.set_filter(text)
        model.rebuild()
        before = time.perf_counter() - t
        shown = model.row_count
        model.set_filter("")
        model.rebuild()
        app.screen.refresh_areas({"events", "rebuilt"})
        await pilot.pause()

        def post(k: str) -> None:
            app.post_message(events.Key(k, k if len(k) == 1 else None))

        await pilot.press("f", *text)  # a text term: applies on Enter
        t = time.perf_counter()
        post("enter")
        while not any(w.group == "filter" and w.is_running for w in app.workers):
            await asyncio.sleep(0.001)
        post("f")  # the filter bar again: typing a text term there starts nothing until Enter
        search = app.screen.query_one("#filter", Input)
        while not search.has_focus:
            await asyncio.sleep(0.001)
        typed = search.value
        echoes: list[float] = []
        while any(w.group == "filter" and w.is_running for w in app.workers):
            k = "abcdefghij"[len(echoes) % 10]
            typed += k
            t_key = time.perf_counter()
            post(k)
            while search.value != typed:
                await asyncio.sleep(0.0005)
            echoes.append((time.perf_counter() - t_key) * 1000)
            await asyncio.sleep(0.05)  # a typist's pace: 20 keys a second
        while model.filter_text != text.strip():
            await asyncio.sleep(0.01)
        after = time.perf_counter() - t
        print(
            f"filter {text!r} on the UI thread (before): {before:.2f} s -> {shown:,} rows; a key waits up to that"
        )
        print(
            f"filter {text!r} in its worker (after): {after:.2f} s -> {model.row_count:,} rows; "
            f"{len(echoes)} keys typed meanwhile echoed in median {statistics.median(echoes):.1f} ms, "
            f"max {max(echoes):.1f} ms"
            if echoes
            else f"filter in its worker: {after:.2f} s (no key typed before it finished)"
        )
        # the same filter again with nobody typing: what the worker costs by itself
        app.screen.action_close_bar()
        await pilot.pause()
        model.set_filter("")
        model.rebuild()
        await pilot.pause()
        t = time.perf_counter()
        app.screen._start_filter(text, parse(text))
        worker = next(w for w in app.workers if w.group == "filter" and w.is_running)
        await worker.wait()  # no polling: the UI thread idles as it does when nobody types
        print(f"filter {text!r} in its worker, no key typed: {time.perf_counter() - t:.2f} s")
        app.exit()


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["--filter"]:
        asyncio.run(filter_echo(Path(args[1]), args[2] if len(args) > 2 else '"weather"'))
        return
    if args[:1] == ["--palette-child"]:
        import json

        print(json.dumps(asyncio.run(palette_child(int(args[1])))))
        return
    if args[:1] == ["--palette"]:
        runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 10
        trees = [("this tree", Path(__file__).resolve().parents[1])]
        if "--baseline" in args:
            trees.insert(0, ("baseline", Path(args[args.index("--baseline") + 1]).resolve()))
        palette(trees, runs)
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(bench(n, Path(tmp)))


if __name__ == "__main__":
    main()
