"""Faults the embedded server can play on purpose, in the shapes the live API uses (one place for them all).

A team's test of "what does my app do when the API fails" needs the failure as its client will really see
it. Sources are in docs/protocol.md §16; where no live payload is published the
shape follows the live envelope and the doc says so.

Response faults end the response they are given to: ``rate_limit_exceeded`` and ``insufficient_quota``
(``response.done`` with ``status: failed``), ``max_output_tokens`` and ``content_filter`` (``incomplete``,
the answer cut short), ``server_error`` (an ``error`` of type ``server_error``, then ``failed``),
``dropped_connection`` (the socket closes with 1011 mid-response), ``slow_first_audio`` (a delay before the
first delta). ``transcription_failed`` fails the turn's input transcription. ``session_expired`` ends the
session after a (scaled-down) maximum duration with the live error and close.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rtinspect.errors import UserError
from rtinspect.server.events import error_event, event

RESPONSE_FAILED = {
    "rate_limit_exceeded": {
        "type": "tokens",
        "code": "rate_limit_exceeded",
        "message": "Rate limit reached for {model} in organization org-rtinspect-local on tokens per min (TPM): "
        "Limit 40000, Used 40000, Requested 1200. Please try again in 1.8s. "
        "(rtinspect local server: a scripted fault)",
    },
    "insufficient_quota": {
        "type": "insufficient_quota",
        "code": "insufficient_quota",
        "message": "You exceeded your current quota, please check your plan and billing details. "
        "(rtinspect local server: a scripted fault)",
    },
}
INCOMPLETE = ("max_output_tokens", "content_filter")
INCOMPLETE_WORDS = 3  # an incomplete answer stops after this many words
SERVER_ERROR_MESSAGE = (
    "The server had an error while processing your request. Sorry about that! You can retry your request, "
    "or contact us through our help center at help.openai.com if the error persists. "
    "(rtinspect local server: a scripted fault)"
)
DROPPED_CLOSE = (1011, "keepalive ping timeout")
TRANSCRIPTION_FAILED = {
    "type": "transcription_error",
    "code": "audio_unintelligible",
    "message": "Audio could not be transcribed. (rtinspect local server: a scripted fault)",
    "param": None,
}
SESSION_EXPIRED_CLOSE = 1001
DEFAULT_SLOW_MS = 3000
DEFAULT_SESSION_S = 30.0

RESPONSE_FAULTS = (*RESPONSE_FAILED, *INCOMPLETE, "server_error", "dropped_connection", "slow_first_audio")
ALL = (*RESPONSE_FAULTS, "transcription_failed", "session_expired")


@dataclass(frozen=True, slots=True)
class Fault:
    """A fault by name, with its one number where it has one (ms for ``slow_first_audio``, seconds for
    ``session_expired``)."""

    name: str
    value: float | None = None

    @property
    def delay_s(self) -> float:
        return (self.value if self.value is not None else DEFAULT_SLOW_MS) / 1000.0

    @property
    def session_s(self) -> float:
        return self.value if self.value is not None else DEFAULT_SESSION_S


def parse(spec: str) -> Fault:
    """``NAME`` or ``NAME:NUMBER`` (``slow_first_audio:2000`` ms, ``session_expired:30`` s), as on the
    command line; raises ``UserError`` naming the valid faults."""
    name, _, number = spec.partition(":")
    name = name.strip()
    if name not in ALL:
        raise UserError(f"unknown fault {name!r}: use one of {', '.join(ALL)}")
    value = None
    if number:
        try:
            value = float(number)
        except ValueError:
            raise UserError(f"fault {name}: {number!r} is not a number") from None
        if value < 0:
            raise UserError(f"fault {name}: {number!r} must not be negative")
    return Fault(name, value)


def failed_details(name: str, model: str | None) -> dict[str, Any]:
    """``status_details`` of a ``response.done`` with ``status: failed``."""
    if name == "server_error":
        error = {"type": "server_error", "code": None, "message": SERVER_ERROR_MESSAGE}
    else:
        error = dict(RESPONSE_FAILED[name])
        error["message"] = error["message"].format(model=model or "gpt-realtime")
    return {"type": "failed", "error": error}


def incomplete_details(name: str) -> dict[str, Any]:
    return {"type": "incomplete", "reason": name}


def server_error_event() -> dict[str, Any]:
    """The live ``error`` event of an internal failure: type ``server_error``, code null."""
    return error_event(None, SERVER_ERROR_MESSAGE, type_="server_error")


def transcription_failed_event(item_id: str) -> dict[str, Any]:
    return event(
        "conversation.item.input_audio_transcription.failed",
        item_id=item_id,
        content_index=0,
        error=dict(TRANSCRIPTION_FAILED),
    )


def session_expired(minutes: float) -> tuple[dict[str, Any], int, str]:
    """The live end of a session at its maximum duration: the ``session_expired`` error, then close 1001
    with the same sentence as the reason."""
    shown = int(minutes) if float(minutes).is_integer() else round(minutes, 2)
    message = f"Your session hit the maximum duration of {shown} minutes."
    return error_event("session_expired", message), SESSION_EXPIRED_CLOSE, message
