"""`rtinspect replay`: not built yet (issue 7)."""

from __future__ import annotations

import argparse

from rtinspect.errors import NotBuiltError

HELP = "Re-send the client events of a recorded log to a server and compare"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("log", metavar="LOG", help="recorded session log")
    parser.add_argument("--url", help="WebSocket URL of the server to replay against")


def run(args: argparse.Namespace) -> int:
    raise NotBuiltError("'rtinspect replay' is not built yet")
