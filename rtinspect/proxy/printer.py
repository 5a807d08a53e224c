"""One line per event for ``rtinspect proxy --headless``: session, time, direction, type, summary.

Summaries are short and never show payloads: audio is given as a size and duration, text is cut,
and every line passes through ``redact_text`` so no credential can reach the terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable, Iterable
from typing import Any, Protocol, TextIO

from rtinspect.errors import UserError
from rtinspect.protocol.audio import AUDIO_FIELDS, INPUT_AUDIO_TYPES, PCM16, b64_decoded_len
from rtinspect.secrets import redact_text
from rtinspect.session.state import SessionState
from rtinspect.tap import (
    META_BINARY_FRAME,
    META_CONNECTION_CLOSED,
    META_CONNECTION_OPENED,
    META_FRAME_REFUSED,
    META_RECORDING_STOPPED,
    META_TRANSPORT_ERROR,
    Tapped,
)

_ARROWS = {"client": "app→", "server": "←api", "meta": "  · "}
MAX_SUMMARY = 100


def _short(text: str, limit: int = MAX_SUMMARY) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summarize(event: dict[str, Any], state: SessionState | None = None) -> str:
    """A few words about an event; safe for any shape (unknown events get an empty summary).

    Audio is measured in the format the session's fold says is in effect (``state``; pcm16 24 kHz
    before any session is known), with ``protocol.audio``'s arithmetic.
    """
    type_ = event.get("type")
    audio_field = AUDIO_FIELDS.get(type_) if isinstance(type_, str) else None
    if audio_field is not None:
        payload = event.get(audio_field)
        fmt = PCM16
        if state is not None:
            fmt = state.buffer.format if type_ in INPUT_AUDIO_TYPES else state.output_format
        size = b64_decoded_len(payload)
        return f"{size} bytes (~{fmt.ms_for_bytes(size):.0f} ms at {fmt.label})"
    if type_ == "error":
        err = event.get("error") if isinstance(event.get("error"), dict) else {}
        return _short(
            f"{err.get('code')}: {err.get('message')}" + (f" [{err['param']}]" if err.get("param") else "")
        )
    if type_ == META_CONNECTION_OPENED:
        return _short(f"{event.get('path') or ''} -> {event.get('url')} ({event.get('dialect')})")
    if type_ == META_CONNECTION_CLOSED:
        return f"code {event.get('code')} {event.get('reason') or ''!r} by {event.get('by')}"
    if type_ == META_BINARY_FRAME:
        if event.get("opcode") == "text":
            return _short(
                f"{event.get('dir')} non-JSON text, {event.get('size')} bytes: {event.get('text', '')}"
            )
        return f"{event.get('dir')} binary frame, {event.get('size')} bytes"
    if type_ == META_TRANSPORT_ERROR:
        return _short(str(event.get("message")))
    if type_ == META_FRAME_REFUSED:
        who = "app" if event.get("dir") == "client" else "upstream"
        return f"{who} message of {event.get('size')} bytes refused: over the {event.get('limit')}-byte frame limit"
    if type_ == META_RECORDING_STOPPED:
        return str(event.get("message"))  # said once, whole: where the recording stopped and why
    for key in ("transcript", "text", "delta", "arguments"):
        value = event.get(key)
        if isinstance(value, str):
            return _short(repr(value))
    if type_ in ("response.done", "response.created"):
        resp = event.get("response") if isinstance(event.get("response"), dict) else {}
        usage = resp.get("usage") if isinstance(resp.get("usage"), dict) else {}
        tokens = f", {usage.get('total_tokens')} tokens" if usage.get("total_tokens") is not None else ""
        return f"status {resp.get('status')}{tokens}"
    if isinstance(event.get("session"), dict):
        return _short(_session_summary(event["session"]))
    return ""


def _session_summary(session: dict[str, Any]) -> str:
    """The settings people get wrong, in a few words (both dialects)."""
    audio = session.get("audio") if isinstance(session.get("audio"), dict) else {}
    inp = audio.get("input") if isinstance(audio.get("input"), dict) else {}
    fmt = inp.get("format", session.get("input_audio_format"))
    if isinstance(fmt, dict):
        fmt = f"{fmt.get('type')}" + (f"@{fmt['rate']}" if fmt.get("rate") else "")
    vad = inp.get("turn_detection", session.get("turn_detection", "-"))
    vad = vad.get("type") if isinstance(vad, dict) else vad
    asr = inp.get("transcription", session.get("input_audio_transcription", "-"))
    asr = asr.get("model") if isinstance(asr, dict) else asr
    parts = [
        f"model={session.get('model')}" if session.get("model") else "",
        f"out={session.get('output_modalities') or session.get('modalities')}"
        if (session.get("output_modalities") or session.get("modalities"))
        else "",
        f"in={fmt}" if fmt is not None else "",
        f"vad={vad}" if vad != "-" else "",
        f"transcription={asr or 'off'}" if asr != "-" else "",
    ]
    return " ".join(p for p in parts if p)


class HeadlessPrinter:
    """Prints every session's events to a stream, one flushed line each."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def line(self, text: str) -> None:
        self.stream.write(redact_text(text) + "\n")
        self.stream.flush()

    def follow(self, session: Any, what: str = "app connected") -> None:
        """Print a session's events, live doctor findings and closing summary (a hub subscriber)."""
        state = SessionState(dialect=session.dialect)  # one fold: the lines and the summary read it
        session.tap.add_sink(self.sink_for(session.id, state))
        for extra in (
            self.doctor_sink_for(session.id, session.dialect),
            self.summary_sink_for(session.id, session.dialect, state),
        ):
            if extra is not None:
                session.tap.add_sink(extra)
        where = f", recording to {session.record_path}" if session.record_path else ""
        self.line(f"[{session.id}] {what}: {session.path}{where}")

    def sink_for(self, session_id: int, state: SessionState | None = None):  # noqa: ANN201 - returns a tap sink
        def sink(rec: Tapped) -> None:
            summary = summarize(rec.event, state)
            self.line(
                f"[{session_id}] {rec.t:9.3f} {_ARROWS.get(rec.dir, rec.dir)} {rec.type}  {summary}".rstrip()
            )

        return sink

    def doctor_sink_for(self, session_id: int, dialect: str):  # noqa: ANN201 - returns a tap sink or None
        """The doctor, live: error/warning findings as they appear, the rest when the app disconnects."""
        from rtinspect.doctor import Doctor

        doctor = Doctor(dialect)
        shown: dict[Any, str] = {}  # ident -> severity last shown (a finding can escalate)

        def show(finding: Any) -> None:
            shown[finding.ident] = finding.severity
            self.line(f"[{session_id}] doctor {finding.severity}: {finding.code}: {finding.title}")

        sinks_off: list[Any] = []

        def sink(rec: Tapped) -> None:
            if sinks_off:
                return
            try:
                for finding in doctor.feed(rec):
                    if (
                        finding.severity in ("error", "warning")
                        and shown.get(finding.ident) != finding.severity
                    ):
                        show(finding)
                if rec.type == META_CONNECTION_CLOSED:
                    doctor.finish()
                    for finding in doctor.findings:
                        if shown.get(finding.ident) != finding.severity:
                            show(finding)
            except Exception as err:  # noqa: BLE001 - a doctor bug must not disturb the proxy
                self.line(f"[{session_id}] doctor stopped: {type(err).__name__}")
                sinks_off.append(sink)

        return sink

    def summary_sink_for(  # noqa: ANN201 - returns a tap sink
        self, session_id: int, dialect: str, state: SessionState | None = None
    ):
        """Folds the session state as events pass (``state``, shared with the lines); prints one
        summary line when the app disconnects."""
        if state is None:
            state = SessionState(dialect=dialect)
        broken: list[bool] = []

        def sink(rec: Tapped) -> None:
            if broken:
                return
            try:
                state.apply(rec)
                if rec.type == META_CONNECTION_CLOSED:
                    by_dir = state.counters.by_dir
                    self.line(
                        f"[{session_id}] summary: {by_dir.get('client', 0)} client / {by_dir.get('server', 0)} "
                        f"server events, {len(state.errors)} error(s), {state.usage.responses} response(s), "
                        f"{state.usage.total_tokens} tokens"
                    )
            except Exception:  # noqa: BLE001 - a state bug must not disturb the proxy
                broken.append(True)

        return sink


class Listener(Protocol):
    """What ``run_headless`` drives: the proxy and the capture collector."""

    async def start(self) -> Any: ...
    async def serve_forever(self) -> None: ...
    async def stop(self) -> None: ...


def run_headless(
    listener: Listener, printer: HeadlessPrinter, *, banner: Callable[[], Iterable[str]], stopped: str
) -> int:
    """Serve until Ctrl-C or SIGTERM, printing ``banner()`` once the listener listens (so the lines
    can name its real port) and ``stopped`` at the end. A port in use is the user's one-line error."""

    async def main() -> None:
        with contextlib.suppress(NotImplementedError, RuntimeError):  # stop cleanly on SIGTERM too
            task = asyncio.current_task()
            if task is not None:
                asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        try:
            await listener.start()
        except OSError as err:
            raise UserError(str(err.strerror or err)) from None
        for text in banner():
            printer.line(text)
        try:
            await listener.serve_forever()
        finally:
            await listener.stop()

    try:
        asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        printer.line(stopped)
    return 0
