"""The protocol facts the code cites live in the repository: every ``docs/protocol.md §N`` resolves."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "protocol.md"


def _sections() -> set[str]:
    return set(re.findall(r"^## (\d+)\.", DOC.read_text(encoding="utf-8"), flags=re.M))


def test_every_citation_names_a_section_that_exists() -> None:
    sections = _sections()
    assert {"0", "5", "10", "12", "13", "14"} <= sections
    cited: list[tuple[str, str]] = []
    for path in [*ROOT.joinpath("rtinspect").rglob("*.py"), *ROOT.joinpath("tests").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"docs/protocol\.md((?:,? ?§\s?\d+)+)", text):
            cited += [(str(path.relative_to(ROOT)), n) for n in re.findall(r"\d+", match.group(1))]
    assert cited, "no citation found: the pattern is broken"
    missing = [(p, n) for p, n in cited if n not in sections]
    assert not missing, f"citations of sections that docs/protocol.md lacks: {missing}"


def test_no_citation_of_a_notes_file_outside_the_repository() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in [*ROOT.joinpath("rtinspect").rglob("*.py"), *ROOT.joinpath("tests").rglob("*.py")]
        if re.search(r"\bNOTES(\.md)?\b", p.read_text(encoding="utf-8"))
    ]
    assert not offenders, f"cite docs/protocol.md instead: {offenders}"
