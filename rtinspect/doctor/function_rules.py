"""Function calls: a call the client never answered, an answer never followed by
``response.create``, and several answers each triggering a response of its own."""

from __future__ import annotations

from dataclasses import dataclass

from rtinspect.doctor.finding import Finding, pretty_events
from rtinspect.doctor.rule import Rule, Scope
from rtinspect.tap import Tapped


@dataclass
class _Call:
    pos: int
    response: str
    name: str
    output: int | None = None
    create: int | None = None


def _output_event(call_id: str) -> dict[str, object]:
    return {
        "type": "conversation.item.create",
        "item": {"type": "function_call_output", "call_id": call_id, "output": "<JSON result>"},
    }


class FunctionCallRule(Rule):
    HANDLES = {
        "response.function_call_arguments.done": "on_call",
        "conversation.item.create": "on_item",
        "response.create": "on_create",
    }

    def __init__(self) -> None:
        self.calls: dict[str, _Call] = {}
        self.reported_split: set[str] = set()

    def on_call(self, scope: Scope, pos: int, rec: Tapped) -> None:
        cid = rec.event.get("call_id")
        if isinstance(cid, str):
            self.calls[cid] = _Call(
                pos, str(rec.event.get("response_id") or ""), str(rec.event.get("name") or "")
            )

    def on_item(self, scope: Scope, pos: int, rec: Tapped) -> None:
        item = rec.event.get("item") or {}
        call = self.calls.get(item.get("call_id")) if item.get("type") == "function_call_output" else None
        if call is not None and call.output is None:
            call.output = pos

    def on_create(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        newly = [c for c in self.calls.values() if c.output is not None and c.create is None]
        for c in newly:
            c.create = pos
        out: list[Finding] = []
        for c in newly:
            siblings = [s for s in self.calls.values() if s.response == c.response]
            creates = {s.create for s in siblings if s.create is not None}
            if len(siblings) > 1 and len(creates) > 1 and c.response not in self.reported_split:
                self.reported_split.add(c.response)
                ids = [cid for cid, s in self.calls.items() if s.response == c.response]
                out.append(
                    Finding(
                        "warning",
                        "function-outputs-separate-responses",
                        "each function output triggered its own response.create",
                        f"Response {c.response} asked for {len(siblings)} function calls; the client answered them one "
                        "by one, each followed by response.create, so the model answered several times (and the second "
                        "create can collide with the first response). Send all outputs, then one response.create.",
                        tuple(
                            sorted(p for s in siblings for p in (s.pos, s.output, s.create) if p is not None)
                        ),
                        pretty_events([*(_output_event(i) for i in ids), {"type": "response.create"}]),
                        key=c.response,
                    )
                )
        return out or None

    def finish(self, scope: Scope) -> list[Finding]:
        out: list[Finding] = []
        for cid, c in self.calls.items():
            if c.output is None:
                out.append(
                    Finding(
                        "error",
                        "function-call-unanswered",
                        f"function call {c.name or cid} was never answered",
                        f"The model called {c.name or 'a function'} (call_id {cid}) and waits for its result: send a "
                        "conversation.item.create with a function_call_output for that call_id, then response.create.",
                        (c.pos,),
                        pretty_events([_output_event(cid), {"type": "response.create"}]),
                        key=cid,
                    )
                )
            elif c.create is None:
                out.append(
                    Finding(
                        "error",
                        "function-output-without-response",
                        "function output sent but no response.create",
                        f"The output for call {cid} was added to the conversation but the model is only asked to "
                        "continue by response.create, which never came.",
                        (c.pos, c.output),
                        pretty_events([_output_event(cid), {"type": "response.create"}]),
                        key=cid,
                    )
                )
        return out


RULES: list[type[Rule]] = [FunctionCallRule]
