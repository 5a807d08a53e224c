"""The inspector is the application layer without Textual, and no part of the TUI hides a broken
import of the project's own code (an ``except ImportError`` around it turned a real import error
into a quietly empty panel)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "rtinspect"


def _guarded_project_imports(source: str) -> list[int]:
    """Lines of the try blocks that import ``rtinspect`` and catch ImportError."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Try):
            continue
        catches = any(
            isinstance(h.type, ast.Name)
            and h.type.id in ("ImportError", "ModuleNotFoundError")
            or isinstance(h.type, ast.Tuple)
            and any(
                isinstance(e, ast.Name) and e.id in ("ImportError", "ModuleNotFoundError")
                for e in h.type.elts
            )
            for h in node.handlers
        )
        imports_ours = any(
            isinstance(n, ast.ImportFrom)
            and (n.module or "").startswith("rtinspect")
            or isinstance(n, ast.Import)
            and any(a.name.startswith("rtinspect") for a in n.names)
            for stmt in node.body
            for n in ast.walk(stmt)
        )
        if catches and imports_ours:
            out.append(node.lineno)
    return out


def test_no_except_importerror_around_our_own_modules() -> None:
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line}"
        for folder in ("inspector", "tui")
        for path in sorted((PACKAGE / folder).rglob("*.py"))
        for line in _guarded_project_imports(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_scan_sees_a_guarded_import() -> None:
    guarded = "x = 1\ntry:\n    from rtinspect.doctor import Doctor\nexcept (ImportError, OSError):\n    Doctor = None\n"
    third_party = "try:\n    import sounddevice\nexcept ImportError:\n    sounddevice = None\n"
    assert _guarded_project_imports(guarded) == [2]
    assert _guarded_project_imports(third_party) == []


def test_inspector_imports_no_textual() -> None:
    code = (
        "import sys, rtinspect.inspector.model, rtinspect.inspector.live, rtinspect.inspector.loader, "
        "rtinspect.inspector.playback; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
