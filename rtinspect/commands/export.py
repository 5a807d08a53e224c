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
    from rtinspect.doctor import diagnose

    try:
        return diagnose(log.records, log.dialect)
    except Exception as err:  # noqa: BLE001 - a doctor bug must not stop an export
        print(f"rtinspect: doctor skipped: {type(err).__name__}", file=sys.stderr)
        return None


_END = object()


def one_pass(log, consumers):  # noqa: ANN001, ANN201 - {name: fn(SessionLog)} -> {name: result}
    """Run every consumer over ONE read of the log: each gets a SessionLog whose ``records`` is a
    single-use stream fed from that pass (a bounded queue each, so memory stays a few hundred
    events however long the log). A consumer that fails still drains its queue, and its
    exception is raised here after the pass."""
    import queue
    import threading

    from rtinspect.exchange.logio import SessionLog

    queues = {name: queue.Queue(maxsize=512) for name in consumers}
    results: dict = {}
    errors: dict = {}
    done = {name: threading.Event() for name in consumers}

    ended = {name: threading.Event() for name in consumers}

    def stream(name):  # noqa: ANN001, ANN202
        q = queues[name]
        while (rec := q.get()) is not _END:
            yield rec
        ended[name].set()

    def run(name, fn):  # noqa: ANN001, ANN202
        try:
            results[name] = fn(SessionLog(log.path, log.header, stream(name), log.warning))
        except BaseException as err:  # noqa: BLE001 - re-raised in the caller's thread
            errors[name] = err
        finally:
            done[name].set()
            # a consumer that stopped early: drain, so the pass never blocks on its full queue
            while not ended[name].is_set():
                if queues[name].get() is _END:
                    ended[name].set()

    threads = [
        threading.Thread(target=run, args=(n, f), daemon=True, name=f"export-{n}")
        for n, f in consumers.items()
    ]
    for t in threads:
        t.start()
    try:
        for rec in log.records:
            for q in queues.values():
                q.put(rec)
    finally:
        for q in queues.values():
            q.put(_END)
        for t in threads:
            t.join()
    for err in errors.values():
        raise err
    return results, done


def run(args: argparse.Namespace) -> int:
    import threading
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
    consumers: dict = {}
    doctor_done = threading.Event()
    findings: list = []
    if args.wav or everything:
        from rtinspect.exchange.audio_export import export_audio

        consumers["audio"] = lambda view: export_audio(view, out)
    if args.markdown or everything:
        from rtinspect.exchange.markdown import render_markdown

        def doctor(view):  # noqa: ANN001, ANN202
            try:
                findings.append(_findings(view))
            finally:
                doctor_done.set()

        def markdown(view):  # noqa: ANN001, ANN202
            def wait_findings():  # noqa: ANN202 - the doctor runs beside the transcript, same pass
                doctor_done.wait()
                return findings[0] if findings else None

            path = out / "transcript.md"
            path.write_text(render_markdown(view, wait_findings), encoding="utf-8")
            return path

        consumers["doctor"] = doctor
        consumers["markdown"] = markdown
    if args.script or everything:
        from rtinspect.exchange.script import write_script

        consumers["script"] = lambda view: write_script(view, out)
    if args.har:
        from rtinspect.exchange.har import write_har

        consumers["har"] = lambda view: write_har(view, out / "session.har")
    results, _ = one_pass(log, consumers)
    if "audio" in results:
        audio = results["audio"]
        note = f", {audio.bad_chunks} undecodable chunk(s) skipped" if audio.bad_chunks else ""
        print(
            f"audio: {len(audio.files)} WAV file(s), {audio.input_ms / 1000:.2f} s in, "
            f"{audio.output_ms / 1000:.2f} s out{note}"
        )
    if "markdown" in results:
        print(f"transcript: {results['markdown']}")
    if "script" in results:
        script, events = results["script"]
        print(f"script: {script} (+ {events.name}); run: OPENAI_API_KEY=... python {script} [URL]")
    if "har" in results:
        print(f"har: {results['har']}")
    return 0
