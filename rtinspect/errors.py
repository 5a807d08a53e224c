"""Errors that reach the user as one clear line (the CLI prints them without a traceback)."""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix: bad flag, unreadable file, refused connection.

    ``str(err)`` must be one line that says what is wrong and, where it helps, what to do.
    """

    exit_code: int = 2


class NotBuiltError(UserError):
    """A planned feature that is not built yet; says so instead of pretending."""
