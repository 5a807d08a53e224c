"""The session log: a crash-safe, redacting writer and an indexed reader for big files.

``LogReader`` (numpy) is imported on first use, so recording (``LogWriter``) stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rtinspect.log.format import FORMAT_VERSION, LogFormatError, LogWriteError
from rtinspect.log.writer import LogWriter, scrub_for_log

if TYPE_CHECKING:
    from rtinspect.log.reader import LogReader

__all__ = ["FORMAT_VERSION", "LogFormatError", "LogReader", "LogWriteError", "LogWriter", "scrub_for_log"]


def __getattr__(name: str) -> Any:
    if name == "LogReader":
        from rtinspect.log.reader import LogReader

        return LogReader
    raise AttributeError(f"module 'rtinspect.log' has no attribute {name!r}")
