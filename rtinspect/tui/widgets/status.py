"""StatusBar: connection, dialect, endpoint banner, time left, latency, tokens/cost, recording.

One line, rebuilt from the model when the app says the status area changed (and once a second for
the countdown). Never shows a key: the endpoint label is scrubbed by whoever builds it.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from rtinspect.tui.model import SessionModel


def _mmss(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $foreground; padding: 0 1; }
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
        m = self.model
        st = m.stats
        t = Text(no_wrap=True, overflow="ellipsis")
        if m.live:
            if st.connected is None:
                t.append("○ connecting", style="bold")
            elif st.connected:
                t.append("● connected", style="bold green")
            else:
                t.append(f"✕ closed {st.close_reason}".rstrip(), style="bold red")
        else:
            t.append("▤ recorded", style="bold")
        t.append(f"  {m.dialect.upper()}")
        if self.endpoint:
            t.append(f"  {self.endpoint}", style="italic")
        left = m.time_left(self.frozen_now) if m.live else None
        if left is not None:
            t.append(f"  expires {_mmss(left)}", style="red" if left < 120 else "")
        lat = st.last_latency
        if lat is not None:
            t.append(f"  latency {lat * 1000:.0f} ms")
        if st.tokens_in or st.tokens_out:
            t.append(f"  tok {st.tokens_in}/{st.tokens_out} ~${st.cost:.4f}")
        t.append(f"  {len(m.index)} ev")
        if self.progress:
            t.append(f"  {self.progress}", style="yellow")
        if m.live:
            if self.recording:
                t.append(f"  ● REC {self.recording}", style="red")
            else:
                t.append("  ○ not recording", style="dim")
        self.update(t)
