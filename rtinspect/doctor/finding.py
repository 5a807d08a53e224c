"""What the doctor reports: one ``Finding`` per diagnosed problem, pointing at log positions."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}
# Characters of an explanation kept: it quotes values from the session (an error's message, what was
# asked and what the server holds), and one of them may be a huge or deeply nested value.
MAX_EXPLANATION = 4_000


@dataclass(frozen=True, slots=True)
class Finding:
    """One diagnosis.

    ``code`` is a stable kebab-case id (tests and scripts match on it); ``key`` separates several
    findings of the same code (e.g. one per rejected update) so a live doctor can replace a finding
    when a later event changes it. ``events`` are log positions (0 = first event after the header).
    ``fix`` is ready to paste: a corrected ``session.update`` or the event sequence to send instead.

    Lifecycle: a finding whose condition a later event cured (transcription enabled and transcripts
    arriving, a rejected field accepted in a later update) is not deleted, because the user needs
    to see what went wrong first; it is kept with ``resolved_by`` = the position of the event that
    cured it and ``resolution`` saying how. Views show it as resolved; the exit status counts only
    the findings still open at the end.
    """

    severity: Severity
    code: str
    title: str
    explanation: str
    events: tuple[int, ...] = ()
    fix: str | None = None
    key: str = ""
    resolved_by: int | None = None
    resolution: str | None = None

    def __post_init__(self) -> None:
        text = self.explanation
        if len(text) > MAX_EXPLANATION:
            cut = f"{text[:MAX_EXPLANATION]}… ({len(text) - MAX_EXPLANATION:,} more characters)"
            object.__setattr__(self, "explanation", cut)

    @property
    def ident(self) -> tuple[str, str]:
        return (self.code, self.key)

    @property
    def is_open(self) -> bool:
        """Still wrong at this point of the session (not cured by a later event)."""
        return self.resolved_by is None

    @property
    def status(self) -> Literal["open", "resolved"]:
        return "open" if self.resolved_by is None else "resolved"

    def resolved(self, pos: int, how: str) -> Finding:
        """This finding, marked as cured by the event at ``pos``."""
        return Finding(
            self.severity,
            self.code,
            self.title,
            self.explanation,
            self.events,
            self.fix,
            self.key,
            pos,
            how,
        )

    def sort_key(self) -> tuple[int, int, int, str, str]:
        first = self.events[0] if self.events else -1
        return (
            int(self.resolved_by is not None),
            SEVERITY_ORDER.get(self.severity, 9),
            first,
            self.code,
            self.key,
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["events"] = list(self.events)
        data["status"] = self.status
        return data


def pretty(obj: Any) -> str:
    """JSON for a fix: indented, key order kept, non-ASCII kept readable."""
    return json.dumps(obj, indent=2, ensure_ascii=False)


def pretty_events(events: list[dict[str, Any] | str]) -> str:
    """A client-flow fix: the events to send, one pretty JSON object after another; a string is a
    ``//`` note between them (what to wait for), not an event."""
    return "\n".join(f"// {e}" if isinstance(e, str) else pretty(e) for e in events)
