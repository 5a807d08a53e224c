"""`rtinspect doctor LOG...`: diagnose recorded sessions, print the findings and the fixes.

Several logs are diagnosed in parallel (one process per core); each worker opens its log with
``rtinspect.log.LogReader`` and streams the events through the same ``Doctor`` the TUI runs live.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from rtinspect.errors import UserError

HELP = "Diagnose recorded sessions and name the fix; exit 1 on any error-level finding still open at the end"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("logs", metavar="LOG", nargs="+", help="session logs or folders of them")
    parser.add_argument("--json", action="store_true", help="findings as JSON")
    parser.add_argument(
        "--jobs",
        type=int,
        default=0,
        metavar="N",
        help="parallel workers (default: one per core); with --verify, re-runs at once (default: 4 per core)",
    )
    parser.add_argument(
        "--no-info", action="store_true", help="leave out informational findings (latency, cost)"
    )
    parser.add_argument(
        "--verify",
        action="store_true",
        help="re-run each log's client events against the embedded server with each finding's fix applied, "
        "and say whether the finding cleared",
    )
    parser.add_argument(
        "--script",
        metavar="FILE",
        help="with --verify: the embedded server plays this script (YAML/JSON, as rtinspect serve --script) in "
        "every re-run, standing in for what the model did by itself (a tool loop, a preamble)",
    )


def _expand(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(p.glob("*.jsonl"))
            if not found:
                raise UserError(f"{p} holds no *.jsonl session logs")
            out.extend(found)
        elif p.exists():
            out.append(p)
        else:
            raise UserError(f"no such file: {p}")
    return out


def _epoch(header: dict[str, Any]) -> float | None:
    started = header.get("started")
    if not isinstance(started, str):
        return None
    try:
        return datetime.fromisoformat(started.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def verify_results(results: list[dict[str, Any]], jobs: int, script: str | None = None) -> None:
    """Add each finding's ``verified`` verdict (``rtinspect.doctor.verify``) to the diagnosed logs:
    all their re-runs at once, ``jobs`` sessions at a time on one embedded server."""
    from rtinspect.doctor import Finding
    from rtinspect.doctor.verify import verify_many
    from rtinspect.exchange.logio import read_log

    usable = [r for r in results if "error" not in r]
    items = []
    for result in usable:
        findings = [
            Finding(
                **{
                    k: (tuple(v) if k == "events" else v)
                    for k, v in f.items()
                    if k not in ("status", "verified")
                }
            )
            for f in result["findings"]
        ]
        items.append((read_log(result["path"]), findings))
    for result, (log, findings), verdicts in zip(
        usable, items, verify_many(items, jobs, script=script), strict=True
    ):
        for f, raw in zip(findings, result["findings"], strict=True):
            if f.ident in verdicts:
                raw["verified"] = verdicts[f.ident].to_json()
        result["verify"] = {
            "server": "embedded",
            "client_events": sum(1 for r in log.records if r.dir == "client"),
            "script": script,
        }


def diagnose_file(path: str) -> dict[str, Any]:
    """Worker: one log -> {path, events, dialect, note, findings: [json]} or {path, error}."""
    from rtinspect.doctor import Doctor
    from rtinspect.log import LogReader
    from rtinspect.tap import AudioRun

    try:
        reader = LogReader.open(path)
    except UserError as err:
        return {"path": path, "error": str(err)}
    with reader:
        header = reader.header
        dialect = header.get("dialect") if header.get("dialect") in ("ga", "beta") else None
        doctor = Doctor(dialect, started=_epoch(header))
        feed, feed_run = doctor.feed, doctor.feed_run
        for rec in reader.iter_fold():  # audio comes in runs, payloads unread (most of a log)
            if rec.__class__ is AudioRun:
                feed_run(rec)  # type: ignore[arg-type]
            else:
                feed(rec)  # type: ignore[arg-type]
        doctor.finish()
        return {
            "path": path,
            "events": doctor.events_seen,
            "dialect": doctor.dialect.value if doctor.dialect else None,
            "note": reader.warning,
            "findings": [f.to_json() for f in doctor.findings],
        }


def _run_all(paths: list[Path], jobs: int) -> list[dict[str, Any]]:
    names = [str(p) for p in paths]
    workers = min(len(names), jobs or os.cpu_count() or 1)
    if workers <= 1:
        return [diagnose_file(n) for n in names]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(diagnose_file, names))


def _indent(text: str, pad: str) -> str:
    return "\n".join(pad + line for line in text.splitlines())


def render(result: dict[str, Any]) -> str:
    """The readable report of one log."""
    lines = [f"== {result['path']}"]
    if "error" in result:
        return "\n".join([*lines, f"   unusable: {result['error']}"])
    lines[0] += f"  ({result['events']} events, {result.get('dialect') or 'dialect unknown'})"
    if result.get("note"):
        lines.append(f"   note: {result['note']}; diagnosed what was there")
    findings = result["findings"]
    if not any(f["severity"] != "info" and f["status"] == "open" for f in findings):
        lines.append(
            "   no problems found" + (" still open" if any(f["status"] != "open" for f in findings) else "")
        )
    for f in findings:
        refs = ", ".join(f"#{e}" for e in f["events"][:12]) + (" ..." if len(f["events"]) > 12 else "")
        head = "RESOLVED" if f["status"] != "open" else f["severity"].upper()
        lines.append(f"   {head:8s} {f['code']}: {f['title']}")
        if f["status"] != "open":
            lines.append(
                f"            resolved at #{f['resolved_by']}: {f['resolution']} (was {f['severity']})"
            )
        lines.append(_indent(f["explanation"], "            "))
        if refs:
            lines.append(f"            events: {refs}")
        if f.get("fix"):
            lines.append("            fix:")
            lines.append(_indent(f["fix"], "              "))
        if f.get("verified"):
            v = f["verified"]
            lines.append(f"            verified: {v['result'].upper()}: {v['detail']}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if args.jobs < 0:
        raise UserError("--jobs must be 0 (one per core) or more")
    paths = _expand(args.logs)
    results = _run_all(paths, args.jobs)
    if args.script and not args.verify:
        raise UserError("--script goes with --verify (the re-runs' embedded server plays it)")
    if args.verify:
        verify_results(results, args.jobs, args.script)
    if args.no_info:
        for r in results:
            r["findings"] = [f for f in r.get("findings", []) if f["severity"] != "info"]
    unusable = [r for r in results if "error" in r]
    if len(unusable) == len(results) and len(results) == 1:
        raise UserError(unusable[0]["error"])
    if args.json:
        json.dump({"logs": results}, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write("\n\n".join(render(r) for r in results) + "\n")
    if unusable:
        for r in unusable:
            print(f"rtinspect: {r['error']}", file=sys.stderr)
        return 2
    # Only what is still wrong at the end counts: a finding a later event resolved does not fail the run.
    return (
        1
        if any(f["severity"] == "error" and f["status"] == "open" for r in results for f in r["findings"])
        else 0
    )
