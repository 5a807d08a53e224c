"""Line: a one-line text widget that repaints without asking for a new layout.

Why: ``Static.update`` always requests a layout pass (its size may change); a status line or a
header of fixed height changes on every selection, and a layout per keystroke is most of the cost
of paging through a big log.
"""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget


class Line(Widget):
    DEFAULT_CSS = """
    Line { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, text: str | Content = "", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._content = Content.from_markup(text) if isinstance(text, str) else text

    def update(self, text: str | Content) -> None:
        content = Content.from_markup(text) if isinstance(text, str) else text
        if content != self._content:
            self._content = content
            self.refresh()

    def render(self) -> Content:
        return self._content
