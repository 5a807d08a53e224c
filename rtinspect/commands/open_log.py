"""`rtinspect open LOG`: the TUI over a recorded log (step, seek, filter, doctor findings)."""

from __future__ import annotations

import argparse

HELP = "Open a recorded log in the TUI: step, seek, filter, doctor findings"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("log", metavar="LOG", help="recorded session log (.jsonl)")
    parser.add_argument(
        "--compare",
        metavar="HEALTHY",
        help="a healthy session's log: show LOG beside it, aligned by turn, with the differences",
    )


def run(args: argparse.Namespace) -> int:
    if getattr(args, "compare", None):
        return _compare(args.log, args.compare)
    from rtinspect.inspector.loader import open_model

    model, reader = open_model(args.log)  # a bad file raises UserError: one line, exit 2
    from rtinspect.tui.app import RtInspectApp
    from rtinspect.tui.crash import run_app

    app = RtInspectApp(model, reader=reader, endpoint=str(args.log), warning=reader.warning)
    return run_app(app)


def _compare(broken: str, healthy: str) -> int:
    from rtinspect.inspector.compare import compare_logs

    comparison = compare_logs(broken, healthy)  # a bad file raises UserError: one line, exit 2
    from rtinspect.tui.crash import run_app
    from rtinspect.tui.screens.compare import CompareApp

    try:
        return run_app(CompareApp(comparison))
    finally:
        comparison.close()  # after the app: its scan worker stops at the next turn when it quits
