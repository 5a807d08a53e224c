"""No credential reaches the file: headers, URL query, client secrets, key-shaped text."""

from __future__ import annotations

import base64
from pathlib import Path

from rtinspect.log import LogReader, LogWriter
from rtinspect.log.writer import scrub_for_log
from rtinspect.tap import EventTap

CANARY = "sk-canary-7f3a9b2c4d5e6f708192"
EPHEMERAL = "ek_canary_0123456789abcdef"


def test_canary_key_never_reaches_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    tap = EventTap()
    with LogWriter(
        path,
        url=f"wss://api.example/v1/realtime?model=gpt-realtime&api-key={CANARY}",
        dialect="ga",
        model="gpt-realtime",
        headers={"Authorization": f"Bearer {CANARY}", "OpenAI-Beta": "realtime=v1", "X-Note": f"k={CANARY}"},
    ) as writer:
        tap.add_sink(writer.write)
        tap.meta(
            "rtinspect.connection.opened",
            url=f"wss://h/v1/realtime?model=m&api-key={CANARY}",
            headers={"authorization": f"Bearer {CANARY}"},
        )
        tap.tap("server", {"type": "client_secret", "client_secret": {"value": EPHEMERAL, "expires_at": 1}})
        tap.tap("server", {"type": "x", "value": EPHEMERAL})
        tap.tap("client", {"type": CANARY})
        tap.tap(
            "server",
            {
                "type": "error",
                "error": {
                    "type": "invalid_request_error",
                    "message": f"Incorrect API key provided: {CANARY}.",
                },
            },
        )
        tap.tap("client", {"type": "input_audio_buffer.append", "audio": f"not base64 {CANARY}"})
        tap.tap("server", {"type": "response.output_audio.delta", "delta": "AAAA", "note": CANARY})
        tap.meta("rtinspect.transport.error", message=f"handshake failed for Bearer {CANARY}")
    data = path.read_bytes()
    assert b"canary" not in data
    assert data.count(b"[redacted]") >= 9
    with LogReader.open(path) as reader:
        assert reader.header["headers"]["OpenAI-Beta"] == "realtime=v1"
        assert reader.header["model"] == "gpt-realtime"
        assert "model=gpt-realtime" in reader.header["url"]
        assert len(reader) == 8


def test_audio_payload_is_kept_verbatim_and_event_not_mutated() -> None:
    audio = base64.b64encode(bytes(range(256)) * 20).decode()
    event = {"type": "input_audio_buffer.append", "event_id": "e1", "audio": audio}
    out = scrub_for_log(event)
    assert out == event and out is not event and list(out) == list(event)
    event2 = {"type": "response.output_audio.delta", "delta": audio, "api_key": "x" * 10}
    out2 = scrub_for_log(event2)
    assert out2["delta"] is audio and out2["api_key"] == "[redacted]" and event2["api_key"] == "x" * 10
