"""The session behind ``rtinspect send``: connect, configure, stream each file, wait, report.

Kept apart from the command module so the command only parses flags; this drives a
``RealtimeClient`` over a tap whose sinks are the recorder and the printer.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from rtinspect.audio import AudioFormat, stream_bytes
from rtinspect.audio.load import AudioInfo, probe_audio
from rtinspect.audio.stream import clip_facts, encoded_blocks, wire_format
from rtinspect.errors import UserError
from rtinspect.protocol import Dialect
from rtinspect.secrets import redact_text, scrub_headers
from rtinspect.tap import META_AUDIO_SOURCE_STARTED, META_CONNECTION_CLOSED, EventTap, Tapped
from rtinspect.transport.client import RealtimeClient, TransportError
from rtinspect.transport.target import Target, resolve_target
from rtinspect.transport.turns import Turn, describe_error, render_turn, session_summary

LINGER_S = 0.25  # after a turn looks finished, for stragglers (rate_limits.updated, late errors)


@dataclass
class SendOptions:
    files: list[str]
    url: str | None = None
    dialect: str = "ga"
    model: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    transcribe: str | None = None
    vad: str | None = None  # "server" | "none" | None (leave the session's)
    input_rate: int | None = None
    realtime: bool = True
    chunk_ms: int = 40
    trailing_silence_ms: float | None = None  # None: what the session's VAD needs
    commit: bool | None = None
    response: bool | None = None
    resample: bool = True
    record: str | None = None
    json: bool = False
    timeout: float = 30.0
    script: Any = None  # rtinspect.server.script.Script for the embedded server (--script/--fault)
    env: dict[str, str] | None = None
    out: Callable[[str], None] | None = None
    err: Callable[[str], None] | None = None


class HeadlessSend:
    def __init__(self, opts: SendOptions) -> None:
        self.opts = opts
        self.dialect = Dialect(opts.dialect)
        self.out = opts.out or _print_out
        self.err = opts.err or _print_err
        self.failed = False
        self.tap = EventTap()
        self.clips: dict[str, AudioInfo] = {}

    async def run(self) -> int:
        # Refuse unreadable audio before connecting: one clear line, no half-made session. Only the
        # headers are read here; the samples are read and converted block by block as they are sent.
        self.clips = {
            path: await asyncio.to_thread(probe_audio, path) for path in dict.fromkeys(self.opts.files)
        }
        target = resolve_target(
            url=self.opts.url,
            model=self.opts.model,
            dialect=self.dialect,
            env=os.environ if self.opts.env is None else self.opts.env,
            headers=self.opts.headers,
        )
        if target is not None and self.opts.script is not None:
            raise UserError(
                "--script/--fault drive the embedded server: drop --url and unset OPENAI_API_KEY to use it"
            )
        server: Any = None
        writer: Any = None
        client: RealtimeClient | None = None
        try:
            if target is None:
                from rtinspect.server import EmbeddedServer

                server = EmbeddedServer(
                    port=0, legacy_beta=self.dialect is Dialect.BETA, script=self.opts.script
                )
                await server.start()
                target = Target.embedded(
                    server.url, dialect=self.dialect, model=self.opts.model or "gpt-realtime"
                )
                self.err(
                    f"rtinspect: no OPENAI_API_KEY and no --url: using the embedded local server at {server.url}"
                )
            if target.warning:
                self.err(f"rtinspect: warning: {target.warning}")
            writer = self._open_recorder(target)
            if self.opts.json:
                self.tap.add_sink(self._print_json)
            client = RealtimeClient(target, self.tap, keep_audio=False)
            await self._session(client, target)
        finally:
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.close()
            if writer is not None:
                writer.close()
            if server is not None:
                await server.stop()
        return 1 if self.failed else 0

    def _recording_stopped(self, message: str) -> None:
        """Disk full: the session goes on; say once where the recording stopped."""
        print(f"rtinspect: warning: {message}", file=sys.stderr, flush=True)

    def _open_recorder(self, target: Target) -> Any:
        if not self.opts.record:
            return None
        from rtinspect.log import LogWriter

        writer = LogWriter(
            self.opts.record,
            url=target.safe_url,
            dialect=target.dialect.value,
            model=target.model,
            headers=scrub_headers(target.headers),
            on_stopped=self._recording_stopped,
        )
        self.tap.add_sink(writer.write)
        return writer

    async def _session(self, client: RealtimeClient, target: Target) -> None:
        await client.connect()
        self._say(f"connected  {target.label}")
        try:
            first = await client.wait_for(
                lambda r: r.dir == "server" or r.dir == "meta" and "closed" in r.type,
                timeout=self.opts.timeout,
            )
        except TimeoutError:
            self._fail(f"no event from the server within {self.opts.timeout:g} s of connecting")
            return
        if first.type == "error" or first.dir == "meta":
            self._fail(
                f"error      {describe_error(first)}"
                if first.type == "error"
                else "closed before session.created"
            )
            if first.type == "error" and not any(
                k.lower() in ("authorization", "api-key") for k in target.headers
            ):
                self._say(
                    "hint       no credential was sent: set OPENAI_API_KEY or pass --header 'Authorization: Bearer KEY'"
                )
            await self._drain_close(client)
            return
        update = self._session_update()
        if update is not None:
            await client.send(update)
            try:
                reply = await client.wait_for(
                    lambda r: (
                        r.type in ("session.updated", "transcription_session.updated")
                        or (
                            r.type == "error"
                            and (r.event.get("error") or {}).get("event_id") == "rtinspect_update"
                        )
                    ),
                    timeout=self.opts.timeout,
                )
            except (TimeoutError, TransportError) as err:
                self._fail(f"session.update got no answer: {err}")
                return
            if reply.type == "error":
                self._fail(
                    "session.update refused: " + describe_error(reply) + " (the whole update was dropped)"
                )
        self._describe_session(client)
        for path in self.opts.files:
            if not client.connected:
                break
            await self._one_file(client, path)
        await client.close()
        code, reason = await client.closed
        closing = next((r for r in reversed(client.events) if r.type == META_CONNECTION_CLOSED), None)
        by = closing.event.get("by") if closing is not None else None
        self._say(f"closed     {code}{' ' + reason if reason else ''} by {by}")
        if by != "client" or code not in (1000, None):
            self.failed = True

    def _session_update(self) -> dict[str, Any] | None:
        o = self.opts
        if not (o.transcribe or o.vad or o.input_rate):
            return None
        turn: dict[str, Any] | None = {"type": "server_vad"} if o.vad == "server" else None
        if self.dialect is Dialect.BETA:
            session: dict[str, Any] = {}
            if o.transcribe:
                session["input_audio_transcription"] = {"model": o.transcribe}
            if o.vad:
                session["turn_detection"] = turn
            if o.input_rate:
                session["input_audio_format"] = "pcm16"
        else:
            audio_in: dict[str, Any] = {}
            if o.input_rate:
                audio_in["format"] = {"type": "audio/pcm", "rate": o.input_rate}
            if o.transcribe:
                audio_in["transcription"] = {"model": o.transcribe}
            if o.vad:
                audio_in["turn_detection"] = turn
            session = {"type": "realtime", "audio": {"input": audio_in}}
        return {"type": "session.update", "event_id": "rtinspect_update", "session": session}

    def _describe_session(self, client: RealtimeClient) -> None:
        session, transcribing, turn = session_summary(client.events, self.dialect)
        if session is None:
            return
        from rtinspect.audio.formats import input_format_of

        fmt = input_format_of(session, self.dialect)
        vad = (turn or {}).get("type", "server_vad") if turn is not None else "off (manual commit)"
        self._say(
            f"session    {session.get('id', '?')}  input {fmt.encoding} {fmt.rate} Hz, "
            f"transcription {'on' if transcribing else 'off'}, turn detection {vad}"
        )

    async def _one_file(self, client: RealtimeClient, path: str) -> None:
        o = self.opts
        _, transcribing, turn = session_summary(client.events, self.dialect)
        from rtinspect.audio.formats import input_format_of, latest_session

        fmt = input_format_of(latest_session(client.events), self.dialect)
        try:
            clip = self.clips.get(path) or await asyncio.to_thread(probe_audio, path)
        except Exception as err:  # noqa: BLE001 - AudioError is a one-liner; anything else becomes one
            self._fail(redact_text(str(err)).splitlines()[0] if str(err) else type(err).__name__)
            return
        sent_fmt = self._wire_format(clip, fmt)
        vad = turn is not None
        start = len(client.events)
        self.tap.meta(META_AUDIO_SOURCE_STARTED, source="file", path=path, **clip_facts(clip, sent_fmt, fmt))
        try:
            result = await stream_bytes(
                client,
                encoded_blocks(path, sent_fmt, clip.rate),
                fmt=fmt,
                chunk_ms=o.chunk_ms,
                realtime=o.realtime,
                trailing_silence_ms=o.trailing_silence_ms,
                commit=o.commit,
                response=o.response,
                vad=vad,
                silence_duration_ms=float((turn or {}).get("silence_duration_ms") or 500),
                meta={"source": "file", "path": path},
            )
        except TransportError as err:
            self._fail(str(err))
            return
        except Exception as err:  # noqa: BLE001 - a file that breaks mid-way: one line, like AudioError
            self._fail(redact_text(str(err)).splitlines()[0] if str(err) else type(err).__name__)
            return
        resample = (
            ""
            if sent_fmt.rate == fmt.rate
            else f" (NOT resampled: {sent_fmt.rate} Hz samples declared as {fmt.rate} Hz)"
        )
        self._say(
            f"file       {path}  {clip.duration_ms / 1000:.2f} s {clip.rate} Hz {clip.channels} ch {clip.info} -> "
            f"{fmt.encoding} {fmt.rate} Hz{resample}, {result.appends} appends"
            + (f", +{result.silence_ms / 1000:.2f} s silence" if result.silence_ms else "")
            + (", commit" if result.committed else "")
            + (", response.create" if result.response_requested else "")
        )
        expect_response = result.response_requested or (
            vad and bool((turn or {}).get("create_response", True))
        )
        done = await self._wait_turn(client, start, expect_response, vad or result.committed, transcribing)
        turn_state = self._fold(client.events, start)
        for line in render_turn(turn_state, transcribing=transcribing, fix_hint=self._transcription_hint()):
            self._say(line)
        if turn_state.errors:
            self.failed = True
        if not done:
            what = "a response" if expect_response else "the turn to end"
            self._fail(
                f"  timeout   waited {o.timeout:g} s for {what}"
                + (" (no speech detected?)" if vad and not turn_state.speech else "")
            )

    def _wire_format(self, clip: AudioInfo, fmt: AudioFormat) -> AudioFormat:
        return wire_format(clip, fmt, resample=self.opts.resample)  # --no-resample: the naive client

    async def _wait_turn(
        self,
        client: RealtimeClient,
        start: int,
        expect_response: bool,
        expect_commit: bool,
        transcribing: bool,
    ) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.opts.timeout
        turn = Turn(start)  # the whole connection is folded; the turn reads from ``start``
        folded = 0
        while True:
            for rec in client.events[folded:]:  # incremental: each event is folded once
                turn.fold(rec)
            folded = len(client.events)
            failed_response = any(s.startswith("rtinspect_response_") for s in turn.failed_steps)
            failed_commit = any(s.startswith("rtinspect_commit_") for s in turn.failed_steps)
            if turn.finished(
                expect_response=expect_response and not failed_response,
                expect_commit=expect_commit and not (failed_commit and not expect_response),
                transcribing=transcribing,
            ):
                await asyncio.sleep(LINGER_S)
                return True
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            with contextlib.suppress(TimeoutError, TransportError):
                await client.wait_for(lambda r: True, timeout=min(remaining, 1.0), since=folded)

    @staticmethod
    def _fold(events: list[Tapped], start: int) -> Turn:
        turn = Turn(start)
        for rec in events:
            turn.fold(rec)
        return turn

    def _transcription_hint(self) -> str:
        if self.dialect is Dialect.BETA:
            return (
                'send session.update {"input_audio_transcription": {"model": "whisper-1"}} (or --transcribe)'
            )
        return (
            'send session.update {"type": "realtime", "audio": {"input": {"transcription": '
            '{"model": "whisper-1"}}}} (or --transcribe)'
        )

    async def _drain_close(self, client: RealtimeClient) -> None:
        with contextlib.suppress(TimeoutError):
            code, reason = await asyncio.wait_for(asyncio.shield(client.closed), 2.0)
            self._say(f"closed     {code}{' ' + reason if reason else ''} by server")

    def _say(self, line: str) -> None:
        if not self.opts.json:
            self.out(redact_text(line))

    def _fail(self, line: str) -> None:
        self.failed = True
        if self.opts.json:
            self.err(f"rtinspect: {redact_text(line.strip())}")
        else:
            self.out(redact_text(line))

    def _print_json(self, rec: Tapped) -> None:
        from rtinspect.log import scrub_for_log

        line = orjson.dumps(
            {"t": round(rec.t, 6), "dir": rec.dir, "type": rec.type, "event": scrub_for_log(rec.event)}
        )
        self.out(line.decode())


def _print_out(line: str) -> None:
    try:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        pass


def _print_err(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
