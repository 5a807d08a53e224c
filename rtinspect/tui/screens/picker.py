"""File choosers: an audio file picker (a DirectoryTree filtered to audio) and a path prompt.

Textual has no built-in file dialog; a tree that hides everything but folders and audio files is
enough to find a WAV in ``recordings/``, and the path box takes a typed path as well.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, Label

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


class AudioPicker(ModalScreen[Path | None]):
    """Choose an audio file to stream: Enter on a file, or type a path and press Enter."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = """
    AudioPicker { align: center middle; }
    AudioPicker > Vertical { width: 80%; max-width: 100; height: 80%; border: round $accent; background: $surface; }
    AudioPicker DirectoryTree { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Stream an audio file (Enter to choose, Esc to cancel)")
            yield AudioTree(_start_dir(), id="audio-tree")
            yield Input(placeholder="or type a path", id="audio-path")

    def on_mount(self) -> None:
        self.query_one(AudioTree).focus()

    @on(DirectoryTree.FileSelected)
    def _file(self, message: DirectoryTree.FileSelected) -> None:
        self.dismiss(Path(message.path))

    @on(Input.Submitted, "#audio-path")
    def _typed(self, message: Input.Submitted) -> None:
        path = Path(message.value.strip()).expanduser()
        if not path.is_file():
            self.notify(f"{path}: no such file", severity="error")
            return
        self.dismiss(path)


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
