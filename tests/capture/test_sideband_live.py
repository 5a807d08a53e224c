"""``rtinspect --call-id``: the live view joins a running call of the embedded server (sideband)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from rtinspect.cli import main
from rtinspect.exchange.logio import read_log
from rtinspect.server import FakeTranscriber, ServerThread
from rtinspect.transport import Target
from rtinspect.transport.target import SIDEBAND_WARNING, sideband
from rtinspect.tui.session import build_live

AUTH = {"Authorization": "Bearer sk-canarySIDEBAND0123456789"}


def test_sideband_target_replaces_the_model_with_the_call() -> None:
    base = Target.openai(api_key="sk-canarySIDEBAND0123456789", model="gpt-realtime")
    target = sideband(base, "rtc_abc123")
    assert target.url == "wss://api.openai.com/v1/realtime?call_id=rtc_abc123"
    assert target.headers == base.headers and target.model is None
    assert target.label.startswith("sideband view of call rtc_abc123")
    assert target.warning == SIDEBAND_WARNING


def test_call_id_without_a_server_to_join_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "OPENAI_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert main(["--call-id", "rtc_1", "--no-record"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--call-id" in err and "OPENAI_API_KEY" in err


async def test_live_view_joins_a_call_and_records_it(tmp_path: Path) -> None:
    server = ServerThread(transcriber=FakeTranscriber()).start()
    try:
        async with connect(server.url + "?model=gpt-realtime", additional_headers=AUTH) as caller:
            call_id = json.loads(await caller.recv())["session"]["id"]
            log = tmp_path / "side.jsonl"
            app = build_live(server=server, record=str(log), call_id=call_id)
            async with app.run_test(size=(160, 45)) as pilot:

                def seen() -> list[str]:
                    idx = app.model.index
                    return [idx.type_names[int(c)] for c in idx.type_codes]

                async def wait_for(type_: str) -> None:
                    for _ in range(400):
                        if type_ in seen():
                            return
                        await pilot.pause(0.05)
                    raise AssertionError(f"{type_} never arrived: {seen()}")

                await wait_for("rtinspect.connection.opened")
                status = app.screen.query_one("StatusBar")
                assert "sideband view of call " + call_id in str(status.endpoint)
                # the caller's own traffic shows up in the sideband view
                update = {"type": "session.update", "session": {"type": "realtime", "instructions": "hi"}}
                await caller.send(json.dumps(update))
                await wait_for("session.updated")
                await caller.send(json.dumps({"type": "input_audio_buffer.commit"}))
                await wait_for("error")
    finally:
        await asyncio.to_thread(server.stop)
    records = read_log(log).records
    assert call_id in (read_log(log).url or "")
    assert "model=" not in (read_log(log).url or "")
    assert [r.type for r in records if r.dir == "server"][:2] == ["session.updated", "error"]
