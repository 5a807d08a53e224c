"""The domain core never loads Textual, Rich or PortAudio: headless use needs neither a terminal UI nor audio devices."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import rtinspect

UI_MODULES = ("rtinspect.tui", "rtinspect.__main__")
FORBIDDEN = ("textual", "rich", "sounddevice")


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(rtinspect.__path__, "rtinspect."):
        if info.name.startswith(UI_MODULES):
            continue
        names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("module", core_modules())
def test_core_module_imports_without_ui_or_audio_devices(module: str) -> None:
    code = (
        f"import sys, {module}\nbad = [m for m in {FORBIDDEN!r} if m in sys.modules]\nprint(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"{module} loaded {out.stdout.strip()}"
