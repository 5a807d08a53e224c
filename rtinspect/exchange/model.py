"""What every importer produces: a session ready to be written as an rtinspect log."""

from __future__ import annotations

from dataclasses import dataclass, field

from rtinspect.tap import Tapped


@dataclass
class ImportedSession:
    """One session read from a foreign file; ``records`` are in time order, ``t`` from 0."""

    name: str
    url: str | None
    headers: dict[str, str]
    dialect: str
    model: str | None
    records: list[Tapped] = field(default_factory=list)
    skipped: int = 0  # lines or frames that could not be taken over
    format: str = ""
