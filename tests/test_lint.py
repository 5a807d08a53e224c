"""ruff is part of the test command, so style drift fails CI like any other defect."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(
    importlib.util.find_spec("ruff") is None, reason="ruff not installed (install the test extra)"
)
def test_ruff_clean() -> None:
    paths = [p for p in ("rtinspect", "tests", "bench", "recordings") if (ROOT / p).is_dir()]
    out = subprocess.run(
        [sys.executable, "-m", "ruff", "check", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
