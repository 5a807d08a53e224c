"""`rtinspect import FILE [-o LOG]`: HAR files and other tools' event logs -> rtinspect logs."""

from __future__ import annotations

import argparse

HELP = "Import a browser HAR file (WebSocket frames) or another tool's log as an rtinspect log"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source",
        metavar="FILE",
        help="a HAR file saved by Chrome DevTools, or a JSON/JSONL event log "
        "(openai-realtime-console records, {direction, event} records, or raw events)",
    )
    parser.add_argument(
        "-o",
        "--out",
        metavar="LOG",
        help="log to write (several sockets: LOG, LOG-2.jsonl, ...); default FILE.rtinspect.jsonl",
    )


def run(args: argparse.Namespace) -> int:
    from rtinspect.exchange.importer import import_file

    for session, path in import_file(args.source, args.out):
        counts = {d: session.count(d) for d in ("client", "server")}
        extra = f", {session.skipped} skipped" if session.skipped else ""
        print(
            f"{path}: {counts['client']} client and {counts['server']} server events "
            f"from {session.name} [{session.format}]{extra}"
        )
    return 0
