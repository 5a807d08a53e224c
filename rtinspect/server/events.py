"""Shapes of server events and objects in each dialect, so the handlers never spell a name twice.

The differences that matter to clients: GA adds a conversation item with ``conversation.item.added`` and
finishes it with ``conversation.item.done`` where beta sends one ``conversation.item.created``; GA renames
the response deltas (``response.output_audio.delta`` vs ``response.audio.delta``) and assistant content types
(``output_audio`` vs ``audio``); GA items have no ``object`` field; GA deltas carry ``obfuscation``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rtinspect.protocol import Dialect
from rtinspect.server.ids import new_id, obfuscation

DELTA_NAMES = {
    Dialect.GA: {
        "audio": "response.output_audio",
        "transcript": "response.output_audio_transcript",
        "text": "response.output_text",
    },
    Dialect.BETA: {
        "audio": "response.audio",
        "transcript": "response.audio_transcript",
        "text": "response.text",
    },
}


def event(type_: str, **fields: Any) -> dict[str, Any]:
    """A server event: ``type`` and a fresh ``event_id`` first, as the live server orders them."""
    return {"type": type_, "event_id": new_id("event"), **fields}


def error_event(
    code: str | None,
    message: str,
    *,
    param: str | None = None,
    client_event_id: str | None = None,
    type_: str = "invalid_request_error",
) -> dict[str, Any]:
    """The live error envelope; ``error.event_id`` ties it to the client event, or is null."""
    return event(
        "error",
        error={"type": type_, "code": code, "message": message, "param": param, "event_id": client_event_id},
    )


def delta_event(dialect: Dialect, name: str, **fields: Any) -> dict[str, Any]:
    ev = event(name, **fields)
    if dialect == Dialect.GA:
        ev["obfuscation"] = obfuscation()
    return ev


def item(dialect: Dialect, **fields: Any) -> dict[str, Any]:
    """A conversation item; beta items carry ``object: "realtime.item"``, GA items do not."""
    out: dict[str, Any] = {"id": fields.pop("id", None) or new_id("item")}
    if dialect == Dialect.BETA:
        out["object"] = "realtime.item"
    out.update(fields)
    return out


def assistant_content_type(dialect: Dialect, kind: str) -> str:
    """``kind`` is ``audio`` or ``text``."""
    return ("output_" + kind) if dialect == Dialect.GA else kind


def item_added_events(
    dialect: Dialect, previous_item_id: str | None, it: dict[str, Any], *, done: bool
) -> list[dict[str, Any]]:
    """GA: ``conversation.item.added`` (and ``.done`` when the item is already complete); beta: ``.created``."""
    if dialect == Dialect.BETA:
        return [event("conversation.item.created", previous_item_id=previous_item_id, item=it)]
    events = [event("conversation.item.added", previous_item_id=previous_item_id, item=it)]
    if done:
        events.append(event("conversation.item.done", previous_item_id=previous_item_id, item=it))
    return events


def usage(
    dialect: Dialect, input_text: int, input_audio: int, output_text: int, output_audio: int
) -> dict[str, Any]:
    """``response.done`` usage in the live shape; token counts are rough, deterministic estimates."""
    inp = input_text + input_audio
    out = output_text + output_audio
    if dialect == Dialect.BETA:
        return {
            "total_tokens": inp + out,
            "input_tokens": inp,
            "output_tokens": out,
            "input_token_details": {
                "cached_tokens": 0,
                "text_tokens": input_text,
                "audio_tokens": input_audio,
            },
            "output_token_details": {"text_tokens": output_text, "audio_tokens": output_audio},
        }
    return {
        "total_tokens": inp + out,
        "input_tokens": inp,
        "output_tokens": out,
        "input_token_details": {
            "text_tokens": input_text,
            "audio_tokens": input_audio,
            "image_tokens": 0,
            "cached_tokens": 0,
            "cached_tokens_details": {"text_tokens": 0, "audio_tokens": 0, "image_tokens": 0},
        },
        "output_token_details": {"text_tokens": output_text, "audio_tokens": output_audio},
    }


class TokenBudget:
    """The tokens-per-minute budget that ``rate_limits.updated`` reports, as a token bucket.

    Live captures carry one ``tokens`` entry whose ``remaining`` drops by each response's usage and whose
    ``reset_seconds`` is the time to refill it (e.g. 39700 of 40000 with 0.45 s): the bucket refills at
    ``limit`` per minute. A constant ``remaining`` would hide a client's fast loop from its own limiter.
    """

    LIMIT = 40000

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._remaining = float(self.LIMIT)
        self._at = clock()

    def spend(self, tokens: int) -> dict[str, Any]:
        """Take ``tokens`` from the bucket and return the ``rate_limits.updated`` event that says so."""
        now = self._clock()
        refill = (now - self._at) * self.LIMIT / 60.0
        self._remaining = max(0.0, min(float(self.LIMIT), self._remaining + refill) - max(0, tokens))
        self._at = now
        remaining = int(self._remaining)
        reset = round((self.LIMIT - remaining) * 60.0 / self.LIMIT, 3)
        return event(
            "rate_limits.updated",
            rate_limits=[
                {"name": "tokens", "limit": self.LIMIT, "remaining": remaining, "reset_seconds": reset}
            ],
        )
