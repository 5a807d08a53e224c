"""Fuzz: arbitrary JSON values, event-shaped junk and bytes never crash the server or close the socket;
every answer to junk is a well-formed error event."""

from __future__ import annotations

import asyncio
import base64
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.sync.client import connect

from rtinspect.server import ServerThread

from .server_helpers import AUTH

TYPES = [
    "session.update",
    "input_audio_buffer.append",
    "input_audio_buffer.commit",
    "input_audio_buffer.clear",
    "conversation.item.create",
    "conversation.item.retrieve",
    "conversation.item.truncate",
    "conversation.item.delete",
    "response.create",
    "response.cancel",
    "transcription_session.update",
    "nonsense",
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
event_like = st.builds(
    lambda t, extra: {"type": t, **extra},
    st.sampled_from(TYPES),
    st.dictionaries(
        st.sampled_from(
            ["session", "audio", "item", "item_id", "response", "event_id", "audio_end_ms", "content_index"]
        ),
        json_values,
        max_size=3,
    ),
)
appends = st.binary(min_size=0, max_size=20000).map(
    lambda b: json.dumps({"type": "input_audio_buffer.append", "audio": base64.b64encode(b).decode()})
)
frames = st.one_of(
    json_values.map(json.dumps),
    event_like.map(json.dumps),
    appends,
    st.text(max_size=50),
    st.binary(max_size=50),
)

_server: ServerThread | None = None


def _srv() -> ServerThread:
    global _server
    if _server is None:
        _server = ServerThread(transcriber="none").start()
    return _server


def _well_formed_error(ev: dict) -> bool:
    err = ev.get("error")
    return (
        ev.get("type") == "error"
        and isinstance(ev.get("event_id"), str)
        and isinstance(err, dict)
        and set(err) == {"type", "code", "message", "param", "event_id"}
        and isinstance(err["message"], str)
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(frames, min_size=1, max_size=6), st.booleans())
def test_junk_never_closes_the_connection(batch: list, vad: bool) -> None:
    srv = _srv()
    with connect(srv.url + "?model=gpt-realtime", additional_headers=AUTH, max_size=None) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "session.created"
        if not vad:  # with VAD on, random audio also drives speech events, commits and responses
            off = {"type": "realtime", "audio": {"input": {"turn_detection": None}}}
            ws.send(json.dumps({"type": "session.update", "session": off}))
            assert json.loads(ws.recv(timeout=10))["type"] == "session.updated"
        for frame in batch:
            ws.send(frame)
        # a sentinel that always answers: proves the socket is up and every earlier answer came first
        ws.send(
            json.dumps({"type": "conversation.item.retrieve", "item_id": "sentinel", "event_id": "sentinel"})
        )
        while True:
            ev = json.loads(ws.recv(timeout=15))
            if ev.get("type") == "error":
                assert _well_formed_error(ev), ev
                if ev["error"]["event_id"] == "sentinel":
                    break
            else:
                assert isinstance(ev.get("event_id"), str), ev
        assert ws.close_code is None


def teardown_module() -> None:
    global _server
    if _server is not None:
        _server.stop()
        _server = None
    asyncio.set_event_loop(None)
