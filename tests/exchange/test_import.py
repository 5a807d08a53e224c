"""HAR files as Chrome saves them, and other tools' event logs, become rtinspect logs."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtinspect.errors import UserError
from rtinspect.exchange.importer import import_file, read_sessions
from rtinspect.exchange.logio import read_log

KEY = "sk-canaryHAR0123456789abcdef"
T0 = 1_764_000_000.0

EVENTS = [
    (
        "receive",
        0.05,
        {"type": "session.created", "event_id": "event_A1", "session": {"model": "gpt-realtime"}},
    ),
    ("send", 0.10, {"type": "session.update", "session": {"type": "realtime", "instructions": "be brief"}}),
    (
        "receive",
        0.12,
        {"type": "session.updated", "event_id": "event_A2", "session": {"model": "gpt-realtime"}},
    ),
    ("send", 0.30, {"type": "input_audio_buffer.append", "audio": base64.b64encode(bytes(4800)).decode()}),
    ("send", 0.31, {"type": "input_audio_buffer.commit"}),
    (
        "receive",
        0.33,
        {"type": "error", "event_id": "event_A3", "error": {"code": "input_audio_buffer_commit_empty"}},
    ),
]


def chrome_har(tmp_path: Path, *, extra_socket: bool = True) -> Path:
    """A HAR in the shape Chrome DevTools writes: pages, an XHR, a dev-server socket, the Realtime socket."""
    messages = [
        {"type": kind, "time": T0 + dt, "opcode": 1, "data": json.dumps(ev)} for kind, dt, ev in EVENTS
    ]
    messages.append(
        {"type": "send", "time": T0 + 0.4, "opcode": 2, "data": base64.b64encode(b"\x00\x01\x02").decode()}
    )
    realtime = {
        "_initiator": {"type": "script"},
        "_resourceType": "websocket",
        "cache": {},
        "connection": "443",
        "request": {
            "method": "GET",
            "url": "wss://api.openai.com/v1/realtime?model=gpt-realtime",
            "httpVersion": "HTTP/1.1",
            "headers": [
                {"name": "Host", "value": "api.openai.com"},
                {"name": "Sec-WebSocket-Protocol", "value": f"realtime, openai-insecure-api-key.{KEY}"},
                {"name": "Upgrade", "value": "websocket"},
            ],
            "queryString": [{"name": "model", "value": "gpt-realtime"}],
            "cookies": [],
            "headersSize": -1,
            "bodySize": 0,
        },
        "response": {
            "status": 101,
            "statusText": "Switching Protocols",
            "headers": [],
            "content": {"size": 0},
        },
        "serverIPAddress": "1.2.3.4",
        "startedDateTime": "2025-11-24T16:00:00.000Z",
        "time": 1200.5,
        "timings": {"blocked": -1, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 50, "receive": 0},
        "_webSocketMessages": messages,
    }
    entries = [
        {
            "request": {"method": "GET", "url": "https://example.com/", "headers": []},
            "response": {"status": 200},
        },
    ]
    if extra_socket:
        entries.append(
            {
                "_resourceType": "websocket",
                "request": {"method": "GET", "url": "ws://localhost:5173/", "headers": []},
                "startedDateTime": "2025-11-24T16:00:00.000Z",
                "_webSocketMessages": [
                    {"type": "receive", "time": T0, "opcode": 1, "data": '{"type":"connected"}'}
                ],
            }
        )
    entries.append(realtime)
    har = {
        "log": {
            "version": "1.2",
            "creator": {"name": "WebInspector", "version": "537.36"},
            "pages": [],
            "entries": entries,
        }
    }
    path = tmp_path / "capture.har"
    path.write_text(json.dumps(har, indent=2))
    return path


def test_har_round_trip_keeps_every_realtime_frame_in_order_with_times(tmp_path: Path) -> None:
    har = chrome_har(tmp_path)
    [(session, out)] = import_file(har, tmp_path / "out.jsonl")
    log = read_log(out)
    assert log.header["url"] == "wss://api.openai.com/v1/realtime?model=gpt-realtime"
    assert log.header["model"] == "gpt-realtime" and log.header["dialect"] == "ga"
    wire = [r for r in log.records if r.dir != "meta"]
    assert [(r.dir, r.event) for r in wire] == [
        ("client" if kind == "send" else "server", ev) for kind, _, ev in EVENTS
    ]
    assert [round(r.t, 3) for r in wire] == [dt for _, dt, _ in EVENTS]
    binary = [r.event for r in log.records if r.type == "rtinspect.binary_frame"]
    assert binary == [
        {
            "type": "rtinspect.binary_frame",
            "dir": "client",
            "opcode": "binary",
            "size": 3,
            "preview_hex": "000102",
        }
    ]
    assert KEY not in out.read_text()


def test_har_with_two_realtime_sockets_gives_two_logs(tmp_path: Path) -> None:
    har = chrome_har(tmp_path, extra_socket=False)
    doc = json.loads(har.read_text())
    doc["log"]["entries"].append(json.loads(json.dumps(doc["log"]["entries"][-1])))
    har.write_text(json.dumps(doc))
    results = import_file(har, tmp_path / "s.jsonl")
    assert [p.name for _, p in results] == ["s.jsonl", "s-2.jsonl"]


def test_har_without_a_realtime_socket_says_so(tmp_path: Path) -> None:
    path = tmp_path / "x.har"
    path.write_text(json.dumps({"log": {"entries": [{"request": {"url": "https://a/"}}]}}))
    with pytest.raises(UserError, match="no Realtime WebSocket"):
        read_sessions(path)


def test_realtime_console_records(tmp_path: Path) -> None:
    """openai-realtime-console keeps {time, source, count?, event}; it saves them as a JSON array."""
    records = [
        {"time": "2025-01-01T10:00:00.000Z", "source": "server", "event": EVENTS[0][2]},
        {"time": "2025-01-01T10:00:00.250Z", "source": "client", "event": EVENTS[1][2]},
        {"time": "2025-01-01T10:00:01.500Z", "source": "client", "count": 12, "event": EVENTS[3][2]},
    ]
    path = tmp_path / "console.json"
    path.write_text(json.dumps(records))
    [(session, out)] = import_file(path)
    assert out == tmp_path / "console.rtinspect.jsonl"
    log = read_log(out)
    assert [(r.dir, r.type, round(r.t, 3)) for r in log.records] == [
        ("server", "session.created", 0.0),
        ("client", "session.update", 0.25),
        ("client", "input_audio_buffer.append", 1.5),
    ]


def test_raw_jsonl_infers_direction_from_the_type(tmp_path: Path) -> None:
    path = tmp_path / "dump.jsonl"
    path.write_text("\n".join(json.dumps(ev) for _, _, ev in EVENTS) + "\n")
    [(session, out)] = import_file(path)
    assert [r.dir for r in read_log(out).records] == [
        "server", "client", "server", "client", "client", "server"
    ]  # fmt: skip
    assert session.format == "raw (no times)"


def test_wrapped_jsonl_with_direction_words_and_epoch_ms(tmp_path: Path) -> None:
    lines = [
        {"direction": "received", "timestamp": 1_700_000_000_000, "data": json.dumps(EVENTS[0][2])},
        {"direction": "sent", "timestamp": 1_700_000_000_500, "event": EVENTS[1][2]},
    ]
    path = tmp_path / "w.jsonl"
    path.write_text(
        "\n".join(json.dumps(x) for x in lines) + "\n" + '{"direction": "sent", "ev'
    )  # truncated tail
    [(session, out)] = import_file(path, tmp_path / "w-out.jsonl")
    assert [(r.dir, r.type, r.t) for r in read_log(out).records] == [
        ("server", "session.created", 0.0),
        ("client", "session.update", 0.5),
    ]


@pytest.mark.parametrize(
    "content,match",
    [
        ("", "empty"),
        ("hello there", "not JSON"),
        ('{"rtinspect_log": 1}\n{"t":0}\n', "already an rtinspect log"),
        ("[1, 2]", "no Realtime events"),
    ],
)
def test_bad_inputs_are_one_line_user_errors(tmp_path: Path, content: str, match: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    with pytest.raises(UserError, match=match):
        read_sessions(path)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.one_of(
            st.dictionaries(
                st.sampled_from(["type", "event", "source", "time", "data", "direction"]),
                st.one_of(
                    st.none(),
                    st.integers(),
                    st.text(max_size=5),
                    st.floats(allow_nan=False),
                    st.dictionaries(st.just("type"), st.text(max_size=8)),
                ),
            ),
            st.integers(),
            st.text(max_size=5),
        ),
        max_size=8,
    )
)
def test_any_json_lines_give_a_session_or_a_user_error(tmp_path: Path, values: list) -> None:
    path = tmp_path / "any.jsonl"
    path.write_text("\n".join(json.dumps(v) for v in values))
    try:
        sessions = read_sessions(path)
    except UserError as err:
        assert "\n" not in str(err)
        return
    for rec in sessions[0].records:
        assert rec.dir in ("client", "server") and isinstance(rec.event["type"], str)
        assert rec.t >= 0


def test_import_command(tmp_path: Path) -> None:
    har = chrome_har(tmp_path)
    out = subprocess.run(
        [sys.executable, "-m", "rtinspect", "import", str(har), "-o", str(tmp_path / "cli.jsonl")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "3 client and 3 server events" in out.stdout
    assert KEY not in out.stdout + out.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "rtinspect", "import", str(tmp_path / "nope.har")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and bad.stderr.startswith("rtinspect: cannot read")


_message = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["send", "receive", "other", 3]),
        "time": st.one_of(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12), st.text(max_size=3), st.none()),
        "opcode": st.sampled_from([1, 2, 8, "1", None]),
        "data": st.one_of(st.text(max_size=30), st.just('{"type":"session.created"}'), st.just("AAEC"), st.integers(), st.none()),
    },
)  # fmt: skip


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(_message, max_size=6),
    st.sampled_from(["wss://api.openai.com/v1/realtime?model=m", "ws://x/", 5]),
)
def test_any_chrome_like_har_gives_ordered_sessions_or_a_user_error(
    tmp_path: Path, messages: list, url
) -> None:
    doc = {
        "log": {
            "entries": [{"request": {"url": url}, "startedDateTime": "bad", "_webSocketMessages": messages}]
        }
    }
    path = tmp_path / "any.har"
    path.write_text(json.dumps(doc))
    try:
        sessions = read_sessions(path)
    except UserError as err:
        assert "\n" not in str(err)
        return
    for session in sessions:
        times = [r.t for r in session.records]
        assert times == sorted(times) and all(t >= 0 for t in times)
        assert all(r.dir in ("client", "server", "meta") for r in session.records)


def test_saved_console_session_object_pretty_printed(tmp_path: Path) -> None:
    doc = {
        "id": "abc",
        "title": "demo",
        "timestamp": "2025-01-01T10:00:00Z",
        "events": [{**ev, "timestamp": "10:00:01 AM"} for _, _, ev in EVENTS[:3]],
        "conversationItems": {},
    }
    path = tmp_path / "session.json"
    path.write_text(json.dumps(doc, indent=2))
    [(session, out)] = import_file(path)
    assert [(r.dir, r.type) for r in read_log(out).records] == [
        ("server", "session.created"),
        ("client", "session.update"),
        ("server", "session.updated"),
    ]
