"""Connection and account errors: rate limit, quota, authentication, model, session expiry,
close codes, and a catch-all so that no server error goes unmentioned."""

from __future__ import annotations

from rtinspect.doctor.finding import Finding, pretty_events
from rtinspect.doctor.rule import Rule, Scope
from rtinspect.tap import META_CONNECTION_CLOSED, META_TRANSPORT_ERROR, AudioRun, Tapped

# error code -> (doctor code, title, explanation)
_KNOWN: dict[str, tuple[str, str, str]] = {
    "rate_limit_exceeded": (
        "rate-limited",
        "rate limit exceeded",
        "Too many tokens or requests per minute for this key. Back off (see "
        "rate_limits.updated reset_seconds) and retry, or ask for a higher limit.",
    ),
    "insufficient_quota": (
        "quota-exceeded",
        "quota exhausted",
        "The account has no credit or hit its monthly budget: check billing; retrying will not help.",
    ),
    "invalid_api_key": (
        "authentication-failed",
        "the API key was refused",
        "The key is wrong, revoked, or for another project; the server closes with 3000. For "
        "browser clients use a fresh ephemeral client secret (they expire).",
    ),
    # no live code: the live error for a request without credentials has code null and this message
    "(missing key)": (
        "authentication-missing",
        "no API key was sent",
        "The connection carried no credential (Authorization header, api-key header or key "
        "subprotocol); the server closes with 3000. Send 'Authorization: Bearer <key>' (rtinspect's "
        "local server accepts any key).",
    ),
    "session_expired": (
        "session-expired",
        "the session hit its maximum duration",
        "Realtime sessions have a maximum duration (30-60 min). Open a new session and carry the "
        "context over (e.g. a summary in instructions).",
    ),
    "invalid_model": (
        "invalid-model",
        "the model name is not valid",
        "The ?model= parameter names no Realtime model; the server closes with 4000. Use e.g. gpt-realtime.",
    ),
    "missing_model": (
        "invalid-model",
        "no model given",
        "Add ?model=gpt-realtime (or ?intent=transcription) to the URL; the server closes with 4000.",
    ),
    "invalid_json": (
        "invalid-client-event",
        "the client sent text that is not JSON",
        "Every client frame must be one JSON event.",
    ),
    "invalid_event": (
        "invalid-client-event",
        "the client sent an event the server cannot read",
        "Binary frames and events without a 'type' are refused: send JSON text frames.",
    ),
}
# ``invalid_value`` with param ``type`` refuses a client event type that does not exist (docs/protocol.md §8)
_UNKNOWN_TYPE = (
    "invalid-client-event",
    "the client sent an event type that does not exist",
    "The event's 'type' is none of the client events (the server's message lists them): check its spelling "
    "and the API dialect (GA names differ from beta ones).",
)
_CLOSES = {
    1001: ("warning", "The server is going away (restart, or the session idled out); reconnect."),
    1006: ("warning", "The connection dropped without a close frame (network, proxy or process died)."),
    1011: ("error", "The server hit an internal error; retry."),
    3000: ("error", "Closed for authentication: the API key or client secret was missing or refused."),
    4000: ("error", "Closed for an invalid request (bad or missing model, or the retired beta interface)."),
}


