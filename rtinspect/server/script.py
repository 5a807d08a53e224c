"""Server scripts: ordered rules that decide what the local model answers, for tests that need a given reply.

A script is a YAML or JSON file (or the same data as a dict)::

    session_expires_after_s: 30          # optional: end every session after 30 s, the live way
    rules:
      - match: "weather"                 # a regex searched (case-insensitive) in the user's words
        call: get_weather                # a tool call: arguments from the words and the tool's schema...
      - match: "weather in (?P<city>\\w+)"
        call: {name: get_weather, arguments: {city: Oslo}}   # ...or given
      - turn: 3                          # the 3rd user message of the session
        fault: rate_limit_exceeded       # a fault by name (see rtinspect.server.faults)
      - match: "slow"
        first_audio_delay_ms: 2000       # wait before the first delta (combines with say/call)
        say: "Sorry for the wait."       # the answer's words
      - match: "forbidden"
        error: {code: invalid_value, message: "Nope."}   # an error event, the response fails
      - match: "flight"
        preamble: "Let me check that."  # gpt-realtime-2 style: a spoken preamble, then the answer (or call),
        say: "Your flight is on time."   # as two output items of one response
      - match: "loop"
        call: {name: get_weather, arguments: {city: Paris}}
        repeat: 12                       # a model that loops: the same call up to 12 times for one message
      - say: "Anything else."            # no condition: every turn

The first rule whose conditions all hold is used; with none, the built-in rule answers
(``rtinspect.server.tools``). A rule that would call a tool already called for this user message is skipped,
so a script cannot make a framework loop by accident; ``repeat: N`` is the explicit opt-in, for a test of
what a client does when a model does loop: the rule calls its tool up to N times for one user message, then
is skipped (and the model answers with the outputs). Bad scripts raise ``UserError`` with one line naming
the rule and the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rtinspect.errors import UserError
from rtinspect.server import faults
from rtinspect.server.faults import Fault
from rtinspect.server.tools import Turn

RULE_FIELDS = ("match", "turn", "say", "call", "error", "fault", "first_audio_delay_ms", "preamble", "repeat")
ACTIONS = ("say", "call", "error", "fault", "first_audio_delay_ms", "preamble")
TOP_FIELDS = ("rules", "session_expires_after_s", "faults")


@dataclass(frozen=True, slots=True)
class Rule:
    where: str  # "rules[2]", for messages
    match: re.Pattern[str] | None = None
    turn: int | None = None
    say: str | None = None
    call: str | None = None
    arguments: dict[str, Any] | None = None  # None: from the words and the tool's schema
    error: dict[str, Any] | None = None
    fault: Fault | None = None
    first_audio_delay_ms: float | None = None
    preamble: str | None = None  # words of a first assistant message, before the answer or call
    repeat: int = 1  # how many times this rule may call its tool for one user message

    def applies(self, turn: Turn) -> bool:
        if self.turn is not None and self.turn != turn.number:
            return False
        if self.match is not None and not self.match.search(turn.words or ""):
            return False
        return not (self.call is not None and turn.called.count(self.call) >= self.repeat)


@dataclass(frozen=True, slots=True)
class Script:
    rules: tuple[Rule, ...] = ()
    session_expires_after_s: float | None = None
    faults: tuple[Fault, ...] = field(default=())  # apply to every turn (``--fault``)

    def rule_for(self, turn: Turn) -> Rule | None:
        return next((r for r in self.rules if r.applies(turn)), None)

    def with_faults(self, specs: Iterable[str | Fault]) -> Script:
        """Add faults for every turn (``--fault``); ``session_expired`` sets the session's duration."""
        script = self
        for spec in specs:
            fault = spec if isinstance(spec, Fault) else faults.parse(spec)
            if fault.name == "session_expired":
                script = replace(script, session_expires_after_s=fault.session_s)
            else:
                script = replace(script, faults=(*script.faults, fault))
        return script

    def turn_fault(self, turn: Turn, names: Iterable[str]) -> Fault | None:
        """The first fault among ``names`` that applies to this turn, from ``--fault`` or a rule."""
        wanted = set(names)
        for fault in self.faults:
            if fault.name in wanted:
                return fault
        rule = self.rule_for(turn)
        if rule is not None and rule.fault is not None and rule.fault.name in wanted:
            return rule.fault
        return None


