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


class ToolLoopRule(Rule):
    """The same tool called again and again with the same arguments: a runaway loop (the model does
    not see the result, or the client re-asks without it)."""

    HANDLES = {"response.function_call_arguments.done": "on_call"}
    LOOP = 3  # the same call this many times is no longer a retry

    def __init__(self) -> None:
        self.calls: dict[tuple[str, str], list[int]] = {}

    def on_call(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        name, args = rec.event.get("name"), rec.event.get("arguments")
        if not isinstance(name, str) or not isinstance(args, str) or len(self.calls) >= 1000:
            return None
        seen = self.calls.setdefault((name, args), [])
        seen.append(pos)
        n = len(seen)
        if n < self.LOOP or not (n <= 5 or n & (n - 1) == 0):
            return None  # re-rendered at a bounded cadence, and with the final count at the end
        return [self._finding(name, args, seen)]

    def finish(self, scope: Scope) -> list[Finding]:
        return [self._finding(n, a, seen) for (n, a), seen in self.calls.items() if len(seen) >= self.LOOP]

    def _finding(self, name: str, args: str, seen: list[int]) -> Finding:
        n = len(seen)
        short = args if len(args) <= 80 else args[:77] + "..."
        return Finding(
            "error",
            "tool-call-loop",
            f"{name} called {n} times with the same arguments",
            f"The model called {name}({short}) {n} times. Each call should be answered once with a "
            "function_call_output item and ONE response.create; when the model calls again with the same "
            "arguments it did not get (or did not accept) the result: check that the output carries the same "
            "call_id, that it is sent before response.create, and that the client does not re-send the "
            "request. To stop a loop, answer the next response without tools.",
            tuple(seen[:20]),
            pretty_events(
                [
                    _output_event("<call_id of the call>"),
                    {"type": "response.create", "response": {"tool_choice": "none"}},
                ]
            ),
            key=f"{name}:{args[:200]}",
        )


RULES: list[type[Rule]] = [FunctionCallRule, ToolLoopRule]
