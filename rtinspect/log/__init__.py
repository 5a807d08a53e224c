"""The session log: a crash-safe, redacting writer and an indexed reader for big files."""

from __future__ import annotations

from rtinspect.log.format import FORMAT_VERSION, LogFormatError, LogWriteError
from rtinspect.log.reader import LogReader
from rtinspect.log.writer import LogWriter, scrub_for_log

__all__ = ["FORMAT_VERSION", "LogFormatError", "LogReader", "LogWriteError", "LogWriter", "scrub_for_log"]
