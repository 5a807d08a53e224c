"""Contracts in CI: import layers (import-linter), types (mypy), no import cycles, and no
``except ImportError`` hiding a broken project module. Each runs the real tool over the real tree."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rtinspect"
BIN = Path(sys.executable).parent


def test_import_layers_hold() -> None:
    """pyproject's [tool.importlinter] contracts: Textual and rich only in tui/, core layers in order."""
    proc = subprocess.run(
        [str(BIN / "lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


def test_mypy_is_clean_on_protocol_session_and_inspector(tmp_path: Path) -> None:
    """pyproject's [tool.mypy] (files, strictness) over protocol/, session/ and inspector/."""
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for a, b in (("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d")):
        graph.add_import(importer=a, imported=b)
    assert _cycles(graph) == [["p.a", "p.b", "p.c"]]


def test_no_import_cycles_in_the_package() -> None:
    """Function-level imports count (they are how cycles hide); ``if TYPE_CHECKING`` ones do not."""
    graph = grimp.build_graph("rtinspect", exclude_type_checking_imports=True, cache_dir=None)
    assert _cycles(graph) == []


def _imports_project(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.ImportFrom) and (
            sub.level > 0 or (sub.module or "").split(".")[0] == "rtinspect"
        ):
            return True
        if isinstance(sub, ast.Import) and any(a.name.split(".")[0] == "rtinspect" for a in sub.names):
            return True
        if (
            isinstance(sub, ast.Call)
            and isinstance(sub.func, ast.Attribute)
            and sub.func.attr == "import_module"
            and sub.args
            and isinstance(sub.args[0], ast.Constant)
            and str(sub.args[0].value).startswith("rtinspect")
        ):
            return True
    return False


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError") for n in names)


def project_import_guards(source: str) -> list[int]:
    """Lines of ``try:`` blocks that import a project module and catch ImportError."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Try)
        and any(_catches_import_error(h) for h in node.handlers)
        and any(_imports_project(stmt) for stmt in node.body)
    ]


def test_the_guard_finder_tells_project_modules_from_optional_packages() -> None:
    bad = "try:\n    from rtinspect.session.state import SessionState\nexcept ImportError:\n    pass\n"
    also_bad = "try:\n    from . import pointfold\nexcept (ValueError, ModuleNotFoundError):\n    pass\n"
    fine = "try:\n    import sounddevice\nexcept (ImportError, OSError):\n    sounddevice = None\n"
    assert project_import_guards(bad) == [1] and project_import_guards(also_bad) == [1]
    assert project_import_guards(fine) == []


def test_no_except_import_error_around_the_projects_own_modules() -> None:
    """A real import error in our code must surface, not turn into a quietly empty panel; only optional
    third-party packages (sounddevice, ...) may be guarded."""
    found = {
        str(path.relative_to(ROOT)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if (lines := project_import_guards(path.read_text(encoding="utf-8")))
    }
    assert found == {}
