"""Run a collector until Ctrl-C: in the TUI (the proxy's session view), or headless (one line per event)."""

from __future__ import annotations

from collections.abc import Callable

from rtinspect.capture.collector import Collector


def run_collector(collector: Collector, *, headless: bool, intro: Callable[[], list[str]]) -> int:
    """``intro()`` is called once the collector (and its companions) listen: the lines that tell
    the user what to do, printed in headless mode."""
    if not headless:
        from rtinspect.commands.proxy import _tui_entry

        entry = _tui_entry()
        if entry is not None:
            return int(entry(collector) or 0)
    from rtinspect.proxy.printer import HeadlessPrinter, run_headless

    printer = HeadlessPrinter()
    collector.subscribe(lambda session: printer.follow(session, "session captured"))

    return run_headless(collector, printer, banner=intro, stopped="rtinspect collector stopped")
