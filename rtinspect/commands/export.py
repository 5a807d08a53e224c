"""`rtinspect export LOG`: WAV audio, a Markdown transcript and a Python reproduction script."""

from __future__ import annotations

import argparse
import sys

HELP = "Export a recorded session: WAV audio, Markdown transcript, Python reproduction script"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("log", metavar="LOG", help="recorded session log")
    parser.add_argument("--out", metavar="DIR", help="folder to write into (default: LOG name + '-export')")
    parser.add_argument("--wav", action="store_true", help="input and output audio as WAV files")
    parser.add_argument("--markdown", action="store_true", help="a Markdown transcript")
    parser.add_argument("--script", action="store_true", help="a minimal Python reproduction script")
    parser.add_argument("--har", action="store_true", help="a HAR file (Chrome DevTools WebSocket shape)")


def _findings(log):  # noqa: ANN001, ANN202 - the doctor's findings, or None when it cannot run
    try:
        from rtinspect.doctor import diagnose
    except ImportError:
        return None
    try:
        return diagnose(log.records, log.dialect)
    except Exception as err:  # noqa: BLE001 - a doctor bug must not stop an export
        print(f"rtinspect: doctor skipped: {type(err).__name__}", file=sys.stderr)
        return None


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rtinspect.errors import UserError
    from rtinspect.exchange.logio import read_log

    log = read_log(args.log)
    if log.warning:
        print(f"rtinspect: {args.log}: {log.warning}", file=sys.stderr)
    everything = not (args.wav or args.markdown or args.script or args.har)
    out = Path(args.out) if args.out else Path(args.log).with_name(Path(args.log).stem + "-export")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"cannot create {out}: {err.strerror}") from None
    if args.wav or everything:
        from rtinspect.exchange.audio_export import export_audio

        audio = export_audio(log, out)
        note = f", {audio.bad_chunks} undecodable chunk(s) skipped" if audio.bad_chunks else ""
        print(
            f"audio: {len(audio.files)} WAV file(s), {audio.input_ms / 1000:.2f} s in, "
            f"{audio.output_ms / 1000:.2f} s out{note}"
        )
    if args.markdown or everything:
        from rtinspect.exchange.markdown import render_markdown

        path = out / "transcript.md"
        path.write_text(render_markdown(log, _findings(log)), encoding="utf-8")
        print(f"transcript: {path}")
    if args.script or everything:
        from rtinspect.exchange.script import write_script

        script, events = write_script(log, out)
        print(f"script: {script} (+ {events.name}); run: OPENAI_API_KEY=... python {script} [URL]")
    if args.har:
        import json

        from rtinspect.exchange.har import session_to_har

        path = out / "session.har"
        path.write_text(json.dumps(session_to_har(log), indent=1), encoding="utf-8")
        print(f"har: {path}")
    return 0
