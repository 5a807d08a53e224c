"""`rtinspect open`: not built yet (issue 6)."""

from __future__ import annotations

import argparse

from rtinspect.errors import NotBuiltError

HELP = "Open a recorded log in the TUI: step, seek, filter, doctor findings"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("log", metavar="LOG", help="recorded session log (.jsonl)")


def run(args: argparse.Namespace) -> int:
    raise NotBuiltError("'rtinspect open' is not built yet")