def load(path: str | Path) -> Script:
    """Read a script file (``.json``, else YAML); any problem is one ``UserError`` line."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"script {p}: cannot read it ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise UserError(f"script {p}: not UTF-8 text") from None
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserError(f"script {p}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    else:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f" at line {mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or "not valid YAML"
            raise UserError(f"script {p}: invalid YAML{at}: {problem}") from None
    return from_data(data, source=str(p))


def from_data(data: Any, *, source: str = "script") -> Script:
    """Check and build a script from parsed data (a dict with ``rules``, or a bare list of rules)."""
    if isinstance(data, list):
        data = {"rules": data}
    if not isinstance(data, Mapping):
        raise UserError(f"{source}: expected a mapping with 'rules' (or a list of rules)")
    unknown = [k for k in data if k not in TOP_FIELDS]
    if unknown:
        raise UserError(f"{source}: unknown field {unknown[0]!r}: use {', '.join(TOP_FIELDS)}")
    rules_data = data.get("rules") or []
    if not isinstance(rules_data, list):
        raise UserError(f"{source}: 'rules' must be a list of rules")
    rules = tuple(_rule(r, f"rules[{i}]", source) for i, r in enumerate(rules_data))
    expires = data.get("session_expires_after_s")
    if expires is not None and (not _number(expires) or expires <= 0):
        raise UserError(f"{source}: session_expires_after_s must be a positive number of seconds")
    script = Script(rules=rules, session_expires_after_s=float(expires) if expires is not None else None)
    fault_specs = data.get("faults") or []
    if not isinstance(fault_specs, list) or not all(isinstance(f, str) for f in fault_specs):
        raise UserError(f"{source}: 'faults' must be a list of fault names")
    try:
        return script.with_faults(fault_specs)
    except UserError as exc:
        raise UserError(f"{source}: faults: {exc}") from None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _rule(data: Any, where: str, source: str) -> Rule:
    def bad(what: str) -> UserError:
        return UserError(f"{source}: {where}: {what}")

    if not isinstance(data, Mapping):
        raise bad("a rule must be a mapping of fields")
    unknown = [k for k in data if k not in RULE_FIELDS]
    if unknown:
        raise bad(f"unknown field {unknown[0]!r}: use {', '.join(RULE_FIELDS)}")
    if not any(k in data for k in ACTIONS):
        raise bad(f"no action: give one of {', '.join(ACTIONS)}")
    if sum(k in data for k in ("say", "call", "error", "fault")) > 1:
        raise bad("say, call, error and fault exclude each other: give one")
    fields: dict[str, Any] = {"where": where}
    if "match" in data:
        if not isinstance(data["match"], str):
            raise bad("match must be a regular expression (a string)")
        try:
            fields["match"] = re.compile(data["match"], re.IGNORECASE)
        except re.error as exc:
            raise bad(f"match is not a valid regular expression: {exc}") from None
    if "turn" in data:
        turn = data["turn"]
        if not isinstance(turn, int) or isinstance(turn, bool) or turn < 1:
            raise bad("turn must be a positive integer (1 is the first user message)")
        fields["turn"] = turn
    if "say" in data:
        if not isinstance(data["say"], str):
            raise bad("say must be a string")
        fields["say"] = data["say"]
    if "call" in data:
        call = data["call"]
        if isinstance(call, str) and call:
            fields["call"] = call
        elif isinstance(call, Mapping) and isinstance(call.get("name"), str) and call["name"]:
            extra = [k for k in call if k not in ("name", "arguments")]
            if extra:
                raise bad(f"call: unknown field {extra[0]!r}: use name, arguments")
            if "arguments" in call and not isinstance(call["arguments"], Mapping):
                raise bad("call.arguments must be a mapping")
            fields["call"] = call["name"]
            fields["arguments"] = dict(call["arguments"]) if "arguments" in call else None
        else:
            raise bad("call must be a tool name or a mapping with 'name' (and 'arguments')")
    if "error" in data:
        error = data["error"]
        if not isinstance(error, Mapping) or not isinstance(error.get("message"), str):
            raise bad("error must be a mapping with a 'message' (and 'code', 'type', 'param')")
        extra = [k for k in error if k not in ("code", "message", "type", "param")]
        if extra:
            raise bad(f"error: unknown field {extra[0]!r}: use code, message, type, param")
        fields["error"] = {
            "type": str(error.get("type") or "invalid_request_error"),
            "code": error.get("code"),
            "message": error["message"],
            "param": error.get("param"),
        }
    if "fault" in data:
        if not isinstance(data["fault"], str):
            raise bad("fault must be a fault name")
        try:
            fields["fault"] = faults.parse(data["fault"])
        except UserError as exc:
            raise bad(f"fault: {exc}") from None
        if fields["fault"].name == "session_expired":
            raise bad("fault: session_expired is for the whole session: use session_expires_after_s")
    if "preamble" in data:
        if not isinstance(data["preamble"], str) or not data["preamble"].strip():
            raise bad("preamble must be the words of the preamble (a non-empty string)")
        if "error" in data or "fault" in data:
            raise bad("preamble goes with say or call (or the built-in answer), not error or fault")
        fields["preamble"] = data["preamble"]
    if "repeat" in data:
        repeat = data["repeat"]
        if not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 1:
            raise bad("repeat must be a positive integer (the most calls of the tool for one user message)")
        if "call" not in data:
            raise bad("repeat needs call: it is how many times the rule calls its tool for one message")
        fields["repeat"] = repeat
    if "first_audio_delay_ms" in data:
        delay = data["first_audio_delay_ms"]
        if not _number(delay) or delay < 0:
            raise bad("first_audio_delay_ms must be a number of milliseconds, 0 or more")
        fields["first_audio_delay_ms"] = float(delay)
    return Rule(**fields)
