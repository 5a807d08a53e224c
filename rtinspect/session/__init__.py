"""The one fold of a Realtime session: every view, the doctor and every export read ``SessionState``."""

from rtinspect.session.state import SessionState, fold

__all__ = ["SessionState", "fold"]
