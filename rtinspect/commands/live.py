"""`rtinspect` / `rtinspect live`: the live view on the real API or the embedded local server."""

from __future__ import annotations

import argparse

from rtinspect.commands.serve import add_script_arguments, load_script

HELP = "Live view (TUI): the real API when OPENAI_API_KEY or --url is set, else the embedded local server"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help="WebSocket URL of a Realtime endpoint")
    parser.add_argument("--model", default=None, help="model for the session")
    parser.add_argument(
        "--dialect", choices=["ga", "beta"], default="ga", help="protocol dialect (default: ga)"
    )
    parser.add_argument(
        "--call-id",
        metavar="ID",
        help="watch a WebRTC or SIP call live: join its session by id (sideband, same key)",
    )
    rec = parser.add_mutually_exclusive_group()
    rec.add_argument(
        "--record",
        metavar="LOG",
        help="record every event to this log (default: a new log in ~/.local/share/rtinspect/sessions)",
    )
    rec.add_argument("--no-record", action="store_true", help="do not record the session")
    add_script_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from rtinspect.tui.crash import run_app
    from rtinspect.tui.session import build_live

    app = build_live(
        url=args.url,
        model=args.model,
        dialect=args.dialect,
        record=args.record,
        no_record=args.no_record,
        call_id=args.call_id,
        script=load_script(args),
    )
    return run_app(app)
