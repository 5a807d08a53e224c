"""Synthetic sessions for doctor tests: the events a GA (or beta) server and client would exchange,
built in order with timestamps, for situations the embedded server cannot produce on demand."""

from __future__ import annotations

import base64
import copy
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from rtinspect.doctor import Doctor, Finding, diagnose
from rtinspect.log import LogReader, LogWriter
from rtinspect.tap import META_CONNECTION_CLOSED, META_CONNECTION_OPENED, AudioRun, Tapped

GA_SESSION: dict[str, Any] = {
    "type": "realtime",
    "object": "realtime.session",
    "id": "sess_1",
    "model": "gpt-realtime",
    "output_modalities": ["audio"],
    "instructions": "",
    "expires_at": 0,
    "audio": {
        "input": {
            "format": {"type": "audio/pcm", "rate": 24000},
            "transcription": None,
            "noise_reduction": None,
            "turn_detection": {
                "type": "server_vad",
                "threshold": 0.5,
                "prefix_padding_ms": 300,
                "silence_duration_ms": 200,
                "create_response": True,
                "interrupt_response": True,
                "idle_timeout_ms": None,
            },
        },
        "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "alloy", "speed": 1.0},
    },
}
BETA_SESSION: dict[str, Any] = {
    "id": "sess_1",
    "object": "realtime.session",
    "model": "gpt-4o-realtime-preview",
    "modalities": ["text", "audio"],
    "voice": "alloy",
    "input_audio_format": "pcm16",
    "output_audio_format": "pcm16",
    "input_audio_transcription": None,
    "turn_detection": {
        "type": "server_vad",
        "threshold": 0.5,
        "prefix_padding_ms": 300,
        "silence_duration_ms": 200,
    },
}


def speechlike(
    ms: int, rate: int = 24000, f0: float = 140.0, level: float = 0.3, seed: int = 1
) -> np.ndarray:
    """A voiced, speech-like int16 signal: harmonics of ``f0`` with a syllable envelope."""
    n = int(rate * ms / 1000)
    t = np.arange(n) / rate
    x = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 12) if f0 * k < rate / 2)
    env = 0.55 + 0.45 * np.sin(2 * np.pi * 3.0 * t)
    rng = np.random.default_rng(seed)
    x = x * env / 3.0 + rng.normal(0, 0.01, n)
    return (np.clip(x * level, -1, 1) * 32767).astype("<i2")


def zeros(ms: int, rate: int = 24000) -> np.ndarray:
    return np.zeros(int(rate * ms / 1000), dtype="<i2")


