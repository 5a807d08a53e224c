"""An event nested as deep as the JSON parser takes (orjson: 1024 levels) is a readable line: every
reader and view of it (the doctor, export to Markdown, replay) works, with what lies below the caps
said in place (``… N more levels``), instead of a RecursionError (exit 70) or a hang."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from rtinspect.log import LogReader
from rtinspect.log.reader import READ_DEPTH
from rtinspect.shown import MAX_DEPTH, capped, depth

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))

from sessions import broken_session, write_log  # noqa: E402

NESTED = 990
DEEP_OBJ = b'{"a":' * NESTED + b"1" + b"}" * NESTED
DEEP_ARR = b"[" * NESTED + b"]" * NESTED


def deep_log(tmp_path: Path) -> Path:
    path = write_log(tmp_path / "deep.jsonl", broken_session())
    with path.open("ab") as f:
        session = b'{"type":"realtime","audio":{"input":{"turn_detection":' + DEEP_OBJ + b"}}}"
        f.write(b'{"t":98.0,"dir":"client","type":"session.update","event":{"type":"session.update","session":' + session + b"}}\n")  # fmt: skip
        f.write(b'{"t":98.5,"dir":"server","type":"session.updated","event":{"type":"session.updated","session":' + session + b"}}\n")  # fmt: skip
        f.write(b'{"t":99.0,"dir":"server","type":"response.done","event":{"type":"response.done","response":{"id":"r9","status":"failed","status_details":' + DEEP_ARR + b"}}}\n")  # fmt: skip
        f.write(b'{"t":99.1,"dir":"server","type":"error","event":{"type":"error","error":{"type":"x","code":"c","message":' + DEEP_ARR + b"}}}\n")  # fmt: skip
    return path


def test_capped_says_what_it_left_out() -> None:
    value = {"a": [[[[1]]]], "b": list(range(5))}
    assert capped(value) is value
    assert capped(value, max_depth=2) == {"a": ["… 3 more levels"], "b": [0, 1, 2, 3, 4]}
    assert capped(value, max_items=3) == {"a": [[[[1]]]], "b": [0, 1, 2, "… 2 more items"]}
    assert capped({str(i): i for i in range(3)}, max_items=2) == {"0": 0, "1": 1, "…": "1 more keys"}
    assert depth([[]]) == 2 and depth(3) == 0 and depth([["… 7 more levels"]]) == 9


def test_the_reader_keeps_READ_DEPTH_levels_and_says_how_many_more(tmp_path: Path) -> None:
    with LogReader.open(deep_log(tmp_path)) as reader:
        whole = list(reader.iter_records())
        last = reader[len(reader) - 1]
    for rec in [*whole[-4:], last]:
        orjson.dumps(rec.event)  # refuses more than 255 levels
        assert depth(rec.event) > NESTED  # the notes count: the depth said is the line's own
    message = last.event["error"]["message"]
    for _ in range(READ_DEPTH - 2):  # event, error, then the message's own levels
        (message,) = message
    assert message == f"… {NESTED - (READ_DEPTH - 2)} more levels"


@pytest.mark.parametrize(
    "argv",
    [["doctor", "{log}"], ["doctor", "{log}", "--json"], ["export", "{log}", "--out", "{out}", "--markdown"],
     ["replay", "{log}", "--as-fast-as-possible"]],
    ids=["doctor", "doctor-json", "export-markdown", "replay"],
)  # fmt: skip
def test_commands_read_a_990_deep_event(tmp_path: Path, argv: list[str]) -> None:
    log = deep_log(tmp_path)
    args = [a.replace("{log}", str(log)).replace("{out}", str(tmp_path / "x")) for a in argv]
    done = subprocess.run(
        [sys.executable, "-m", "rtinspect", *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode in (0, 1), done.stderr  # doctor: 1 = error findings
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    if argv[0] == "doctor":
        assert "more levels" in done.stdout
        assert max(len(line) for line in done.stdout.splitlines()) < 4_200
    if argv[0] == "export":
        text = (tmp_path / "x" / "transcript.md").read_text()
        assert text.count(f"… {NESTED - MAX_DEPTH} more levels") >= 1 or "more levels" in text
        assert max(len(line) for line in text.splitlines()) < 2_000


async def test_the_proxy_relays_a_990_deep_frame_unchanged_and_records_it_capped(key_upstream, tmp_path: Path) -> None:
    """Live, the same frame reaches the tap: the proxy forwards it byte for byte both ways, keeps
    relaying, and records it with its levels below EVENT_DEPTH as one note (it crashed the recorder)."""
    import asyncio

    from websockets.asyncio.client import connect

    from rtinspect.proxy import ProxyServer
    from rtinspect.shown import EVENT_DEPTH

    log = tmp_path / "proxy.jsonl"
    deep = (b'{"type":"conversation.item.create","v":' + DEEP_ARR + b"}").decode()
    async with ProxyServer("127.0.0.1", 0, key_upstream.url, record=log) as px:
        async with connect(px.url + "/v1/realtime?model=m", max_size=None) as ws:
            await ws.recv()
            await ws.send(deep)
            assert await asyncio.wait_for(ws.recv(), 10) == deep  # the upstream echoes what it got
            await ws.send('{"type": "response.create"}')
            assert orjson.loads(await asyncio.wait_for(ws.recv(), 10)) == {"type": "response.create"}
        for _ in range(500):
            if px.sessions[0].closed.is_set():
                break
            await asyncio.sleep(0.01)
    with LogReader.open(log) as reader:
        deep_records = [r for r in reader.iter_records() if r.type == "conversation.item.create"]
        assert [r.dir for r in deep_records] == ["client", "server"]
        for rec in deep_records:
            assert depth(rec.event) == NESTED + 1
            orjson.dumps(rec.event)
        assert any(r.type == "response.create" for r in reader.iter_records())
    assert EVENT_DEPTH == READ_DEPTH
