"""`rtinspect import`: not built yet (issue 7)."""

from __future__ import annotations

import argparse

from rtinspect.errors import NotBuiltError

HELP = "Import a browser HAR file (WebSocket frames) or another tool's log as an rtinspect log"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="FILE", help="HAR file or other log to import")


def run(args: argparse.Namespace) -> int:
    raise NotBuiltError("'rtinspect import' is not built yet")