class Synth:
    """Builds one session's records; ``diagnose()`` / ``codes()`` run the doctor over them."""

    def __init__(
        self, dialect: str = "ga", *, session: dict[str, Any] | None = None, created: bool = True
    ) -> None:
        self.dialect = dialect
        self.recs: list[Tapped] = []
        self.t = 0.0
        self.n = 0
        self.meta(META_CONNECTION_OPENED, headers={"Authorization": "[redacted]"}, dialect=dialect)
        self.session = copy.deepcopy(session or (GA_SESSION if dialect == "ga" else BETA_SESSION))
        if created:
            self.server("session.created", session=self.session)

    # -- raw events --------------------------------------------------------------------------------
    def _add(self, direction: str, event: dict[str, Any], dt: float) -> int:
        self.t += dt
        self.recs.append(Tapped(self.t, direction, event))  # type: ignore[arg-type]
        return len(self.recs) - 1

    def client(self, type_: str, dt: float = 0.01, **fields: Any) -> int:
        return self._add("client", {"type": type_, **fields}, dt)

    def server(self, type_: str, dt: float = 0.01, **fields: Any) -> int:
        self.n += 1
        return self._add("server", {"type": type_, "event_id": f"event_{self.n}", **fields}, dt)

    def meta(self, type_: str, dt: float = 0.0, **fields: Any) -> int:
        return self._add("meta", {"type": type_, **fields}, dt)

    def error(
        self,
        code: str | None,
        message: str,
        param: str | None = None,
        event_id: str | None = None,
        type_: str = "invalid_request_error",
    ) -> int:
        return self.server(
            "error",
            error={"type": type_, "code": code, "message": message, "param": param, "event_id": event_id},
        )

    def closed(self, code: int, reason: str = "", by: str = "server") -> int:
        return self.meta(META_CONNECTION_CLOSED, dt=0.01, code=code, reason=reason, by=by)

    # -- higher level ---------------------------------------------------------------------------
    def update(
        self, session: dict[str, Any], *, accept: bool = True, effective: dict[str, Any] | None = None
    ) -> int:
        pos = self.client("session.update", session=session)
        if accept:
            self.server("session.updated", session=effective or self.merged(session))
        return pos

    def merged(self, patch: dict[str, Any]) -> dict[str, Any]:
        def merge(a: Any, b: Any) -> Any:
            if isinstance(a, dict) and isinstance(b, dict):
                out = dict(a)
                for k, v in b.items():
                    out[k] = merge(a.get(k), v) if isinstance(v, dict) and isinstance(a.get(k), dict) else v
                return out
            return b

        self.session = merge(self.session, patch)
        return copy.deepcopy(self.session)

    def append(
        self,
        pcm: bytes | np.ndarray,
        *,
        chunk_ms: float = 40,
        rate: int = 24000,
        width: int = 2,
        realtime: bool = True,
        true_rate: int | None = None,
    ) -> list[int]:
        """Append audio in chunks; with ``realtime`` the clock advances by each chunk's TRUE duration."""
        data = pcm.tobytes() if isinstance(pcm, np.ndarray) else pcm
        size = int(rate * chunk_ms / 1000) * width
        step = chunk_ms / 1000 * (rate / (true_rate or rate)) if realtime else 0.0005
        out = []
        for i in range(0, len(data), size):
            out.append(
                self.client(
                    "input_audio_buffer.append", dt=step, audio=base64.b64encode(data[i : i + size]).decode()
                )
            )
        return out

    def user_turn(
        self,
        item: str = "item_u1",
        transcript: str | None = "hello",
        respond: bool = True,
        audio_ms: int = 400,
    ) -> str:
        """Server side of one VAD turn (speech, commit, item, response, transcript)."""
        self.server("input_audio_buffer.speech_started", audio_start_ms=0, item_id=item)
        self.server("input_audio_buffer.speech_stopped", audio_end_ms=800, item_id=item)
        self.server("input_audio_buffer.committed", previous_item_id=None, item_id=item)
        user = {
            "id": item,
            "type": "message",
            "role": "user",
            "content": [{"type": "input_audio", "transcript": None}],
        }
        added = "conversation.item.added" if self.dialect == "ga" else "conversation.item.created"
        self.server(added, previous_item_id=None, item=user)
        if self.dialect == "ga":
            self.server("conversation.item.done", previous_item_id=None, item=user)
        if transcript is not None:
            self.server(
                "conversation.item.input_audio_transcription.completed",
                item_id=item,
                content_index=0,
                transcript=transcript,
            )
        return self.response(audio_ms=audio_ms) if respond else ""

    def response(
        self,
        rid: str | None = None,
        *,
        audio_ms: int = 400,
        status: str = "completed",
        details: dict[str, Any] | None = None,
        usage: dict[str, Any] | None = None,
        item: str | None = None,
        calls: list[tuple[str, str]] = (),
    ) -> str:
        rid = rid or f"resp_{len(self.recs)}"
        item = item or f"item_a{len(self.recs)}"
        self.server("response.created", response={"id": rid, "status": "in_progress", "output": []})
        if audio_ms:
            content = "output_audio" if self.dialect == "ga" else "audio"
            self.server(
                "response.output_item.added",
                response_id=rid,
                output_index=0,
                item={"id": item, "type": "message", "role": "assistant", "content": [{"type": content}]},
            )
        delta = "response.output_audio.delta" if self.dialect == "ga" else "response.audio.delta"
        audio = base64.b64encode(bytes(48 * 100)).decode()
        for _ in range(audio_ms // 100):
            self.server(
                delta, dt=0.05, response_id=rid, item_id=item, output_index=0, content_index=0, delta=audio
            )
        for call_id, name in calls:
            self.server(
                "response.function_call_arguments.done",
                response_id=rid,
                item_id=f"fc_{call_id}",
                output_index=0,
                call_id=call_id,
                name=name,
                arguments="{}",
            )
        self.server(
            "response.done",
            response={
                "id": rid,
                "status": status,
                "status_details": details,
                "output": [],
                "usage": usage
                or {
                    "total_tokens": 30,
                    "input_tokens": 20,
                    "output_tokens": 10,
                    "input_token_details": {"text_tokens": 5, "audio_tokens": 15, "cached_tokens": 0},
                    "output_token_details": {"text_tokens": 4, "audio_tokens": 6},
                },
            },
        )
        return rid

    # -- running -------------------------------------------------------------------------------
    def diagnose(self) -> list[Finding]:
        found = diagnose(self.recs, None if self.dialect is None else self.dialect)
        assert from_log(self.recs, self.dialect) == found, (
            "a recorded log's audio runs must diagnose the same"
        )
        return found

    def codes(self, *, include_info: bool = False) -> set[str]:
        return {f.code for f in self.diagnose() if include_info or f.severity != "info"}

    def find(self, code: str) -> Finding:
        found = [f for f in self.diagnose() if f.code == code]
        assert found, f"no {code}; got {sorted(f.code for f in self.diagnose())}"
        return found[0]

    def live(self) -> Doctor:
        doctor = Doctor(self.dialect)
        for rec in self.recs:
            doctor.feed(rec)
        return doctor


def from_log(recs: list[Tapped], dialect: str | None) -> list[Finding]:
    """The findings of ``recs`` written to a log and read back as ``rtinspect doctor`` reads it:
    audio in runs measured from the bytes (``LogReader.iter_fold``, ``Doctor.feed_run``)."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "s.jsonl"
        with LogWriter(path, dialect=dialect) as writer:
            for rec in recs:
                writer.write(rec)
        with LogReader.open(path) as reader:
            doctor = Doctor(dialect)
            for item in reader.iter_fold():
                if isinstance(item, AudioRun):
                    doctor.feed_run(item)
                else:
                    doctor.feed(item)
            doctor.finish()
            return doctor.findings
