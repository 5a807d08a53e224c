"""`rtinspect doctor`: not built yet (issue 5)."""

from __future__ import annotations

import argparse

from rtinspect.errors import NotBuiltError

HELP = "Diagnose recorded sessions and name the fix; exit 1 on any error-level finding"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("logs", metavar="LOG", nargs="+", help="session logs or folders of them")
    parser.add_argument("--json", action="store_true", help="findings as JSON")


def run(args: argparse.Namespace) -> int:
    raise NotBuiltError("'rtinspect doctor' is not built yet")
