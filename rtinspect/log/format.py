"""The log format's constants and its error, shared by the writer and the reader.

A log is JSON Lines, UTF-8. Line 1 is the header ``{"rtinspect_log": 1, ...}``; every further
line is ``{"t":<float>,"dir":"client|server|meta","type":"<name>","event":{...}}`` with exactly
that key order and no spaces, so the reader can take t/dir/type from a fixed prefix by byte
comparison and only parse the event when asked.
"""

from __future__ import annotations

from rtinspect.errors import UserError
from rtinspect.tap import DIRECTIONS

FORMAT_VERSION = 1
HEADER_KEY = "rtinspect_log"

# Direction codes in the index: position in ``DIRECTIONS`` (client=0, server=1, meta=2).
DIR_CODES: dict[str, int] = {name: code for code, name in enumerate(DIRECTIONS)}

# Audio payload field per event type: base64 cannot hold a key shape, so the writer does not
# regex-scan these (they are most of the bytes of a session and arrive in real time).
AUDIO_FIELDS: dict[str, str] = {
    "input_audio_buffer.append": "audio",
    "response.output_audio.delta": "delta",
    "response.audio.delta": "delta",
}


class LogFormatError(UserError):
    """The file is not an rtinspect log, or one of its lines cannot be read as an event."""


class LogWriteError(UserError):
    """The log cannot be created or written (missing folder, permissions, disk full)."""
