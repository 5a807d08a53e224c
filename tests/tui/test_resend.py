"""Edit and resend over a real socket: a client event of a live session is opened in the editor,
sent again (and as a changed copy) to the embedded server, and its answers show in the list."""

from __future__ import annotations

import json

import pytest
from sessions import wait_until
from test_live import types
from textual.widgets import TextArea

from rtinspect.server import FakeTranscriber, ServerThread
from rtinspect.tui.session import build_live
from rtinspect.tui.widgets.event_list import EventList


@pytest.fixture
def server():
    srv = ServerThread(transcriber=FakeTranscriber("unused")).start()
    yield srv
    srv.stop()


def user_texts(app) -> list[str]:
    """The text of every user message item the server announced (conversation.item.added/created)."""
    out = []
    idx = app.model.index
    for i in range(len(idx)):
        rec = idx.rec(i)
        if rec.dir == "server" and rec.type in ("conversation.item.added", "conversation.item.created"):
            item = rec.event.get("item") or {}
            for part in item.get("content") or []:
                if item.get("role") == "user" and part.get("text"):
                    out.append(part["text"])
    return out


async def test_resend_a_client_event_and_a_changed_copy(server) -> None:
    app = build_live(server=server, no_record=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: "session.created" in types(app))
        item = {
            "type": "conversation.item.create",
            "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "first"}]},
        }
        await app.controller.send(item)
        await wait_until(pilot, lambda: user_texts(app) == ["first"])
        events = app.screen.query_one(EventList)
        sent = types(app).index("conversation.item.create")
        assert events.select_event(sent)
        await pilot.press("ctrl+e")
        await pilot.pause()
        editor = app.screen
        assert editor.__class__.__name__ == "EditorScreen"
        area = editor.query_one("#code", TextArea)
        assert json.loads(area.text) == item  # the event as sent, without an event_id
        assert "resend #" in str(editor.query_one("#title").render())
        await pilot.press("ctrl+s")  # the same event again
        await wait_until(pilot, lambda: user_texts(app) == ["first", "first"])
        await wait_until(pilot, lambda: "conversation.item" in editor.query_one("#answer", TextArea).text)
        # a changed copy: validated as the u editor does, then sent
        area.load_text(area.text.replace('"first"', '"second"'))
        editor.validate_now()
        assert "✓ valid conversation.item.create" in str(editor.query_one("#problems").render())
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: user_texts(app) == ["first", "first", "second"])
        assert types(app).count("conversation.item.create") == 3
        await pilot.press("escape")
        await pilot.pause()
        # the answers are rows of the main list
        assert app.screen is app.main


async def test_resend_refuses_a_server_event_with_a_reason(server) -> None:
    app = build_live(server=server, no_record=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "session.created" in types(app))
        app.screen.query_one(EventList).select_event(types(app).index("session.created"))
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert app.screen is app.main
        assert any("only client events can be resent" in str(n.message) for n in app._notifications)
