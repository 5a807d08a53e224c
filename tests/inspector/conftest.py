"""The inspector's tests (no Textual) share the recorded sessions the TUI tests are built on."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "tui"))
