"""Answers where the embedded server used to differ from the live API (issue 11; facts in
docs/protocol.md §11 and §15), each pinned over a real socket."""

from __future__ import annotations

from rtinspect.server import EmbeddedServer

from .server_helpers import open_client

NO_VAD_TEXT = {
    "type": "realtime",
    "audio": {"input": {"turn_detection": None}},
    "output_modalities": ["text"],
}


def _text(text: str, item_id: str | None = None) -> dict:
    item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    if item_id is not None:
        item["id"] = item_id
    return item


async def _ready(url: str, session: dict | None = None):
    client = await open_client(url)
    await client.recv()
    if session is not None:
        await client.send("session.update", session=session)
        await client.until("session.updated")
    return client


async def test_delete_and_retrieve_of_an_unknown_item_use_the_live_codes(server: EmbeddedServer) -> None:
    client = await _ready(server.url)
    await client.send("conversation.item.delete", item_id="item_nope", event_id="evt_del")
    deleted = (await client.until("error"))["error"]
    assert deleted == {
        "type": "invalid_request_error",
        "code": "item_delete_invalid_item_id",
        "message": "Error deleting item: the item with id 'item_nope' does not exist.",
        "param": None,
        "event_id": "evt_del",
    }
    await client.send("conversation.item.retrieve", item_id="item_nope")
    retrieved = (await client.until("error"))["error"]
    assert retrieved["code"] == "item_retrieve_invalid_item_id"
    assert retrieved["message"] == "Error retrieving item: the item with id 'item_nope' does not exist."
    assert retrieved["param"] is None


async def test_previous_item_id_root_inserts_first_and_empty_appends(server: EmbeddedServer) -> None:
    client = await _ready(server.url)
    await client.send("conversation.item.create", item=_text("first", "item_a"))
    await client.until("conversation.item.done")
    await client.send("conversation.item.create", previous_item_id="root", item=_text("zeroth", "item_0"))
    done = await client.until("conversation.item.done")
    assert done["item"]["id"] == "item_0" and done["previous_item_id"] is None
    await client.send("conversation.item.create", previous_item_id="", item=_text("last", "item_z"))
    done = await client.until("conversation.item.done")
    assert done["previous_item_id"] == "item_a"  # order now: item_0, item_a, item_z
    assert not [e for e in client.seen if e["type"] == "error"]


async def test_a_duplicate_client_item_id_is_accepted(server: EmbeddedServer) -> None:
    client = await _ready(server.url, NO_VAD_TEXT)
    await client.send("conversation.item.create", item=_text("old words", "item_dup"))
    await client.until("conversation.item.done")
    await client.send("conversation.item.create", item=_text("new words", "item_dup"))
    done = await client.until("conversation.item.done")
    assert done["item"]["id"] == "item_dup" and done["item"]["content"][0]["text"] == "new words"
    await client.send("conversation.item.retrieve", item_id="item_dup")
    retrieved = await client.until("conversation.item.retrieved")
    assert retrieved["item"]["content"][0]["text"] == "new words"
    assert not [e for e in client.seen if e["type"] == "error"]


async def test_voice_is_fixed_once_assistant_audio_exists(server: EmbeddedServer) -> None:
    client = await _ready(server.url, {"type": "realtime", "audio": {"input": {"turn_detection": None}}})
    voice = {"type": "realtime", "audio": {"output": {"voice": "verse"}}}
    await client.send("session.update", session=voice)  # no audio yet: accepted
    assert (await client.until("session.updated"))["session"]["audio"]["output"]["voice"] == "verse"
    await client.send("conversation.item.create", item=_text("say something"))
    await client.send("response.create")
    await client.until("response.done")
    await client.send("session.update", session=voice)  # the same voice again: nothing to refuse
    await client.until("session.updated")
    await client.send(
        "session.update",
        event_id="evt_voice",
        session={"type": "realtime", "instructions": "x", "audio": {"output": {"voice": "marin"}}},
    )
    err = await client.until("error")
    assert err["error"] == {
        "type": "invalid_request_error",
        "code": "cannot_update_voice",
        "message": "Cannot update a conversation's voice if assistant audio is present.",
        "param": None,
        "event_id": "evt_voice",
    }
    await client.send("session.update", session={"type": "realtime"})
    held = (await client.until("session.updated"))["session"]
    assert held["audio"]["output"]["voice"] == "verse" and held["instructions"] != "x"  # whole update dropped


async def test_a_model_session_refuses_to_become_a_transcription_session(server: EmbeddedServer) -> None:
    client = await _ready(server.url)
    await client.send("session.update", session={"type": "transcription"})
    err = (await client.until("error"))["error"]
    assert (err["code"], err["param"]) == ("invalid_value", "session.type")
    assert "'transcription'" in err["message"]
    await client.send("session.update", session={"type": "realtime"})
    assert (await client.until("session.updated"))["session"]["type"] == "realtime"


async def test_the_model_cannot_be_changed_by_session_update(server: EmbeddedServer) -> None:
    client = await _ready(server.url)
    await client.send("session.update", session={"type": "realtime", "model": "gpt-realtime"})
    assert (await client.until("session.updated"))["session"]["model"] == "gpt-realtime"  # unchanged: fine
    await client.send("session.update", session={"type": "realtime", "model": "gpt-realtime-mini"})
    err = (await client.until("error"))["error"]
    assert (err["code"], err["param"]) == ("invalid_value", "session.model")
    await client.send("session.update", session={"type": "realtime"})
    assert (await client.until("session.updated"))["session"]["model"] == "gpt-realtime"


async def test_range_errors_carry_the_whole_live_sentence(server: EmbeddedServer) -> None:
    client = await _ready(server.url)
    rate = {"type": "realtime", "audio": {"input": {"format": {"type": "audio/pcm", "rate": 8000}}}}
    await client.send("session.update", session=rate)
    err = (await client.until("error"))["error"]
    assert err["message"] == (
        "Invalid 'session.audio.input.format.rate': integer below minimum value. "
        "Expected a value >= 24000, but got 8000 instead."
    )


async def test_sessions_carry_truncation_auto(server: EmbeddedServer) -> None:
    client = await open_client(server.url)
    created = await client.recv()
    assert created["session"]["truncation"] == "auto"
    await client.send("session.update", session={"type": "realtime"})
    assert (await client.until("session.updated"))["session"]["truncation"] == "auto"
