"""`rtinspect collect`: record and show the Realtime events of a web page's WebRTC data channel."""

from __future__ import annotations

import argparse

from rtinspect.commands.proxy import parse_listen

HELP = "Serve a script for your web page that forwards its WebRTC 'oai-events' channel to rtinspect"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--listen",
        default="127.0.0.1:8766",
        metavar="HOST:PORT",
        help="where the collector listens and serves /rtinspect.js (default 127.0.0.1:8766)",
    )
    parser.add_argument(
        "--allow-origin",
        action="append",
        metavar="ORIGIN",
        help="a page origin (or glob) allowed to send events; repeatable "
        "(default: http://localhost:* and http://127.0.0.1:*)",
    )
    parser.add_argument(
        "--record",
        metavar="LOG",
        help="record each data channel: LOG for the first, LOG-2.jsonl, ... (or a folder)",
    )
    parser.add_argument(
        "--headless", action="store_true", help="print one line per event instead of opening the TUI"
    )


def run(args: argparse.Namespace) -> int:
    from rtinspect.capture import DEFAULT_PAGE_ORIGINS, Collector
    from rtinspect.capture.run import run_collector

    host, port = parse_listen(args.listen)
    collector = Collector(
        host,
        port,
        record=args.record,
        allow_origins=args.allow_origin or DEFAULT_PAGE_ORIGINS,
        label="your page's WebRTC data channel",
        prefix="page",
    )
    collector.wait_words = ("rtinspect collect", "add to your page", "events from")
    collector.hint = lambda: f'<script src="{collector.script_url}"></script>'

    def intro() -> list[str]:
        return [
            f"rtinspect collector listening on {collector.url}",
            "add this to your page before it creates its RTCPeerConnection (or paste the script into the console):",
            f'  <script src="{collector.script_url}"></script>',
            "pages allowed: "
            + ", ".join(collector.allow_origins)
            + " (--allow-origin adds more); Ctrl-C stops",
        ]

    return run_collector(collector, headless=args.headless, intro=intro)
