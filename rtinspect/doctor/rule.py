"""What a doctor rule is and what it reads.

A rule reads ``Scope.state``, the one ``SessionState`` every view reads, as it was just BEFORE the
event it is handed: the engine calls the rules, then folds the event into the state. So a rule on
``session.updated`` sees the session the update replaces, and a rule on ``error`` can ask the
state which client event the error answers. Rules keep only what the session fold does not (their
own counters, samples of audio) and stay O(1) per event.

Kept apart from ``engine`` so rule modules and the engine import this module, never each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rtinspect.doctor.finding import Finding
from rtinspect.protocol import Dialect
from rtinspect.protocol.session import get_setting
from rtinspect.session.errors import error_cause
from rtinspect.session.state import SessionState

MISSING: Any = object()  # a setting the session object does not mention (not the same as null)


class Scope:
    """What every rule reads for the current event.

    ``state`` is the session before the event; ``nbytes`` the decoded size of the current append's
    audio (measured once by the engine for every rule that handles appends);
    ``claimed`` the positions of errors a specific rule explained (so the catch-all stays quiet);
    ``started`` the epoch of t=0 when the log header gives it.
    """

    __slots__ = ("claimed", "nbytes", "started", "state")

    def __init__(self, state: SessionState, started: float | None = None) -> None:
        self.state = state
        self.started = started
        self.nbytes = 0
        self.claimed: set[int] = set()

    @property
    def dialect(self) -> Dialect | None:
        return self.state.connection.dialect

    @property
    def is_ga(self) -> bool:
        return self.state.connection.dialect is not Dialect.BETA

    @property
    def session(self) -> dict[str, Any] | None:
        """The effective session the server holds (last ``session.created``/``updated``)."""
        return self.state.session.effective

    @property
    def bytes_per_ms(self) -> float:
        """Of the current input format (what an append's bytes are read as)."""
        return self.state.buffer.bytes_per_ms

    def error_target(self, error: Any, *types: str) -> int | None:
        """Position of the client event an ``error`` answers (the one attribution rule,
        ``session.errors.error_cause``), when it is one of ``types`` (any type when none are given)."""
        cause = error_cause(self.state, error) if isinstance(error, dict) else None
        if cause is None or (types and cause.type not in types):
            return None
        return cause.pos

    def setting(self, name: str, session: Any = MISSING) -> Any:
        """A logical setting (``protocol.session.PATHS``) of ``session`` (default: the effective one);
        ``MISSING`` when the session does not mention it, ``None`` when it holds null."""
        if session is MISSING:
            session = self.state.session.effective
        if not isinstance(session, dict):
            return MISSING
        return get_setting(session, self.dialect or Dialect.GA, name, MISSING)

    def vad_on(self, session: Any = MISSING) -> bool:
        td = self.setting("turn_detection", session)
        return isinstance(td, dict) and td.get("type") in ("server_vad", "semantic_vad", None)

    def creates_response(self, session: Any = MISSING) -> bool:
        td = self.setting("turn_detection", session)
        return isinstance(td, dict) and td.get("create_response", True) is not False

    def last_update_session(self) -> dict[str, Any]:
        """The client's last ``session.update`` session object (a copy), {} when there was none."""
        last = self.state.session.last_update
        return dict(last.session) if last is not None else {}


class Rule:
    """A family of related checks. ``HANDLES`` maps event type -> method name; ``"*"`` = every event.

    A handler is ``(scope, pos, rec) -> Iterable[Finding] | None``; ``HANDLES`` run before the event is
    folded into ``scope.state``, ``AFTER`` after it. Returning a finding with the
    ``code``/``key`` of an earlier one replaces it (that is how a finding grows or is resolved).
    """

    HANDLES: dict[str, str] = {}
    # Event type -> method run AFTER the event is folded (``scope.state`` includes it): for summaries
    # that read what the fold derived from the event itself (a response's cost, its turn).
    AFTER: dict[str, str] = {}
    RUNS: dict[str, str] = {}
    """Audio event type -> method ``(scope, pos, run) -> findings`` taking a whole ``AudioRun`` (a
    recorded log's consecutive appends or deltas, sizes measured from the bytes) in one call, with
    ``scope.state`` as it was before the run's first event (``pos``). A rule handling an audio type
    without one gets the run's events one by one, payloads read back: exact, but slow."""

    def finish(self, scope: Scope) -> Iterable[Finding] | None:
        return None
