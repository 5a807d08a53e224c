"""Run a collector until Ctrl-C: in the TUI (the proxy's session view), or headless (one line per event)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable

from rtinspect.capture.collector import Collector
from rtinspect.errors import UserError


def run_collector(collector: Collector, *, headless: bool, intro: Callable[[], list[str]]) -> int:
    """``intro()`` is called once the collector (and its companions) listen: the lines that tell
    the user what to do, printed in headless mode."""
    if not headless:
        from rtinspect.commands.proxy import _tui_entry

        entry = _tui_entry()
        if entry is not None:
            return int(entry(collector) or 0)
    from rtinspect.proxy.printer import HeadlessPrinter

    printer = HeadlessPrinter()
    collector.subscribe(lambda session: printer.follow(session, "session captured"))

    async def main() -> None:
        with contextlib.suppress(NotImplementedError, RuntimeError):  # stop cleanly on SIGTERM too
            task = asyncio.current_task()
            if task is not None:
                asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        try:
            await collector.start()
        except OSError as err:
            raise UserError(str(err.strerror or err)) from None
        for line in intro():
            printer.line(line)
        try:
            await collector.serve_forever()
        finally:
            await collector.stop()

    try:
        asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        printer.line("rtinspect collector stopped")
    return 0
