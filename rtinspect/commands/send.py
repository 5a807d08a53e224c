"""`rtinspect send`: the headless form of "I stream a WAV file and want text back".

Streams each file into a session (the real API with a key, any ``--url``, else the embedded
server in-process), waits for each turn to finish, and prints what happened: VAD windows,
transcripts, responses, errors with their codes and timings, or every event as JSON lines.
Exits 1 when the session ended in an error (error events, abnormal close, a turn that never
finished), so it doubles as a scripted health check.
"""

from __future__ import annotations

import argparse
import os

from rtinspect.commands.serve import add_script_arguments, load_script

HELP = "Headless: stream audio files into a session, print transcripts and responses"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "audio", metavar="AUDIO", nargs="+", help="audio files to stream (WAV, FLAC, OGG, MP3...)"
    )
    parser.add_argument(
        "--url", help="WebSocket URL (default: real API with OPENAI_API_KEY, else the embedded local server)"
    )
    parser.add_argument(
        "--dialect", choices=["ga", "beta"], default="ga", help="protocol dialect (default: ga)"
    )
    parser.add_argument("--model", help="model, or Azure deployment (default: gpt-realtime)")
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="extra connection header (repeatable)",
    )
    parser.add_argument(
        "--transcribe", metavar="MODEL", help="turn on input transcription with MODEL (e.g. whisper-1)"
    )
    parser.add_argument(
        "--vad", choices=["server", "none"], help="set turn detection: server VAD, or none (manual)"
    )
    parser.add_argument(
        "--input-rate",
        type=int,
        metavar="HZ",
        help="declare this pcm input rate in session.update (GA allows 24000)",
    )
    pace = parser.add_mutually_exclusive_group()
    pace.add_argument(
        "--realtime",
        dest="realtime",
        action="store_true",
        default=True,
        help="pace audio in real time (default)",
    )
    pace.add_argument(
        "--fast", dest="realtime", action="store_false", help="send audio as fast as the socket allows"
    )
    parser.add_argument(
        "--chunk-ms", type=int, default=40, metavar="N", help="audio per append, 10-1000 ms (default 40)"
    )
    parser.add_argument(
        "--no-trailing-silence",
        action="store_true",
        help="with server VAD, do not append silence after each file",
    )
    parser.add_argument(
        "--trailing-silence-ms",
        type=int,
        metavar="N",
        help="with server VAD, this much silence after each file (default: silence_duration_ms + 400)",
    )
    parser.add_argument(
        "--commit",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="send input_audio_buffer.commit after each file (default: only when turn detection is off)",
    )
    parser.add_argument(
        "--response",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="send response.create after each file (default: only when turn detection is off)",
    )
    parser.add_argument(
        "--no-resample",
        action="store_true",
        help="send the file's samples at its own rate, as a naive client does (reproduces the 16 kHz mistake)",
    )
    parser.add_argument("--record", metavar="LOG", help="record the session to LOG (rtinspect log format)")
    parser.add_argument(
        "--json", action="store_true", help="print every event as a JSON line instead of a transcript"
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, metavar="S", help="seconds to wait for each turn (default 30)"
    )
    add_script_arguments(parser)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from rtinspect.errors import UserError

    if not 10 <= args.chunk_ms <= 1000:
        raise UserError(f"--chunk-ms must be between 10 and 1000, not {args.chunk_ms}")
    if args.trailing_silence_ms is not None and not 0 <= args.trailing_silence_ms <= 60000:
        raise UserError("--trailing-silence-ms must be between 0 and 60000")
    if args.timeout <= 0:
        raise UserError("--timeout must be positive")
    for path in args.audio:
        if not os.path.exists(path):
            raise UserError(f"{path}: no such file")
    from rtinspect.transport.headless import HeadlessSend, SendOptions

    options = SendOptions(
        files=list(args.audio),
        url=args.url,
        dialect=args.dialect,
        model=args.model,
        headers=_parse_headers(args.header),
        transcribe=args.transcribe,
        vad=args.vad,
        input_rate=args.input_rate,
        realtime=args.realtime,
        chunk_ms=args.chunk_ms,
        trailing_silence_ms=0.0 if args.no_trailing_silence else args.trailing_silence_ms,
        commit=args.commit,
        response=args.response,
        resample=not args.no_resample,
        record=args.record,
        json=args.json,
        timeout=args.timeout,
        script=load_script(args),
    )
    return asyncio.run(HeadlessSend(options).run())


def _parse_headers(values: list[str]) -> dict[str, str]:
    from rtinspect.errors import UserError

    headers: dict[str, str] = {}
    for raw in values:
        name, sep, value = raw.partition(":")
        if not sep or not name.strip():
            raise UserError(f"--header wants 'Name: value', got {raw.split(':')[0]!r}...")
        headers[name.strip()] = value.strip()
    return headers
