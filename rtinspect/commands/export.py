"""`rtinspect export`: not built yet (issue 7)."""

from __future__ import annotations

import argparse

from rtinspect.errors import NotBuiltError

HELP = "Export a recorded session: WAV audio, Markdown transcript, Python reproduction script"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("log", metavar="LOG", help="recorded session log")


def run(args: argparse.Namespace) -> int:
    raise NotBuiltError("'rtinspect export' is not built yet")
