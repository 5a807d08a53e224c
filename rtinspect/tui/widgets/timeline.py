"""Timeline: a one-line seek bar over the session's time; click (or keys) to seek.

Marks where errors happened so a long recording shows its trouble spots at a glance.
"""

from __future__ import annotations

from textual.content import Content
from textual.events import Click
from textual.message import Message
from textual.widget import Widget

from rtinspect.inspector.model import SessionModel


class Timeline(Widget):
    DEFAULT_CSS = """
    Timeline { height: 1; background: $boost; }
    """

    class Seek(Message):
        """Seek to ``t`` seconds since the session start."""

        def __init__(self, t: float) -> None:
            self.t = t
            super().__init__()

    def __init__(self, model: SessionModel, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.model = model
        self.position_t = 0.0
        self._errors_t: list[float] = []

    @property
    def span(self) -> tuple[float, float]:
        times = self.model.index.times
        if not len(times):
            return 0.0, 0.0
        return float(times[0]), float(times[-1])

    def set_position(self, t: float) -> None:
        self.position_t = t
        self.refresh()

    def mark_errors(self, times: list[float]) -> None:
        self._errors_t = times
        self.refresh()

    def render(self) -> Content:
        width = max(10, self.size.width - 16)
        a, b = self.span
        total = max(b - a, 1e-9)
        cells = ["─"] * width
        for t in self._errors_t:
            cells[min(width - 1, int((t - a) / total * width))] = "✕"
        pos = min(width - 1, max(0, int((self.position_t - a) / total * width)))
        parts: list[str | tuple[str, str]] = [(f"{self.position_t:8.2f}s ", "bold")]
        for i, c in enumerate(cells):
            if i == pos:
                parts.append(("●", "bold $accent"))
            else:
                parts.append((c, "$error" if c == "✕" else "$text-muted"))
        parts.append(f" {b:6.1f}s")
        return Content.assemble(*parts)

    def on_click(self, event: Click) -> None:
        width = max(10, self.size.width - 16)
        x = event.x - 10
        if 0 <= x <= width:
            a, b = self.span
            self.post_message(self.Seek(a + (b - a) * x / width))
