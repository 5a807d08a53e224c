"""Conversation item events: create, retrieve, truncate and delete, with the live errors.

Functions of the ``Connection`` rather than methods, to keep one module per job.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from rtinspect.server.events import event, item, item_added_events
from rtinspect.server.ids import new_id

if TYPE_CHECKING:
    from rtinspect.server.connection import Connection


ROOT = "root"  # previous_item_id that inserts at the start of the conversation


async def create(conn: Connection, ev: dict[str, Any]) -> None:
    """Add a client item. Live (docs/protocol.md §11): ``previous_item_id`` ``"root"`` inserts at the start, ``""``
    appends like no id, and an item id that already exists is accepted (the new item replaces it)."""
    cid = ev.get("event_id")
    raw_item = dict(ev.get("item") or {})
    previous = ev.get("previous_item_id") or None
    if isinstance(previous, str) and previous != ROOT and previous not in conn.items:
        await conn.error(
            "invalid_value",
            f"Previous item with id '{previous}' not found.",
            param="previous_item_id",
            client_event_id=cid,
        )
        return
    item_id = raw_item.pop("id", None) or new_id("item")
    raw_item.pop("object", None)
    audio = b""
    content = []
    for part in raw_item.get("content") or []:
        part = dict(part)
        if part.get("type") == "input_audio":
            try:
                audio += base64.b64decode(part.pop("audio", "") or "", validate=True)
            except (binascii.Error, ValueError):
                await conn.error(
                    "invalid_value",
                    "Invalid 'item.content.audio'. Expected base64-encoded audio bytes.",
                    param="item.content.audio",
                    client_event_id=cid,
                )
                return
            part.setdefault("transcript", None)
        content.append(part)
    if "content" in raw_item:
        raw_item["content"] = content
    raw_item.setdefault("status", "completed")
    it = item(conn.dialect, id=item_id, **raw_item)
    prev = conn.add_item(it, previous if isinstance(previous, str) else None)
    conn.item_audio.pop(item_id, None)  # a replaced item's audio goes with it
    if audio:
        conn.keep_audio(item_id, audio, conn.fmt)
    for out in item_added_events(conn.dialect, prev, it, done=True):
        await conn.send(out)


async def retrieve(conn: Connection, ev: dict[str, Any]) -> None:
    it = await find(conn, ev, "item_retrieve_invalid_item_id", "Error retrieving item")
    if it is not None:
        out = dict(it)
        audio, _ = conn.item_audio.get(it["id"], (b"", None))
        if audio and out.get("content"):
            out["content"] = [
                dict(out["content"][0], audio=base64.b64encode(audio).decode()),
                *out["content"][1:],
            ]
        await conn.send(event("conversation.item.retrieved", item=out))


async def truncate(conn: Connection, ev: dict[str, Any]) -> None:
    it = await find(conn, ev)
    if it is None:
        return
    cid = ev.get("event_id")
    end = ev.get("audio_end_ms")
    audio, fmt = conn.item_audio.get(it["id"], (b"", None))
    if it.get("role") != "assistant" or fmt is None:
        await conn.error(
            "invalid_value",
            "Only assistant messages with audio can be truncated.",
            param="item_id",
            client_event_id=cid,
        )
        return
    duration = int(fmt.ms_for_bytes(len(audio)))
    if not isinstance(end, int) or end > duration:
        await conn.error(
            "invalid_value",
            f"Audio content of {duration}ms is already shorter than {end}ms",
            param="audio_end_ms",
            client_event_id=cid,
        )
        return
    conn.item_audio[it["id"]] = (audio[: int(end * fmt.bytes_per_ms)], fmt)
    for part in it.get("content") or []:
        if "transcript" in part:
            part["transcript"] = ""
    await conn.send(
        event(
            "conversation.item.truncated",
            item_id=it["id"],
            content_index=ev.get("content_index", 0),
            audio_end_ms=end,
        )
    )


async def delete(conn: Connection, ev: dict[str, Any]) -> None:
    it = await find(conn, ev, "item_delete_invalid_item_id", "Error deleting item")
    if it is not None:
        conn.order.remove(it["id"])
        del conn.items[it["id"]]
        conn.item_audio.pop(it["id"], None)
        await conn.send(event("conversation.item.deleted", item_id=it["id"]))


async def find(
    conn: Connection, ev: dict[str, Any], code: str | None = None, doing: str | None = None
) -> dict[str, Any] | None:
    """The item named by ``item_id``, or the error for an unknown id: with ``code``/``doing``, the live
    shape of delete and retrieve (``<doing>: the item with id 'X' does not exist.``, param null);
    without, the one truncate answers (its live wording is not published)."""
    item_id = ev.get("item_id")
    it = conn.items.get(item_id) if isinstance(item_id, str) else None
    if it is not None:
        return it
    if code is not None:
        await conn.error(
            code,
            f"{doing}: the item with id '{item_id}' does not exist.",
            client_event_id=ev.get("event_id"),
        )
    else:
        await conn.error(
            "invalid_value",
            f"Item with item_id not found: {item_id}",
            param="item_id",
            client_event_id=ev.get("event_id"),
        )
    return None
