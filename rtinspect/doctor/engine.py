"""The doctor: feeds each event to the rules that care about its type, keeps the findings.

Dispatch is by event type so the per-event cost is one dict lookup plus the handful of rules
that asked for that type: a live TUI feeds hundreds of events per second and a log can hold a
million. Live and offline use the same path: ``diagnose(records)`` is ``feed`` over the records
followed by ``finish``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from rtinspect.doctor.context import Context
from rtinspect.doctor.finding import Finding
from rtinspect.doctor.session_view import b64_len
from rtinspect.protocol import Dialect
from rtinspect.secrets import redact_text
from rtinspect.tap import Tapped

_AUDIO_FIELD = {
    "input_audio_buffer.append": "audio",
    "response.output_audio.delta": "delta",
    "response.audio.delta": "delta",
}
Handler = Callable[[Context, int, Tapped], "Iterable[Finding] | None"]


class Rule:
    """A family of related checks. ``HANDLES`` maps event type -> method name; ``"*"`` = every event."""

    HANDLES: dict[str, str] = {}

    def finish(self, ctx: Context) -> Iterable[Finding] | None:
        return None


def _rule_classes() -> list[type[Rule]]:
    # Imported here to keep the module graph acyclic (rule modules import Rule from this one).
    from rtinspect.doctor import (
        audio_rules,
        buffer_rules,
        connection_rules,
        function_rules,
        info_rules,
        response_rules,
        session_rules,
    )

    # Order matters only for errors: specific rules claim them before the generic catch-all.
    return [
        *session_rules.RULES,
        *audio_rules.RULES,
        *buffer_rules.RULES,
        *response_rules.RULES,
        *function_rules.RULES,
        *info_rules.RULES,
        *connection_rules.RULES,
    ]


class Doctor:
    """Incremental diagnosis. ``feed`` each event in order; ``finish`` once at the end."""

    def __init__(self, dialect: Dialect | str | None = None, *, started: float | None = None) -> None:
        self.ctx = Context(Dialect(dialect) if dialect else None, started)
        self.rules: list[Rule] = [cls() for cls in _rule_classes()]
        self._dispatch: dict[str, list[Handler]] = {}
        self._every: list[Handler] = []
        for rule in self.rules:
            for typ, name in rule.HANDLES.items():
                handler = getattr(rule, name)
                if typ == "*":
                    self._every.append(handler)
                else:
                    self._dispatch.setdefault(typ, []).append(handler)
        self._found: dict[tuple[str, str], Finding] = {}
        self._pos = 0
        self._finished = False
        self.malformed: list[int] = []  # first positions of events a rule could not read
        self.malformed_count = 0

    def feed(self, rec: Tapped) -> list[Finding]:
        """Fold one event; return the findings this event created or changed."""
        pos = self._pos
        self._pos += 1
        ctx = self.ctx
        ctx.pos = pos
        ctx.t = rec.t
        out: list[Finding] = []
        typ = rec.event.get("type")
        if not isinstance(typ, str):
            typ = ""
        if typ in _AUDIO_FIELD:  # most of a log: measure the payload once for every rule
            ctx.nbytes = b64_len(rec.event.get(_AUDIO_FIELD[typ]))
        handlers = self._dispatch.get(typ, ())
        if self._every:
            handlers = [*handlers, *self._every]
        for handler in handlers:
            # A malformed event (a string where an object belongs, a missing field) must not end
            # the diagnosis of everything after it: skip it for this rule and note where it was.
            try:
                res = handler(ctx, pos, rec)
                if res is not None and not isinstance(res, list):
                    res = list(res)  # generators run here, inside the guard
            except (AttributeError, TypeError, ValueError, KeyError, IndexError):
                self._malformed(pos)
                continue
            if res:
                self._keep(res, out)
        try:
            ctx.apply(pos, rec, typ)
        except (AttributeError, TypeError, ValueError, KeyError, IndexError):
            self._malformed(pos)
        return out

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
                res = rule.finish(self.ctx)
                res = list(res) if res is not None else None
            except (AttributeError, TypeError, ValueError, KeyError, IndexError):
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
        """Current findings, one per code+key, errors first."""
        return sorted(self._found.values(), key=Finding.sort_key)

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
