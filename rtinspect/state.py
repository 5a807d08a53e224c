"""SessionState: the pure fold of a Realtime session's events into what views and the doctor need.

``apply`` folds one ``Tapped`` record and returns the areas it changed, so a UI refreshes only
those panels. No I/O and no clock: time comes from ``rec.t``. Dispatch is a dict of bound
handlers keyed by event type; audio payloads are measured by base64 length, never decoded.
Both dialects are folded by the same handlers (beta and GA names map to one handler).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rtinspect.protocol import Dialect
from rtinspect.statemodel import (
    AREAS,
    PCM16_24K,
    AudioFormat,
    BufferState,
    ConnectionState,
    Counters,
    ErrorRecord,
    Item,
    RateLimits,
    Response,
    SessionConfig,
    UsageTotals,
)
from rtinspect.tap import (
    Tapped,
)

__all__ = ["AREAS", "SessionState", "b64_decoded_len", "fold"]

Handler = Callable[[Tapped, int], set[str]]


def b64_decoded_len(s: Any) -> int:
    """Bytes a base64 string decodes to, from its length alone (no decoding)."""
    if not isinstance(s, str):
        return 0
    n = len(s)
    if n == 0:
        return 0
    pad = 2 if s.endswith("==") else 1 if s[-1] == "=" else 0
    return max(0, n * 3 // 4 - pad)


class SessionState:
    """Everything known about one session, folded event by event.

    ``strict=True`` lets a handler's exception propagate (tests use it to prove handlers are
    defensive); by default a failing handler only counts the event as malformed.
    """

    def __init__(self, *, strict: bool = False) -> None:
        self.strict = strict
        self.connection = ConnectionState()
        self.session = SessionConfig()
        self.buffer = BufferState()
        self.items: dict[str, Item] = {}  # in arrival order
        self.responses: dict[str, Response] = {}  # in arrival order
        self.active_response_id: str | None = None
        self.errors: list[ErrorRecord] = []
        self.rate_limits: RateLimits | None = None
        self.usage = UsageTotals()
        self.counters = Counters()
        self.bookmarks: list[tuple[int, float, str]] = []
        self.output_format: AudioFormat = PCM16_24K
        self._client: dict[str, Handler] = {}
        self._server: dict[str, Handler] = {}
        self._meta: dict[str, Handler] = {}
        self._install_handlers()

    # ------------------------------------------------------------ public

    @property
    def dialect(self) -> Dialect | None:
        return self.connection.dialect

    def apply(self, rec: Tapped) -> set[str]:
        """Fold one event; returns the areas (subset of ``AREAS``) that changed."""
        c = self.counters
        pos = c.events
        c.events = pos + 1
        direction = rec.dir
        event = rec.event
        if not isinstance(event, dict):
            c.malformed += 1
            return set()
        etype = event.get("type")
        if not isinstance(etype, str):
            etype = ""
        by_type = c.by_type
        by_type[etype] = by_type.get(etype, 0) + 1
        by_dir = c.by_dir
        by_dir[direction] = by_dir.get(direction, 0) + 1
        c.last_t = rec.t
        table = (
            self._server if direction == "server" else self._client if direction == "client" else self._meta
        )
        handler = table.get(etype)
        if handler is None:
            c.unhandled += 1
            return set()
        if self.strict:
            return handler(rec, pos)
        try:
            return handler(rec, pos)
        except Exception:  # a malformed event must never stop the fold
            c.malformed += 1
            return set()

    # ------------------------------------------------------------ wiring

    def _install_handlers(self) -> None:
        """Map event types (both dialects) to bound handlers; filled in below."""


def fold(records: Iterable[Tapped], state: SessionState | None = None) -> SessionState:
    """Apply every record in order to ``state`` (a new one when None) and return it."""
    st = SessionState() if state is None else state
    apply = st.apply
    for rec in records:
        apply(rec)
    return st
