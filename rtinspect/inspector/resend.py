"""Edit and resend: which event of a session can be sent again, and the copy the editor starts from.

Why a module of its own: the rule (client events only, a fresh ``event_id``, never a damaged line)
is the feature's one decision, and it is tested without a UI. The editor validates the copy with
``rtinspect.protocol`` exactly as the ``u`` editor does before anything reaches the socket.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from rtinspect.inspector.model import SessionModel


@dataclass(frozen=True, slots=True)
class ResendDraft:
    """What the editor opens: the event to send again, or why there is none."""

    event: dict[str, Any] | None
    reason: str = ""
    source: int | None = None  # the event index it copies
    type: str = ""


def resend_draft(model: SessionModel, event: int | None) -> ResendDraft:
    """The client event at ``event`` as a fresh copy to send again, or a one-line reason why not.

    The copy drops ``event_id``: the client's id names one send, and a resend is another send (the
    server would otherwise echo an id the session already used in its errors, and attribution would
    point at the original).
    """
    if event is None:
        return ResendDraft(None, "no event is selected")
    idx = model.index
    if not 0 <= event < len(idx):
        return ResendDraft(None, f"no event #{event}")
    rec = idx.rec(event)
    if rec.dir != "client":
        return ResendDraft(
            None, f"#{event} {rec.type} is a {rec.dir} event: only client events can be resent"
        )
    if not isinstance(rec.event, dict) or not rec.event.get("type"):
        return ResendDraft(None, f"#{event} is not a JSON object with a type: nothing to resend")
    copied = copy.deepcopy(rec.event)
    copied.pop("event_id", None)
    return ResendDraft(copied, source=event, type=str(copied["type"]))
