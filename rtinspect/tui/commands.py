"""The command palette's entries (Ctrl+P), as a registry.

Why a registry: each feature adds its own entries (``register``) from its own module, so a new
screen or action never edits the lines of another. Entries that send something to the server say
``Send …`` and name the event: the palette sorts by title, and a fuzzy query that matched nothing
must not leave "Cancel the response" first under Enter.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

When = Literal["always", "live", "recorded"]


@dataclass(frozen=True, slots=True)
class Command:
    title: str
    help: str
    action: str  # a Textual action string, e.g. ``screen.search``
    when: When = "always"
    needs_audio: bool = False  # the title says why when no sound device is usable


COMMANDS: list[Command] = []


def register(*commands: Command) -> None:
    """Add palette entries (a feature module calls this once, at import)."""
    COMMANDS.extend(commands)


def applicable(*, live: bool) -> Iterator[Command]:
    """The entries for a live session or a recorded log, audio ones marked when unavailable."""
    from rtinspect.tui.screens.actions import audio_status

    ok, reason = audio_status()
    for cmd in COMMANDS:
        if cmd.when == "live" and not live or cmd.when == "recorded" and live:
            continue
        if cmd.needs_audio and not ok:
            yield Command(f"{cmd.title} (unavailable: {reason})", cmd.help, cmd.action, cmd.when)
        else:
            yield cmd


register(
    Command("Help", "Keys and what every panel shows", "app.help"),
    Command("Next error", "Jump to the next error or failed event", "screen.next_error(1)"),
    Command("Search events", "Incremental search over types and event text", "screen.search"),
    Command(
        "Filter events",
        "Filter expression: type globs, direction, error, ids, text; and/or/not",
        "screen.filter",
    ),
    Command("Copy event as JSON", "Copy the selected event to the clipboard", "screen.copy_event"),
    Command(
        "Save event to file", "Write the selected event as JSON in the current folder", "screen.save_event"
    ),
    Command("Save the log as", "Write every event so far to a new log", "screen.save_log"),
    Command("Open a log", "Open a recorded session log", "screen.open_log", "live"),
    Command(
        "Edit session (session.update)",
        "Editor prefilled from the effective session",
        "screen.edit_session",
        "live",
    ),
    Command(
        "Send a client event as JSON",
        "Validated against the dialect before sending",
        "screen.send_event",
        "live",
    ),
    Command(
        "Edit and resend the selected event",
        "A client event in the editor: send it again or a changed copy",
        "screen.resend",
        "live",
    ),
    Command(
        "Stream an audio file",
        "Pick a WAV/FLAC/MP3/OGG and stream it in real time",
        "screen.stream_file",
        "live",
    ),
    Command(
        "Stream an audio file as is (no resample)",
        "Send the file's samples at its own rate under the declared one: the 16 kHz mistake, on purpose",
        "screen.stream_file_as_is",
        "live",
    ),
    Command("Stop streaming", "Stop the audio file being streamed", "screen.stop_stream", "live"),
    Command("Send input_audio_buffer.commit", "Commit the input buffer", "screen.commit", "live"),
    Command("Send input_audio_buffer.clear", "Clear the input buffer", "screen.clear_buffer", "live"),
    Command("Send response.create", "Ask for a response", "screen.response_create", "live"),
    Command("Send response.cancel", "Cancel the response in progress", "screen.response_cancel", "live"),
    Command("Recording on/off", "Record new events to a log", "screen.record", "live"),
    Command("Reconnect", "Close and open the connection again", "screen.reconnect", "live"),
    Command(
        "Microphone on/off", "Capture the microphone; server VAD decides turns", "screen.mic", "live", True
    ),
    Command("Push-to-talk", "Talk, then commit and ask for a response", "screen.push_to_talk", "live", True),
    Command(
        "Play the item's recorded audio",
        "Play the audio of the selected event's item",
        "screen.play_audio",
        "recorded",
        True,
    ),
)
