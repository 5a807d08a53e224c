"""`rtinspect proxy`: sit between the user's own app and the API, forward, show and record."""

from __future__ import annotations

import argparse
import os
import sys

from rtinspect.errors import UserError

HELP = "Sit between your own app and the API: forward, inspect and record its traffic"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--listen",
        default="127.0.0.1:8765",
        metavar="HOST:PORT",
        help="address to listen on (default 127.0.0.1:8765; port 0 picks a free one)",
    )
    parser.add_argument(
        "--upstream",
        metavar="URL",
        help="upstream WebSocket URL, or 'embedded' for the local server (default: the real API)",
    )
    parser.add_argument(
        "--record",
        metavar="LOG",
        help="record each app connection: LOG for the first, LOG-2.jsonl, ... (or a folder)",
    )
    parser.add_argument(
        "--headless", action="store_true", help="print one line per event instead of opening the TUI"
    )
    parser.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let browser pages from ORIGIN (exact, or a glob like 'http://localhost:*') connect; "
        "repeatable. Any other connection that sends an Origin header is refused (HTTP 403)",
    )
    parser.add_argument(
        "--inject-key",
        action="store_true",
        help="add OPENAI_API_KEY to app connections that bring no key of their own (off by default: "
        "a connection without a key is forwarded without one)",
    )


def parse_listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep:
        host, port = "127.0.0.1", value
    host = host.strip("[]") or "127.0.0.1"
    try:
        number = int(port)
    except ValueError:
        raise UserError(f"--listen wants HOST:PORT, got {value!r}") from None
    if not 0 <= number <= 65535:
        raise UserError(f"--listen port must be 0-65535, got {number}")
    return host, number


def _tui_entry():  # noqa: ANN202 - the TUI's entry point for proxied sessions (imported only when used)
    from rtinspect.tui.proxy import run_proxy_tui

    return run_proxy_tui


def run(args: argparse.Namespace) -> int:

    from rtinspect.proxy import DEFAULT_UPSTREAM, ProxyServer
    from rtinspect.proxy.printer import HeadlessPrinter, run_headless

    host, port = parse_listen(args.listen)
    if args.inject_key and args.upstream != "embedded" and not os.environ.get("OPENAI_API_KEY"):
        raise UserError("--inject-key adds OPENAI_API_KEY to keyless connections, but it is not set")
    server = ProxyServer(
        host,
        port,
        args.upstream,
        record=args.record,
        allow_origins=args.allow_origin,
        inject_key=args.inject_key,
    )
    headless = args.headless
    if not headless:
        entry = _tui_entry()
        if entry is not None:
            return int(entry(server) or 0)
        print("rtinspect: the TUI cannot show proxied sessions yet; running headless", file=sys.stderr)
        headless = True
    printer = HeadlessPrinter()
    server.subscribe_notices(printer.line)

    server.subscribe(printer.follow)

    def banner() -> list[str]:
        upstream = server.upstream if args.upstream else DEFAULT_UPSTREAM
        lines = [
            f"rtinspect proxy listening on {server.url} -> {upstream}",
            f"point your app at {server.url}/v1/realtime?model=... (Ctrl-C stops)",
            server.key_policy,
        ]
        if server.allow_origins:
            lines.append("browser pages allowed from: " + ", ".join(server.allow_origins))
        if host not in ("127.0.0.1", "localhost", "::1"):
            print(
                f"rtinspect: warning: listening on {host}, not loopback: other machines can reach "
                "the upstream through this proxy"
                + (" and spend the injected key" if server.inject_key else ""),
                file=sys.stderr,
            )
        return lines

    return run_headless(server, printer, banner=banner, stopped="rtinspect proxy stopped")
