"""`rtinspect proxy`: not built yet (issue 7)."""

from __future__ import annotations

import argparse

from rtinspect.errors import NotBuiltError

HELP = "Sit between your own app and the API: forward, inspect and record its traffic"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--listen", default="127.0.0.1:8765", help="address to listen on (default 127.0.0.1:8765)"
    )
    parser.add_argument("--upstream", help="upstream WebSocket URL (default: the real API)")


def run(args: argparse.Namespace) -> int:
    raise NotBuiltError("'rtinspect proxy' is not built yet")
