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
    records: list[Tapped] = field(default_factory=list)  # or any re-iterable (streamed imports)
    skipped: int = 0  # lines or frames that could not be taken over
    format: str = ""
    counts: dict[str, int] | None = None  # events per direction, when known without a pass

    def count(self, direction: str) -> int:
        if self.counts is not None:
            return self.counts.get(direction, 0)
        return sum(1 for r in self.records if r.dir == direction)
