"""`rtinspect serve`: the embedded Realtime server on its own, until Ctrl-C."""

from __future__ import annotations

import argparse

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


def run(args: argparse.Namespace) -> int:
    import asyncio
    import logging
    import sys

    from rtinspect.errors import UserError
    from rtinspect.server import EmbeddedServer

    if not 0 <= args.port <= 65535:
        raise UserError(f"--port must be between 0 and 65535, not {args.port}")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    log = logging.getLogger("rtinspect.server")
    log.addHandler(handler)
    log.setLevel(logging.INFO)

    async def main() -> None:
        server = EmbeddedServer(
            args.host, args.port, legacy_beta=args.legacy_beta, transcriber=args.transcriber
        )
        await server.start()
        dialects = "GA, and beta for clients sending OpenAI-Beta: realtime=v1" if args.legacy_beta else "GA"
        print(f"rtinspect local Realtime server ({dialects}) at {server.url}", flush=True)
        print(
            f"  connect with: {server.url}?model=gpt-realtime  (any bearer token; it is never checked)",
            flush=True,
        )
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