class ErrorRule(Rule):
    """Errors no specific rule explained, the known account/connection errors, and close codes."""

    HANDLES = {"error": "on_error", META_CONNECTION_CLOSED: "on_close", META_TRANSPORT_ERROR: "on_transport"}

    def on_error(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        if pos in scope.claimed:
            return None
        err = rec.event.get("error") or {}
        code = str(err.get("code") or "")
        msg = str(err.get("message") or "")
        if not code and msg.lower().startswith("missing bearer"):
            code = "(missing key)"
        elif not code and "authentication" in msg.lower():
            code = "invalid_api_key"
        known = _UNKNOWN_TYPE if code == "invalid_value" and err.get("param") == "type" else _KNOWN.get(code)
        if known is not None:
            dcode, title, text = known
            return [
                Finding("error", dcode, title, f"{text} The server said: {msg}", (pos,), None, key=str(pos))
            ]
        kind = str(err.get("type") or "")
        sev = "error" if kind == "server_error" or code else "warning"
        return [
            Finding(
                sev,
                "server-error",
                f"server error {code or kind or '(no code)'}",
                f"The server answered with an error: {msg or '(no message)'}"
                + (f" (param {err.get('param')})" if err.get("param") else ""),
                (pos,),
                None,
                key=str(pos),
            )
        ]

    def on_close(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        code = rec.event.get("code")
        reason = str(rec.event.get("reason") or "")
        if pos in scope.claimed or code in (None, 1000, 1005) or "beta_api_shape_disabled" in reason:
            return None
        if code == 1011 and "keepalive" in reason.lower():
            return [_keepalive(pos, rec.event.get("by"), reason)]
        sev, text = _CLOSES.get(
            code,
            (
                "error" if isinstance(code, int) and code >= 3000 else "warning",
                "The connection closed abnormally.",
            ),
        )
        return [
            Finding(
                sev,
                "connection-closed",
                f"connection closed with code {code}",
                text + (f" Reason: {reason}" if reason else ""),
                (pos,),
                None,
                key=str(code),
            )
        ]

    def on_transport(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding]:
        return [
            Finding(
                "warning",
                "transport-error",
                "transport error",
                str(rec.event.get("message") or "the connection failed"),
                (pos,),
                None,
                key=str(pos),
            )
        ]


def _keepalive(pos: int, by: object, reason: str) -> Finding:
    return Finding(
        "error",
        "keepalive-timeout",
        "closed 1011: a keepalive ping went unanswered",
        f"The connection closed with 1011 ({reason}): one side sent a WebSocket ping and got no pong in "
        "time (the server pings about every 20 s). On the client this almost always means its event loop "
        "was blocked (audio capture, file reading, a model call or time.sleep on the loop thread), so it "
        "could not answer; a network stall is the other cause."
        + (" The close came from the client's side." if by == "client" else ""),
        (pos,),
        pretty_events(
            [
                "keep the WebSocket's event loop free: run blocking work in a thread "
                "(await asyncio.to_thread(read_audio)) and never time.sleep() in async code",
                "websockets: connect(url, ping_interval=20, ping_timeout=20) (the defaults); reconnect on 1011",
            ]
        ),
        key="1011",
    )


class ExpiryRule(Rule):
    """``expires_at`` approaching (needs the log's start time to place it on the session clock)."""

    # Not every event: the session going on is visible in these, and they are cheap to watch.
    HANDLES = {
        "session.created": "on_created",
        **dict.fromkeys(
            (
                "input_audio_buffer.append",
                "response.created",
                "response.done",
                "conversation.item.added",
                "conversation.item.created",
                "error",
                "rtinspect.connection.closed",
                "session.update",
                "response.create",
            ),
            "on_any",
        ),
    }
    RUNS = {"input_audio_buffer.append": "on_run"}
    MARGIN_S = 120.0

    def __init__(self) -> None:
        self.expires_t: float | None = None
        self.created: int | None = None
        self.done = False

    def on_created(self, scope: Scope, pos: int, rec: Tapped) -> None:
        exp = (rec.event.get("session") or {}).get("expires_at")
        if isinstance(exp, int | float) and exp > 0 and scope.started:
            self.expires_t = exp - scope.started
            self.created = pos

    def on_run(self, scope: Scope, pos: int, run: AudioRun) -> list[Finding] | None:
        """The first append of the run at or past the margin, as ``on_any`` would have met it."""
        if self.expires_t is None or self.done:
            return None
        times = run.times
        k = next((k for k in range(len(run)) if times[k] >= self.expires_t - self.MARGIN_S), None)
        if k is None:
            return None
        return self.on_any(scope, pos + k, Tapped(float(times[k]), run.dir, run.events[k]))

    def on_any(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        if self.expires_t is None or self.done or rec.t < self.expires_t - self.MARGIN_S:
            return None
        if rec.type == "error" and (rec.event.get("error") or {}).get("code") == "session_expired":
            self.done = True
            return None
        self.done = True
        left = self.expires_t - rec.t
        return [
            Finding(
                "warning",
                "session-expiring",
                "the session is about to expire",
                f"session.created said expires_at is {left:.0f} s away at this point; the server will end the "
                "session with error session_expired. Plan a reconnect with the context carried over.",
                tuple(p for p in (self.created, pos) if p is not None),
                None,
            )
        ]


RULES: list[type[Rule]] = [ExpiryRule, ErrorRule]
