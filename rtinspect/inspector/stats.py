"""The status bar's numbers: tokens, estimated cost, last turn latency, session expiry, connection.

A read-only view over the one fold (``SessionState``): the cost is ``session.usage``'s (the doctor's
usage finding reads the same figure), the latency ``session.turns``'s. Nothing here folds events
again. No Textual.
"""

from __future__ import annotations

from rtinspect.session.state import SessionState
from rtinspect.session.turns import Turn, last_latency

__all__ = ["Stats", "Turn"]


class Stats:
    """What the status bar shows, read from ``state`` when asked (cheap: no loops but the latency's)."""

    __slots__ = ("state",)

    def __init__(self, state: SessionState) -> None:
        self.state = state

    @property
    def tokens_in(self) -> int:
        return self.state.usage.input_tokens

    @property
    def tokens_out(self) -> int:
        return self.state.usage.output_tokens

    @property
    def cost(self) -> float:
        """Estimated USD of every response so far (``session.usage.cost_of``)."""
        return self.state.usage.cost

    @property
    def turns(self) -> list[Turn]:
        return self.state.turns

    @property
    def last_latency(self) -> float | None:
        return last_latency(self.state)

    @property
    def expires_at(self) -> float | None:
        exp = self.state.session.expires_at
        return float(exp) if exp is not None else None

    @property
    def connected(self) -> bool | None:
        """None before the connection opened, then True until it closed."""
        conn = self.state.connection
        if conn.closed is not None:
            return False
        return True if conn.opened_at is not None else None

    @property
    def close_reason(self) -> str:
        closed = self.state.connection.closed
        if closed is None:
            return ""
        return f"{closed.code if closed.code is not None else ''} {closed.reason or ''}".strip()
