"""BufferPanel: the input buffer since the last commit, commits and clears, VAD speech windows on a
timeline under the input level, output audio per response and transcript status per user item.

Everything comes from the folded state (counts and offsets, never decoded audio) plus the level
series the model keeps; the panel only formats it.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Sparkline, Static

from rtinspect.inspector.model import SessionModel
from rtinspect.inspector.vad_audio import WindowLevels

TRANSCRIPT_STYLE = {
    "completed": "$success",
    "failed": "bold $error",
    "not_requested": "$warning",
    "pending": "$text-muted",
    "streaming": "$accent",
}


def speech_timeline(windows: list[Any], total_ms: float, width: int) -> str:
    """One text line: █ where VAD heard speech, ░ elsewhere, scaled to the input audio so far."""
    if total_ms <= 0 or width <= 0:
        return ""
    cells = ["░"] * width
    for w in windows:
        start = w.audio_start_ms or 0
        end = w.audio_end_ms if w.audio_end_ms is not None else total_ms
        a = int(min(width - 1, max(0, start / total_ms * width)))
        b = int(min(width, max(a + 1, end / total_ms * width)))
        for i in range(a, b):
            cells[i] = "█"
    return "".join(cells)


class BufferPanel(VerticalScroll):
    DEFAULT_CSS = """
    BufferPanel { padding: 0 1; }
    BufferPanel > Static { height: auto; }
    BufferPanel > Sparkline { height: 2; margin: 0 0; }
    """

    def __init__(self, model: SessionModel, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.model = model
        self.window_levels = WindowLevels()  # each VAD window's level sparkline, read once from the log

    def compose(self) -> ComposeResult:
        yield Static("", id="buffer-summary")
        yield Static("input level (dBFS) and VAD speech windows", id="level-label", classes="dim")
        yield Sparkline([], id="level-spark")
        yield Static("", id="vad-timeline")
        yield Static("", id="buffer-lists")

    def refresh_panel(self) -> None:
        state = self.model.view_state
        summary = self.query_one("#buffer-summary", Static)
        width = max(10, (self.scrollable_content_region.width or 40) - 1)
        b = state.buffer
        head: list[str | tuple[str, str]] = []
        head.append((f"pending {b.pending_ms:,.0f} ms", "bold"))
        head.append(f" ({b.pending_chunks} appends)  ")
        head.append(f"total {b.total_ms / 1000:,.2f} s  commits {len(b.commits)}  clears {len(b.clears)}")
        if b.speaking:
            head.append(("  ● speaking", "bold $success"))
        summary.update(Content.assemble(*head))
        windows = list(b.speech)
        total_ms = b.total_ms
        lists: list[str | tuple[str, str]] = []
        if b.commits:
            lists.append(("commits\n", "bold"))
            for c in b.commits[-6:]:
                lists.append(f"  #{c.pos} {c.by:<10} {c.ms:,.0f} ms  item={c.item_id}\n")
        if b.clears:
            lists.append(f"clears: {', '.join(f'#{c.pos} ({c.ms:,.0f} ms)' for c in b.clears[-6:])}\n")
        if windows:
            lists.append(("speech windows\n", "bold"))
            for w in windows[-6:]:
                lists.append(
                    f"  {w.audio_start_ms}–{w.audio_end_ms if w.audio_end_ms is not None else '…'} ms"
                    f"  item={w.item_id}\n"
                )
                spark = self.window_levels.line(self.model, b, w, min(48, width - 4))  # P plays it
                if spark:
                    lists.append((f"    {spark}\n", "$success"))
        users = [it for it in state.items.values() if it.transcript is not None or it.role == "user"]
        if users:
            lists.append(("user items: transcript\n", "bold"))
            for it in users[-8:]:
                tr = it.transcript
                status = tr.status if tr is not None else "not_requested"
                text = (tr.text if tr is not None else "") or ""
                lists.append(f"  {it.id[-12:]:<12} ")
                lists.append((f"{status:<13}", TRANSCRIPT_STYLE.get(status, "")))
                lists.append(f" {text[:60]!r}\n" if text else "\n")
        responses = list(state.responses.values())
        if responses:
            lists.append(("responses: output audio\n", "bold"))
            for r in responses[-6:]:
                words = (r.audio_transcript or r.text or "")[:50]
                lists.append(f"  {r.id[-12:]:<12} {str(r.status or ''):<11} {r.audio_ms / 1000:6.2f} s")
                lists.append(f" {words!r}\n" if words else "\n")
        levels = self.model.view_levels
        self.query_one("#level-spark", Sparkline).data = [max(0.0, v + 80.0) for v in levels[-4000:]] or [0.0]
        self.query_one("#vad-timeline", Static).update(
            Content.styled(speech_timeline(windows, total_ms, width), "$success")
            if windows
            else Content.styled("no speech windows", "$text-muted")
        )
        self.query_one("#buffer-lists", Static).update(Content.assemble(*lists))
