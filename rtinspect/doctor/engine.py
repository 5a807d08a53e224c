"""The doctor: feeds each event to the rules that care about its type, then folds it into the
one ``SessionState``, and keeps the findings.

Dispatch is by event type so the per-event cost is one dict lookup plus the handful of rules
that asked for that type, plus the session fold every view pays anyway: a live TUI feeds hundreds
of events per second and a log can hold a million. Live and offline use the same path:
``diagnose(records)`` is ``feed`` over the records followed by ``finish``.

The state may be shared: the TUI hands the doctor the ``SessionState`` its panels read and lets
``step`` fold it, so a session is folded once and the rules see exactly what the panels show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from rtinspect.doctor import (
    audio_rules,
    buffer_rules,
    connection_rules,
    function_rules,
    info_rules,
    response_rules,
    session_rules,
)
from rtinspect.doctor.finding import Finding
from rtinspect.doctor.rule import Rule, Scope
from rtinspect.protocol import Dialect
from rtinspect.protocol.audio import b64_decoded_len
from rtinspect.secrets import redact_text
from rtinspect.session.state import SessionState
from rtinspect.tap import AudioRun, Tapped

Handler = Callable[[Scope, int, Tapped], "Iterable[Finding] | None"]
# Order matters only for errors: specific rules claim them before the generic catch-all.
RULE_CLASSES: tuple[type[Rule], ...] = (
    *session_rules.RULES,
    *audio_rules.RULES,
    *buffer_rules.RULES,
    *response_rules.RULES,
    *function_rules.RULES,
    *info_rules.RULES,
    *connection_rules.RULES,
)
# One cause seen several ways (the rate by the clock and by the audio): one finding, merged.
MERGED: dict[str, Callable[[list[Finding]], Finding]] = {**audio_rules.MERGED}
_NO_HANDLERS: list[Handler] = []
_RULE_ERRORS = (AttributeError, TypeError, ValueError, KeyError, IndexError)


class Doctor:
    """Incremental diagnosis. ``feed`` (or ``step``) each event in order; ``finish`` once at the end."""

    def __init__(
        self,
        dialect: Dialect | str | None = None,
        *,
        started: float | None = None,
        state: SessionState | None = None,
    ) -> None:
        """``state``: a ``SessionState`` to share (the doctor folds it); a new one when None."""
        self.state = state if state is not None else SessionState(dialect=dialect)
        self.scope = Scope(self.state, started)
        self.rules: list[Rule] = [cls() for cls in RULE_CLASSES]
        # event type -> (handlers run BEFORE the event is folded, handlers run AFTER): one lookup per event
        self._dispatch: dict[str, tuple[list[Handler], list[Handler]]] = {}
        every: list[Handler] = []
        for rule in self.rules:
            for phase, table in ((0, rule.HANDLES), (1, rule.AFTER)):
                for typ, name in table.items():
                    handler = getattr(rule, name)
                    if typ == "*" and phase == 0:
                        every.append(handler)
                    else:
                        self._dispatch.setdefault(typ, ([], []))[phase].append(handler)
        if every:  # fold the catch-alls into every list once, so feed does one lookup
            for before, _ in self._dispatch.values():
                before.extend(every)
        self._every = every
        self._run_plans: dict[str, tuple[list[Any], list[Handler], list[Handler]]] = {}
        self._found: dict[tuple[str, str], Finding] = {}
        self._pieces: dict[str, dict[str, Finding]] = {}  # code -> key -> piece, for MERGED codes
        self._pos = 0
        self.changed: set[str] = set()  # areas of the state the last event changed
        self._finished = False
        self.malformed: list[int] = []  # first positions of events a rule could not read
        self.malformed_count = 0

    @property
    def dialect(self) -> Dialect | None:
        return self.state.connection.dialect

    def feed(self, rec: Tapped) -> list[Finding]:
        """Diagnose one event, then fold it; return the findings this event created or changed.

        The areas of the state the event changed are left in ``changed`` (see ``step``).
        """
        pos = self._pos
        self._pos = pos + 1
        out: list[Finding] = []
        event = rec.event
        try:
            typ = event["type"]
            before, after = self._dispatch[typ]
        except (KeyError, TypeError):  # no rule asked for this type (most deltas), or no type at all
            typ, before, after = None, self._every, _NO_HANDLERS
        if before:
            if typ == "input_audio_buffer.append":  # most of a log: measure the payload once
                self.scope.nbytes = b64_decoded_len(event.get("audio"))
            self._run(before, pos, rec, out)
        self.changed = self.state.apply(rec)
        if after:
            self._run(after, pos, rec, out)
        return out

    def _run(self, handlers: list[Handler], pos: int, rec: Tapped, out: list[Finding]) -> None:
        scope = self.scope
        for handler in handlers:
            # A malformed event (a string where an object belongs, a missing field) must not end
            # the diagnosis of everything after it: skip it for this rule and note where it was.
            try:
                res = handler(scope, pos, rec)
                if res is not None and not isinstance(res, list):
                    res = list(res)  # generators run here, inside the guard
            except _RULE_ERRORS:
                self._malformed(pos)
                continue
            if res:
                self._keep(res, out)

    def feed_run(self, run: AudioRun) -> list[Finding]:
        """Diagnose and fold a run of audio events from a log (``LogReader.iter_fold``).

        Most of a real log is audio: the rules that declare ``RUNS`` for the run's type take it in
        one call, before it is folded; any other rule handling the type gets each event (payload
        read back) with the state as ``feed`` would give it. ``changed`` is left as ``feed`` leaves it.
        """
        n = len(run)
        pos = self._pos
        typ = run.type
        plan = self._run_plans.get(typ)
        if plan is None:
            plan = self._run_plans[typ] = self._run_plan(typ)
        whole, single, after = plan
        out: list[Finding] = []
        for handler in whole:
            self._run([handler], pos, run, out)  # type: ignore[list-item]
        if not single and not after:
            self._pos = pos + n
            self.changed = self.state.apply_run(run)
            return out
        scope = self.scope
        for k, rec in enumerate(run.records()):
            self._pos = pos + k + 1
            scope.nbytes = int(run.sizes[k])
            if single:
                self._run(single, pos + k, rec, out)
            self.changed = self.state.apply(rec)
            if after:
                self._run(after, pos + k, rec, out)
        return out

    def _run_plan(self, typ: str) -> tuple[list[Any], list[Handler], list[Handler]]:
        """For runs of ``typ``, in rule order: the rules' ``RUNS`` methods, the handlers that take
        the run event by event, and the ``AFTER`` handlers (worked out once per type, not per run)."""
        before, after = self._dispatch.get(typ, (self._every, _NO_HANDLERS))
        whole: list[Any] = []
        single: list[Handler] = []
        for handler in before:
            rule = getattr(handler, "__self__", None)
            name = rule.RUNS.get(typ) if isinstance(rule, Rule) else None
            if name is None:
                single.append(handler)
            else:
                whole.append(getattr(rule, name))
        return whole, single, after

    def step(self, rec: Tapped) -> tuple[set[str], list[Finding]]:
        """``feed``, also returning the state areas the event changed (for views sharing the state)."""
        found = self.feed(rec)
        return self.changed, found

    def _malformed(self, pos: int) -> None:
        if not self.malformed or self.malformed[-1] != pos:
            self.malformed_count += 1
            if len(self.malformed) < 20:
                self.malformed.append(pos)

    def finish(self) -> list[Finding]:
        """End-of-session rules (things that never happened). Safe to call more than once."""
        out: list[Finding] = []
        if self._finished:
            return out
        self._finished = True
        for rule in self.rules:
            try:
                res = rule.finish(self.scope)
                res = list(res) if res is not None else None
            except _RULE_ERRORS:
                continue
            if res:
                self._keep(res, out)
        if self.malformed:
            self._keep(
                [
                    Finding(
                        "warning",
                        "malformed-events",
                        f"{self.malformed_count} event(s) not shaped as the protocol says",
                        "These events have fields of unexpected types or are missing fields the protocol requires; the "
                        "doctor skipped them, so findings about them may be missing.",
                        tuple(self.malformed),
                        None,
                    )
                ],
                out,
            )
        return out

    @property
    def findings(self) -> list[Finding]:
        """Current findings, one per code+key: open ones first (errors first), then resolved ones."""
        return sorted(self._found.values(), key=Finding.sort_key)

    @property
    def open_findings(self) -> list[Finding]:
        """The findings still wrong at this point (what the exit status counts)."""
        return [f for f in self.findings if f.resolved_by is None]

    @property
    def events_seen(self) -> int:
        return self._pos

    def _keep(self, found: Iterable[Finding], out: list[Finding]) -> None:
        for f in found:
            # Server messages can quote a key ("Incorrect API key provided: sk-..."): findings are
            # shown and saved, so they pass the same redaction as every other output.
            f = replace(
                f,
                title=redact_text(f.title),
                explanation=redact_text(f.explanation),
                fix=redact_text(f.fix) if f.fix else f.fix,
            )
            merge = MERGED.get(f.code)
            if merge is not None:
                pieces = self._pieces.setdefault(f.code, {})
                pieces[f.key] = f
                f = merge(list(pieces.values()))
            old = self._found.get(f.ident)
            if old == f:
                continue
            self._found[f.ident] = f
            out.append(f)


def diagnose(
    records: Iterable[Tapped | dict[str, Any]],
    dialect: Dialect | str | None = None,
    *,
    started: float | None = None,
) -> list[Finding]:
    """All findings for a whole session (records in log order)."""
    doctor = Doctor(dialect, started=started)
    for rec in records:
        if isinstance(rec, dict):
            rec = Tapped(float(rec.get("t", 0.0)), rec.get("dir", "server"), rec.get("event") or {})
        doctor.feed(rec)
    doctor.finish()
    return doctor.findings
