"""EventDetail: the selected event as highlighted JSON with audio payloads summarised.

A read-only ``TextArea(language="json")`` gives highlighting, scrolling and selection for free; the
text it shows has audio replaced by ``<audio 40.0 ms, 1920 bytes, -23 dBFS>`` first, so the
highlighter never sees a base64 wall; and it is ``capped`` before anything else, so an event nested
1000 deep shows 32 levels and "… 958 more levels" instead of hanging the view.
"""

from __future__ import annotations

import json

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.markup import escape
from textual.widgets import TextArea

from rtinspect.inspector.model import SessionModel
from rtinspect.inspector.summary import elide_audio
from rtinspect.secrets import scrub_event
from rtinspect.shown import capped
from rtinspect.tui.widgets.event_tree import EventTree
from rtinspect.tui.widgets.line import Line

DIR_LABEL = {"client": "client → server", "server": "server → client", "meta": "rtinspect (meta)"}


class EventDetail(Vertical):
    """Header line (index, time, direction, findings) over the JSON of one event, as text or as a
    foldable tree (``toggle_view``)."""

    DEFAULT_CSS = """
    EventDetail { height: 1fr; }
    EventDetail > #detail-head { color: $text-muted; padding: 0 1; }
    EventDetail > TextArea { height: 1fr; border: none; padding: 0 1; }
    EventDetail > EventTree { display: none; }
    EventDetail.-tree > EventTree { display: block; }
    EventDetail.-tree > TextArea { display: none; }
    """

    def __init__(self, model: SessionModel, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.model = model
        self.event_index: int | None = None
        self.tree_view = False  # False: JSON text; True: foldable tree
        self.event_tree = EventTree(id="detail-tree")

    def compose(self) -> ComposeResult:
        yield Line("no event selected", id="detail-head")
        yield TextArea(
            "", language="json", read_only=True, soft_wrap=True, show_line_numbers=False, id="detail-json"
        )
        yield self.event_tree

    def toggle_view(self) -> bool:
        """Switch between the JSON text and the tree; True when the tree is now shown."""
        self.tree_view = not self.tree_view
        self.set_class(self.tree_view, "-tree")
        self.show(self.event_index)
        return self.tree_view

    def show(self, event: int | None) -> None:
        self.event_index = event
        head = self.query_one("#detail-head", Line)
        area = self.query_one("#detail-json", TextArea)
        if event is None or event >= len(self.model.index):
            head.update("no event selected")
            area.load_text("")
            self.event_tree.clear()
            return
        try:
            rec = self.model.index.rec(event)
        except Exception as err:  # noqa: BLE001 - a corrupt line is shown, not raised
            head.update(Content(f"#{event}  unreadable line: {err}"))
            area.load_text("")
            self.event_tree.clear()
            return
        notes = (
            [
                f"[b]{f.severity}[/b] {f.code}"
                for f in self.model.findings
                if event in (getattr(f, "events", ()) or ())
            ]
            if event in self.model.flagged
            else []
        )
        extra = ("  ·  " + ", ".join(notes)) if notes else ""
        head.update(
            f"#{event}  t={rec.t:.3f}s  {DIR_LABEL.get(rec.dir, rec.dir)}  [b]{escape(rec.type)}[/b]{extra}"
        )
        shown = elide_audio(
            scrub_event(capped(rec.event)), rec.type, self.model.bytes_per_ms_at(event, rec.type)
        )
        if self.tree_view:  # only the view on screen is built
            self.event_tree.show_event(rec.type, shown)
        else:
            area.load_text(json.dumps(shown, indent=2, ensure_ascii=False))

    def event_json(self) -> str | None:
        """The full event (secrets scrubbed, audio kept) for copying."""
        if self.event_index is None:
            return None
        rec = self.model.index.rec(self.event_index)
        return json.dumps(scrub_event(rec.event), ensure_ascii=False)
