"""Pilot test of the event detail as a foldable tree: z toggles it, objects and arrays fold and
unfold from the keyboard, audio stays summarised, long strings and huge arrays are cut."""

from __future__ import annotations

from pathlib import Path

from sessions import settled
from textual.widgets import TextArea

from rtinspect.inspector.loader import open_model
from rtinspect.tui.app import RtInspectApp
from rtinspect.tui.widgets.event_tree import MAX_ITEMS, MAX_STRING, EventTree


def labels(node) -> list[str]:
    out = [str(node.label)]
    for child in node.children:
        out += labels(child)
    return out


def child(node, name: str):
    return next(c for c in node.children if str(c.label).startswith(name))


async def test_tree_view_folds_and_unfolds_from_the_keyboard(broken_log: Path) -> None:
    model, reader = open_model(broken_log)
    app = RtInspectApp(model, reader=reader, endpoint=str(broken_log))
    async with app.run_test(size=(160, 45)) as pilot:
        await settled(pilot)
        screen = app.screen
        screen.events.focus()
        screen.events.select_event(1)  # session.created
        await pilot.press("z")
        await pilot.pause()
        tree = screen.query_one(EventTree)
        assert tree.display and not screen.query_one("#detail-json", TextArea).display
        root = tree.root
        assert str(root.label).startswith("session.created") and root.is_expanded
        session = child(root, "session")
        assert session.is_expanded and "keys" in str(session.label)
        audio = child(session, "audio")
        assert audio.allow_expand and not audio.is_expanded  # deeper levels start folded
        assert any(lbl.startswith("model: ") for lbl in labels(session))
        # keyboard: go to "session", fold it with ←, unfold with →, toggle "audio" with space
        tree.focus()
        tree.move_cursor(session)
        await pilot.press("left")
        assert not session.is_expanded
        await pilot.press("right")
        assert session.is_expanded
        tree.move_cursor(audio)
        await pilot.press("space")
        assert audio.is_expanded and child(audio, "input").allow_expand
        await pilot.press("left", "left")  # fold audio, then up to its parent
        assert not audio.is_expanded and tree.cursor_node is session
        # an audio append: the payload stays a summary, never base64
        screen.events.select_event(4)
        await pilot.pause()
        texts = labels(tree.root)
        assert str(tree.root.label).startswith("input_audio_buffer.append")
        assert any(t.startswith('audio: "<audio 40.0 ms, 1920 bytes') for t in texts)
        assert max(map(len, texts)) < 200
        # long strings and huge arrays are cut
        tree.show_event("x", {"text": "a" * 5000, "many": list(range(MAX_ITEMS + 50))})
        text = child(tree.root, "text")
        assert "(5,000 chars)" in str(text.label) and len(str(text.label)) < MAX_STRING + 40
        many = child(tree.root, "many")
        assert len(many.children) == MAX_ITEMS + 1 and str(many.children[-1].label) == "… 50 more"
        # z again: the JSON text is back
        screen.events.focus()
        await pilot.press("z")
        await pilot.pause()
        assert not tree.display and screen.query_one("#detail-json", TextArea).display
        assert '"type": "input_audio_buffer.append"' in screen.query_one("#detail-json", TextArea).text
