"""`rtinspect live`: not built yet (issue 6)."""

from __future__ import annotations

import argparse

from rtinspect.errors import NotBuiltError

HELP = "Live view (TUI): the real API when OPENAI_API_KEY or --url is set, else the embedded local server"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help="WebSocket URL of a Realtime endpoint")
    parser.add_argument("--model", default=None, help="model for the session")
    parser.add_argument(
        "--dialect", choices=["ga", "beta"], default="ga", help="protocol dialect (default: ga)"
    )
    parser.add_argument("--record", metavar="LOG", help="record every event to this log")


def run(args: argparse.Namespace) -> int:
    raise NotBuiltError("'rtinspect live' is not built yet")
