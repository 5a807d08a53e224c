"""StatusBar: connection, dialect, endpoint banner, time left, latency, tokens/cost, recording.

One line, rebuilt from the model when the app says the status area changed (and once a second for
the countdown). Never shows a key: the endpoint label is scrubbed by whoever builds it.
"""

from __future__ import annotations

from textual.content import Content
from textual.markup import escape

from rtinspect.inspector.model import SessionModel
from rtinspect.tui.widgets.line import Line


def _mmss(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class StatusBar(Line):
    DEFAULT_CSS = """
    StatusBar { background: $panel; color: $foreground; padding: 0 1; }
    """

    def __init__(self, model: SessionModel, **kwargs: object) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]
        self.model = model
        self.endpoint = ""
        self.recording: str | None = None
        self.progress = ""  # e.g. "indexing 42%" or "streaming a.wav 3.2/8.0 s"
        self.frozen_now: float | None = None  # tests freeze the countdown

    def on_mount(self) -> None:
        self.refresh_status()

    def refresh_status(self) -> None:
        """Rebuild the line; colours are theme variables so it reads in dark and light themes."""
        m = self.model
        st = m.stats
        parts: list[str] = []
        if m.live:
            if st.connected is None:
                parts.append("[b]○ connecting[/]")
            elif st.connected:
                parts.append("[b $success]● connected[/]")
            else:
                parts.append(f"[b $error]✕ closed {escape(st.close_reason)}[/]".replace(" [/]", "[/]"))
        else:
            parts.append("[b]▤ recorded[/]")
        parts.append(m.dialect.upper())
        if self.endpoint:
            parts.append(f"[i]{escape(self.endpoint)}[/]")
        left = m.time_left(self.frozen_now) if m.live else None
        if left is not None:
            parts.append(f"[$error]expires {_mmss(left)}[/]" if left < 120 else f"expires {_mmss(left)}")
        lat = st.last_latency
        if lat is not None:
            parts.append(f"latency {lat * 1000:.0f} ms")
        if st.tokens_in or st.tokens_out:
            parts.append(f"tok {st.tokens_in}/{st.tokens_out} ~${st.cost:.4f}")
        parts.append(f"{len(m.index):,} ev")
        if self.progress:
            parts.append(f"[$warning]{escape(self.progress)}[/]")
        if m.live:
            if self.recording:
                parts.append(f"[$error]● REC[/] {escape(self.recording)}")
            else:
                parts.append("[$text-muted]○ not recording[/]")
        self.update(Content.from_markup("  ".join(parts)))
