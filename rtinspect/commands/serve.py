"""`rtinspect serve`: not built yet (issue 3)."""

from __future__ import annotations

import argparse

from rtinspect.errors import NotBuiltError

HELP = "Run the embedded Realtime server on its own (GA; --legacy-beta for the retired beta)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    parser.add_argument("--legacy-beta", action="store_true", help="serve the retired beta dialect")


def run(args: argparse.Namespace) -> int:
    raise NotBuiltError("'rtinspect serve' is not built yet")
