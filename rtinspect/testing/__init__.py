"""Testing helpers for users' own suites: the ``realtime_server`` pytest fixture (``rtinspect.testing.plugin``,
loaded automatically by pytest through the ``pytest11`` entry point once rtinspect is installed)."""

from __future__ import annotations

from rtinspect.testing.plugin import LOCAL_KEY, RealtimeServer

__all__ = ["LOCAL_KEY", "RealtimeServer"]
