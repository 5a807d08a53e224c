"""`rtinspect replay LOG`: re-send a recorded session's client events, record and compare."""

from __future__ import annotations

import argparse
import sys

from rtinspect.errors import UserError

HELP = "Re-send the client events of a recorded log to a server and compare"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("log", metavar="LOG", help="recorded session log")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--url", help="WebSocket URL of the server to replay against (default: the embedded server)"
    )
    where.add_argument(
        "--api", action="store_true", help="replay against the real API (needs OPENAI_API_KEY)"
    )
    timing = parser.add_mutually_exclusive_group()
    timing.add_argument(
        "--speed", type=float, default=1.0, metavar="X", help="time scale (2 = twice as fast)"
    )
    timing.add_argument(
        "--as-fast-as-possible", dest="fast", action="store_true", help="send without waiting between events"
    )
    rec = parser.add_mutually_exclusive_group()
    rec.add_argument(
        "--record", metavar="NEW", help="record the new session here (default: LOG.replay-TIME.jsonl)"
    )
    rec.add_argument("--no-record", action="store_true", help="do not record the new session")
    parser.add_argument(
        "--compare", action="store_true", help="show how the answers differ; exit 1 if they do"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    import asyncio
    import json
    import os

    from rtinspect.exchange.logio import read_log
    from rtinspect.protocol import Dialect
    from rtinspect.replay.compare import as_json, compare
    from rtinspect.replay.plan import plan_from_log
    from rtinspect.replay.runner import embedded_target, run_replay, summary_of
    from rtinspect.transport import Target, resolve_target

    if not args.fast and not args.speed > 0:
        raise UserError(f"--speed must be > 0, got {args.speed:g}")
    log = read_log(args.log)
    if log.warning:
        print(f"rtinspect: {args.log}: {log.warning}", file=sys.stderr)
    plan = plan_from_log(log)
    speed = None if args.fast else args.speed
    record = None if args.no_record else args.record
    scratch = None
    if args.no_record and args.compare:
        # the comparison reads the answers from disk, one turn at a time: a scratch recording
        # keeps a long replay's answers out of memory, and is removed at the end
        import tempfile

        fd, scratch = tempfile.mkstemp(prefix="rtinspect-replay-", suffix=".jsonl")
        os.close(fd)
        record = scratch
    if record is None and not args.no_record:
        from datetime import datetime
        from pathlib import Path

        source = Path(args.log)
        record = str(
            source.with_name(f"{source.stem}.replay-{datetime.now().strftime('%Y%m%d-%H%M%S')}.jsonl")
        )

    async def main():  # noqa: ANN202
        if args.url or args.api:
            if args.api:
                key = os.environ.get("OPENAI_API_KEY")
                if not key:
                    raise UserError("--api needs OPENAI_API_KEY")
                target: Target = Target.openai(
                    model=plan.model or "gpt-realtime",
                    api_key=key,
                    intent=plan.intent,
                    dialect=Dialect(plan.dialect),
                )
            else:
                resolved = resolve_target(
                    url=args.url, model=plan.model, dialect=plan.dialect, headers=plan.headers
                )
                assert resolved is not None
                target = resolved
            return target.label, await run_replay(plan, target, speed=speed, record=record, keep=False)
        from rtinspect.server import EmbeddedServer

        async with EmbeddedServer(port=0, legacy_beta=plan.dialect == "beta") as server:
            target = embedded_target(server.url, plan)
            return target.label, await run_replay(plan, target, speed=speed, record=record, keep=False)

    try:
        label, result = asyncio.run(main())
        if result.error:
            raise UserError(result.error)
        diffs = compare(log.records, result.records) if args.compare else []
    finally:
        if scratch is not None:
            os.unlink(scratch)
    if scratch is not None:
        result.record_path = None
    counts = result.counts or summary_of(result.records)
    if args.json:
        out = {
            "target": label,
            "sent": result.sent,
            "unsent": result.unsent,
            "server_events": counts["server"],
            "record": str(result.record_path) if result.record_path else None,
            "skipped_binary": plan.skipped_binary,
        }
        if args.compare:
            out["differences"] = as_json(diffs)
        print(json.dumps(out, indent=2, default=str))
    else:
        where = f", recorded to {result.record_path}" if result.record_path else ""
        print(f"replayed {result.sent} client events to {label}: {counts['server']} server events{where}")
        if result.unsent:
            print(f"{result.unsent} events were not sent: the server closed the connection first")
        if plan.skipped_binary:
            print(
                f"{plan.skipped_binary} client binary/non-JSON frames were not re-sent (not recorded in full)"
            )
        if args.compare:
            if not diffs:
                print("compare: no differences (ids, times, obfuscation and audio bytes ignored)")
            else:
                print(f"compare: {len(diffs)} difference(s)")
                for d in diffs:
                    print(f"  [{d.area}] {d.message}")
    return 1 if diffs else 0
