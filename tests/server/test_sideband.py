"""Joining one of the embedded server's sessions by ``?call_id=<session id>`` (the live API's sideband)."""

from __future__ import annotations

import pytest
from websockets.exceptions import ConnectionClosed

from rtinspect.server import EmbeddedServer

from .server_helpers import open_client


async def test_sideband_sees_the_calls_server_events_and_can_steer_it(server: EmbeddedServer) -> None:
    caller = await open_client(server.url)
    created = await caller.until("session.created")
    call_id = created["session"]["id"]
    assert call_id in server.calls

    side = await open_client(server.url, query=f"?call_id={call_id}")
    # the caller's own client event: its answer reaches both sockets
    await caller.send("session.update", session={"type": "realtime", "instructions": "be brief"})
    updated = await caller.until("session.updated")
    seen = await side.until("session.updated")
    assert seen == updated
    # a client event from the sideband steers the call: the answer reaches the caller too
    await side.send("session.update", session={"type": "realtime", "instructions": "from the side"})
    assert (await caller.until("session.updated"))["session"]["instructions"] == "from the side"
    assert (await side.until("session.updated"))["session"]["instructions"] == "from the side"
    # the call's errors are shared as well
    await side.send("input_audio_buffer.commit")
    assert (await caller.until("error"))["error"]["code"] == "input_audio_buffer_commit_empty"
    assert (await side.until("error"))["error"]["code"] == "input_audio_buffer_commit_empty"

    # the caller hangs up: the call ends for the sideband socket too, and its id is gone
    await caller.ws.close()
    with pytest.raises(ConnectionClosed):
        await side.recv(timeout=5)
    assert side.ws.close_code == 1000
    assert call_id not in server.calls


async def test_sideband_leaving_does_not_end_the_call(server: EmbeddedServer) -> None:
    caller = await open_client(server.url)
    call_id = (await caller.until("session.created"))["session"]["id"]
    side = await open_client(server.url, query=f"?call_id={call_id}")
    await side.ws.close()
    await caller.send("input_audio_buffer.clear")
    assert (await caller.until("input_audio_buffer.cleared"))["type"] == "input_audio_buffer.cleared"
    await caller.ws.close()


async def test_unknown_call_id_is_refused(server: EmbeddedServer) -> None:
    side = await open_client(server.url, query="?call_id=rtc_nope")
    ev = await side.recv()
    assert ev["type"] == "error" and "rtc_nope" in ev["error"]["message"]
    with pytest.raises(ConnectionClosed):
        await side.recv()
    assert side.ws.close_code == 4000


async def test_sideband_needs_the_key(server: EmbeddedServer) -> None:
    caller = await open_client(server.url)
    call_id = (await caller.until("session.created"))["session"]["id"]
    side = await open_client(server.url, headers={}, query=f"?call_id={call_id}")
    ev = await side.recv()
    assert ev["error"]["message"].startswith("Missing bearer or basic authentication in header")
    with pytest.raises(ConnectionClosed):
        await side.recv()
    assert side.ws.close_code == 3000
    await caller.ws.close()
