"""The README's pytest example, run as written in a fresh directory: the fixture doc cannot rot."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_fixture_example_passes(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    after = text[text.index("A complete test file") :]
    code = re.search(r"```python\n(.*?)```", after, flags=re.S)
    assert code is not None, "the README lost its pytest example"
    (tmp_path / "test_my_weather_app.py").write_text(code.group(1), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_weather_app.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 passed" in proc.stdout
