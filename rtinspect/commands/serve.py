"""`rtinspect serve`: the embedded Realtime server on its own, until Ctrl-C."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rtinspect.server.script import Script

HELP = "Run the embedded Realtime server on its own (GA; --legacy-beta for the retired beta)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    parser.add_argument("--legacy-beta", action="store_true", help="also serve the retired beta dialect")
    parser.add_argument(
        "--transcriber",
        choices=("pocketsphinx", "none"),
        default="pocketsphinx",
        help="input transcription backend (default pocketsphinx, offline English)",
    )
    add_script_arguments(parser)


def add_script_arguments(parser: argparse.ArgumentParser) -> None:
    """``--script`` and ``--fault``: shared by every command that can start the embedded server."""
    parser.add_argument(
        "--script",
        metavar="FILE",
        help="rules for the embedded server's answers (YAML or JSON; see the README's 'Server scripts')",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME[:N]",
        help="a fault on every response of the embedded server (repeatable): rate_limit_exceeded, "
        "insufficient_quota, max_output_tokens, content_filter, server_error, dropped_connection, "
        "slow_first_audio[:MS], transcription_failed, session_expired[:SECONDS]",
    )


def load_script(args: argparse.Namespace) -> Script | None:
    """The script of ``--script``/``--fault`` (None when neither is given); bad input is a ``UserError``."""
    from rtinspect.server.script import Script, load

    path, fault_specs = getattr(args, "script", None), getattr(args, "fault", None) or []
    if path is None and not fault_specs:
        return None
    script = load(path) if path is not None else Script()
    return script.with_faults(fault_specs)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import logging
    import sys

    from rtinspect.errors import UserError
    from rtinspect.server import EmbeddedServer

    if not 0 <= args.port <= 65535:
        raise UserError(f"--port must be between 0 and 65535, not {args.port}")
    script = load_script(args)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    log = logging.getLogger("rtinspect.server")
    log.addHandler(handler)
    log.setLevel(logging.INFO)

    async def main() -> None:
        server = EmbeddedServer(
            args.host, args.port, legacy_beta=args.legacy_beta, transcriber=args.transcriber, script=script
        )
        await server.start()
        dialects = "GA, and beta for clients sending OpenAI-Beta: realtime=v1" if args.legacy_beta else "GA"
        print(f"rtinspect local Realtime server ({dialects}) at {server.url}", flush=True)
        print(
            f"  connect with: {server.url}?model=gpt-realtime  (any bearer token; it is never checked)",
            flush=True,
        )
        if args.script or args.fault:
            print(f"  script: {args.script or '-'}; faults: {', '.join(args.fault) or '-'}", flush=True)
        print("  Ctrl-C stops it.", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        print("rtinspect serve: stopped", file=sys.stderr)
    return 0
