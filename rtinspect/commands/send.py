"""`rtinspect send`: not built yet (issue 4)."""

from __future__ import annotations

import argparse

from rtinspect.errors import NotBuiltError

HELP = "Headless: stream audio files into a session, print transcripts and responses"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("audio", metavar="AUDIO", nargs="+", help="audio files to stream")
    parser.add_argument(
        "--url", help="WebSocket URL (default: real API with OPENAI_API_KEY, else embedded server)"
    )


def run(args: argparse.Namespace) -> int:
    raise NotBuiltError("'rtinspect send' is not built yet")
