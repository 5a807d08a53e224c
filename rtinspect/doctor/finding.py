"""What the doctor reports: one ``Finding`` per diagnosed problem, pointing at log positions."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """One diagnosis.

    ``code`` is a stable kebab-case id (tests and scripts match on it); ``key`` separates several
    findings of the same code (e.g. one per rejected update) so a live doctor can replace a finding
    when a later event changes it. ``events`` are log positions (0 = first event after the header).
    ``fix`` is ready to paste: a corrected ``session.update`` or the event sequence to send instead.
    """

    severity: Severity
    code: str
    title: str
    explanation: str
    events: tuple[int, ...] = ()
    fix: str | None = None
    key: str = ""

    @property
    def ident(self) -> tuple[str, str]:
        return (self.code, self.key)

    def sort_key(self) -> tuple[int, int, str, str]:
        first = self.events[0] if self.events else -1
        return (SEVERITY_ORDER.get(self.severity, 9), first, self.code, self.key)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["events"] = list(self.events)
        return data


def pretty(obj: Any) -> str:
    """JSON for a fix: indented, key order kept, non-ASCII kept readable."""
    return json.dumps(obj, indent=2, ensure_ascii=False)


def pretty_events(events: list[dict[str, Any] | str]) -> str:
    """A client-flow fix: the events to send, one pretty JSON object after another; a string is a
    ``//`` note between them (what to wait for), not an event."""
    return "\n".join(f"// {e}" if isinstance(e, str) else pretty(e) for e in events)
