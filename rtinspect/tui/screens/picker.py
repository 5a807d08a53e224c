"""File choosers: an audio file picker (a DirectoryTree filtered to audio) and a path prompt.

Textual has no built-in file dialog; a tree that hides everything but folders and audio files is
enough to find a WAV in ``recordings/``, and the path box takes a typed path as well.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, DirectoryTree, Input, Label

AUDIO_SUFFIXES = {
    ".wav",
    ".flac",
    ".mp3",
    ".ogg",
    ".oga",
    ".opus",
    ".aiff",
    ".aif",
    ".au",
    ".raw",
    ".pcm",
    ".ulaw",
    ".alaw",
}


class AudioTree(DirectoryTree):
    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [
            p
            for p in paths
            if not p.name.startswith(".") and (p.is_dir() or p.suffix.lower() in AUDIO_SUFFIXES)
        ]


def _start_dir() -> Path:
    cwd = Path.cwd()
    rec = cwd / "recordings"
    return rec if rec.is_dir() else cwd


def resample_label(on: bool) -> str:
    """The box's label says its state in words (a checkbox's mark is told apart only by colour)."""
    if on:
        return "resample to the session's rate: ON (ctrl+t: off)"
    return "resample: OFF, samples sent as is (ctrl+t: on)"


@dataclass(frozen=True, slots=True)
class StreamChoice:
    """The file to stream and whether to resample it (off reproduces the 16 kHz-as-24 kHz mistake)."""

    path: Path
    resample: bool = True


class AudioPicker(ModalScreen[StreamChoice | None]):
    """Choose an audio file to stream: Enter on a file, or type a path and press Enter. The
    resample box is on by default; off sends the file's samples as they are, under the session's
    declared rate, so the classic mistake can be reproduced and the doctor seen catching it."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("ctrl+t", "toggle_resample", "Resample on/off", priority=True),
    ]
    DEFAULT_CSS = """
    AudioPicker { align: center middle; }
    AudioPicker > Vertical { width: 80%; max-width: 100; height: 80%; border: round $accent; background: $surface; }
    AudioPicker DirectoryTree { height: 1fr; }
    AudioPicker Checkbox { border: none; padding: 0; height: 1; background: $surface; }
    """

    def __init__(self, *, resample: bool = True) -> None:
        super().__init__()
        self.resample = resample

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Stream an audio file (Enter to choose, Esc to cancel)")
            yield AudioTree(_start_dir(), id="audio-tree")
            yield Checkbox(resample_label(self.resample), self.resample, id="resample", compact=True)
            yield Input(placeholder="or type a path", id="audio-path")

    def on_mount(self) -> None:
        self.query_one(AudioTree).focus()

    def action_toggle_resample(self) -> None:
        box = self.query_one("#resample", Checkbox)
        box.value = not box.value

    @on(Checkbox.Changed, "#resample")
    def _resample_changed(self, message: Checkbox.Changed) -> None:
        message.checkbox.label = resample_label(message.value)

    def _choice(self, path: Path) -> StreamChoice:
        return StreamChoice(path, self.query_one("#resample", Checkbox).value)

    @on(DirectoryTree.FileSelected)
    def _file(self, message: DirectoryTree.FileSelected) -> None:
        self.dismiss(self._choice(Path(message.path)))

    @on(Input.Submitted, "#audio-path")
    def _typed(self, message: Input.Submitted) -> None:
        path = Path(message.value.strip()).expanduser()
        if not path.is_file():
            self.notify(f"{path}: no such file", severity="error")
            return
        self.dismiss(self._choice(path))


class PathPrompt(ModalScreen[Path | None]):
    """Ask for one path (save as, open)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = """
    PathPrompt { align: center middle; }
    PathPrompt > Vertical { width: 80%; max-width: 90; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    """

    def __init__(self, title: str, value: str) -> None:
        super().__init__()
        self.title_text = title
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"{self.title_text} (Enter to confirm, Esc to cancel)")
            yield Input(value=self.value, id="path")

    @on(Input.Submitted, "#path")
    def _done(self, message: Input.Submitted) -> None:
        text = message.value.strip()
        self.dismiss(Path(text).expanduser() if text else None)
