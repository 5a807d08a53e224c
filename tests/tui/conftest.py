"""Shared fixtures for the TUI tests: a recorded broken session and an opened app over it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sessions import broken_session, write_log  # noqa: E402


@pytest.fixture
def broken_log(tmp_path: Path) -> Path:
    return write_log(tmp_path / "broken.jsonl", broken_session())
