"""Session configuration rules: rejected updates, the retired beta interface, silently kept
defaults, and transcription that was never turned on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rtinspect.doctor import fixes
from rtinspect.doctor.finding import Finding, pretty_events
from rtinspect.doctor.rule import MISSING, Rule, Scope
from rtinspect.protocol import Dialect
from rtinspect.protocol.dialect import dialect_of_event
from rtinspect.tap import META_CONNECTION_CLOSED, META_CONNECTION_OPENED, Tapped

# error code -> doctor code: the live codes of docs/protocol.md §8 and §11, and the range codes the
# protocol's validator (protocol/validate.py) derives from the live integer_below_min_value
_REJECT_CODES = {
    "unknown_parameter": "session-unknown-parameter",
    "invalid_type": "session-invalid-type",
    "invalid_value": "session-invalid-value",
    "integer_below_min_value": "session-value-out-of-range",
    "integer_above_max_value": "session-value-out-of-range",
    "decimal_below_min_value": "session-value-out-of-range",
    "decimal_above_max_value": "session-value-out-of-range",
    "missing_required_parameter": "session-missing-type",
    "cannot_update_voice": "session-voice-locked",
}
_TITLES = {
    "session-unknown-parameter": "session.update has a field the server does not know",
    "session-other-dialect-field": "session.update uses a field of the other API dialect",
    "session-invalid-type": "session.update has a value of the wrong type",
    "session-invalid-value": "session.update has a value the server does not accept",
    "session-value-out-of-range": "session.update has a value out of range",
    "session-missing-type": "GA session.update without session.type",
    "session-update-rejected": "the server rejected a session.update",
    "session-voice-locked": "the voice cannot change once the assistant has spoken",
}
BETA_FIELDS = fixes.BETA_TOP - fixes.GA_TOP


def _static_problems(event: dict[str, Any], ga: bool) -> list[tuple[str, str, str]]:
    """``(doctor code, path, detail)`` for what the server would reject: the protocol validator's
    verdict (the live server's codes) plus rtinspect's own dialect and ``enabled`` checks."""
    own = fixes.session_problems(event["session"], ga)
    try:
        from rtinspect.protocol import Dialect
        from rtinspect.protocol.validate import validate_client_event

        found = validate_client_event(event, Dialect.GA if ga else Dialect.BETA)
    except Exception:  # noqa: BLE001 - the validator is an aid; the doctor's own checks still run
        return own
    out: list[tuple[str, str, str]] = []
    for p in found:
        code = _REJECT_CODES.get(p.code, "session-update-rejected")
        leaf = p.path.rsplit(".", 1)[-1]
        if code == "session-unknown-parameter" and ga and leaf in BETA_FIELDS and p.path.count(".") == 1:
            code = "session-other-dialect-field"
        mine = next((d for c, q, d in own if q == p.path), None)
        out.append((code, p.path, " ".join(x for x in (p.message.rstrip("."), p.hint, mine) if x)))
    seen = {q for _, q, _ in out}
    return out + [x for x in own if x[1] not in seen and x[0] != "session-missing-type"]


def _fix_for(scope: Scope, update: dict[str, Any]) -> str:
    session = update.get("session") if isinstance(update.get("session"), dict) else {}
    return fixes.update_json(fixes.corrected(session, scope.is_ga))


def _voice_fix(scope: Scope, session: dict[str, Any]) -> str:
    """The same update without the voice (the rest of it can still apply), and where the voice goes."""
    rest = fixes.without(fixes.corrected(session, scope.is_ga), "audio", "output", "voice")
    rest = fixes.without(rest, "voice")
    first = {
        "type": "session.update",
        "session": {"type": "realtime", "audio": {"output": {"voice": "<voice>"}}},
    }
    if not scope.is_ga:
        first = {"type": "session.update", "session": {"voice": "<voice>"}}
    steps: list[dict[str, Any] | str] = []
    if any(k != "type" for k in rest):
        steps += ["the rest of the update, without the voice:", {"type": "session.update", "session": rest}]
    steps += [
        "the voice: in the first session.update of a NEW session, before any response",
        first,
    ]
    return pretty_events(steps)


def _took_no_effect(scope: Scope, session: dict[str, Any]) -> str:
    tr = scope.setting("transcription", session)
    extra = ""
    if isinstance(tr, dict) and tr.get("model"):
        extra = f", including the transcription model '{tr.get('model')}' (so no transcripts will come)"
    return f"The server drops the WHOLE update when any field is wrong: none of it took effect{extra}."


def _parent(param: str) -> tuple[str, ...]:
    """The session object holding a rejected field: ``session.audio.input.format.rate`` ->
    ``("audio", "input", "format")``; ``()`` for a top-level field."""
    parts = param.split(".")
    if parts and parts[0] == "session":
        parts = parts[1:]
    return tuple(parts[:-1])


def _sets(session: dict[str, Any], path: tuple[str, ...]) -> bool:
    node: Any = session
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


class SessionUpdateRule(Rule):
    """Updates the server rejected (error) or would reject (static check), with the corrected update.

    Lifecycle: a rejection is resolved when a later update that sets the object holding the
    rejected field (``audio.input.format`` for a refused ``rate``; any update for a top-level field)
    is accepted by ``session.updated``: the client corrected it.
    """

    HANDLES = {"session.update": "on_update", "error": "on_error", "session.updated": "on_updated"}

    def __init__(self) -> None:
        self.open: dict[tuple[str, str], tuple[Finding, tuple[str, ...]]] = {}

    def _track(self, found: Finding, param: str) -> Finding:
        if len(self.open) < 200:
            self.open[found.ident] = (found, _parent(param))
        return found

    def on_updated(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        pending = scope.state.pending_updates
        if not self.open or not pending:
            return None
        accepted = pending[0]  # the update this session.updated answers
        out = []
        for ident, (found, parent) in list(self.open.items()):
            if found.events and found.events[0] >= accepted.pos or not _sets(accepted.session, parent):
                continue
            del self.open[ident]
            where = ".".join(parent) or "the session"
            out.append(
                found.resolved(pos, f"the update at #{accepted.pos} set {where} and the server accepted it")
            )
        return out or None

    def on_update(self, scope: Scope, pos: int, rec: Tapped) -> Iterator[Finding]:
        session = rec.event.get("session")
        if not isinstance(session, dict):
            return
        ga = scope.is_ga if scope.dialect is not None else dialect_of_event(rec.event) is not Dialect.BETA
        problems = _static_problems(rec.event, ga)
        if not problems:
            return
        code, path, detail = problems[0]
        more = "".join(f"\n- {p}: {d}" for _, p, d in problems[1:])
        found = Finding(
            "warning",
            code,
            _TITLES[code] + f" ({path})",
            f"{path}: {detail}. The server will reject this update.{more}\n{_took_no_effect(scope, session)}",
            (pos,),
            _fix_for(scope, rec.event),
            key=str(pos),
        )
        yield self._track(found, path)

    def on_error(self, scope: Scope, pos: int, rec: Tapped) -> Iterator[Finding]:
        err = rec.event.get("error") or {}
        if err.get("code") == "beta_api_shape_disabled":
            return
        target = scope.error_target(err, "session.update", "transcription_session.update")
        if target is None:
            return
        scope.claimed.add(pos)
        asked = next((u for u in scope.state.session.requested_history if u.pos == target), None)
        session = asked.session if asked is not None else {}
        update = {"type": "session.update", "session": session}
        param = str(err.get("param") or "")
        code = _REJECT_CODES.get(str(err.get("code")), "session-update-rejected")
        leaf = param.rsplit(".", 1)[-1]
        if (
            code == "session-unknown-parameter"
            and scope.is_ga
            and leaf in BETA_FIELDS
            and param.count(".") == 1
        ):
            code = "session-other-dialect-field"
        hint = ""
        fix = _fix_for(scope, update)
        kind = session.get("type") if isinstance(session.get("type"), str) else "realtime"
        known = fixes.GA_TOP if scope.is_ga else fixes.BETA_TOP
        if code == "session-voice-locked":
            # Never the refused change itself: the voice is fixed once assistant audio exists.
            hint = (
                " The voice is fixed once the conversation holds assistant audio: set it in the FIRST "
                "session.update, before any response, or open a new session with the voice you want."
            )
            fix = _voice_fix(scope, session)
        elif code == "session-unknown-parameter" and leaf in known and param.count(".") == 1:
            # A real field the session's type does not take (tools in a transcription session): remove it.
            hint = f" '{leaf}' is a field, but not one a '{kind}' session takes: remove it."
            fix = fixes.update_json(fixes.without(fixes.corrected(session, scope.is_ga), leaf))
        elif code == "session-unknown-parameter" and param.startswith("session."):
            fix = fixes.update_json(
                fixes.without(fixes.corrected(session, scope.is_ga), *param.split(".")[1:])
            )
        if hint:
            pass  # said above, with its own fix
        elif leaf == "enabled":
            hint = " Transcription has no 'enabled' flag: an object with a 'model' turns it on, null turns it off."
        elif leaf == "rate":
            hint = (
                " GA 'audio/pcm' accepts only 24000 Hz: resample 16 kHz audio to 24 kHz before appending it "
                "(the bytes are accepted either way, so 16 kHz audio then plays fast and transcribes badly)."
            )
        elif code == "session-other-dialect-field":
            hint = f" In GA it is '{'.'.join(fixes.BETA_TO_GA_PATH.get(leaf, (leaf,)))}'."
        elif code == "session-unknown-parameter":
            guess = fixes.did_you_mean(leaf, fixes.GA_TOP if scope.is_ga else fixes.BETA_TOP)
            hint = f" Did you mean '{guess}'?" if guess and guess != leaf else ""
        found = Finding(
            "error",
            code,
            _TITLES[code] + (f" ({param})" if param else ""),
            f"The server answered the session.update at #{target} with error {err.get('code')!r}: "
            f"{err.get('message')}{hint}\n{_took_no_effect(scope, session)}",
            (target, pos),
            fix,
            key=str(target),
        )
        yield self._track(found, param)


class BetaRetiredRule(Rule):
    """The beta interface (OpenAI-Beta header, beta events) has been switched off since 2026-05."""

    HANDLES = {META_CONNECTION_OPENED: "on_open", "error": "on_error", META_CONNECTION_CLOSED: "on_close"}

    def __init__(self) -> None:
        self.events: list[int] = []
        self.header = False

    def on_open(self, scope: Scope, pos: int, rec: Tapped) -> None:
        headers = rec.event.get("headers") or {}
        if isinstance(headers, dict) and any(str(k).lower() == "openai-beta" for k in headers):
            self.header = True
            self.events.append(pos)

    def on_error(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        if (rec.event.get("error") or {}).get("code") != "beta_api_shape_disabled":
            return None
        scope.claimed.add(pos)
        self.events.append(pos)
        return [self._finding(scope)]

    def on_close(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        if "beta_api_shape_disabled" not in str(rec.event.get("reason") or ""):
            return None
        self.events.append(pos)
        return [self._finding(scope)]

    def finish(self, scope: Scope) -> list[Finding] | None:
        return [self._finding(scope)] if len(self.events) > int(self.header) else None

    def _finding(self, scope: Scope) -> Finding:
        session = scope.last_update_session()
        return Finding(
            "error",
            "beta-interface-retired",
            "the server refused the retired beta Realtime interface",
            "The connection used the beta interface (the 'OpenAI-Beta: realtime=v1' header"
            + (", sent here" if self.header else "")
            + "). Since 2026-05 the server answers error 'beta_api_shape_disabled' and closes with code 4000. "
            "Drop the OpenAI-Beta header and speak GA: session.type, audio.input/audio.output, "
            "output_modalities, and the GA event names (response.output_audio.delta, conversation.item.added).",
            tuple(sorted(set(self.events))),
            fixes.update_json(fixes.to_ga(session)),
        )


def _leaves(obj: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(obj, dict) and obj:
        for k, v in obj.items():
            yield from _leaves(v, f"{prefix}.{k}" if prefix else k)
    else:
        yield prefix, obj


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return abs(a - b) < 1e-6
    return a == b


class DefaultKeptRule(Rule):
    """The server acknowledged an update but holds other values than the client asked for."""

    HANDLES = {"session.updated": "on_updated"}

    def on_updated(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        pending = scope.state.pending_updates
        if not pending:
            return None
        upos, asked = pending[0].pos, pending[0].session
        held = rec.event.get("session")
        if not isinstance(asked, dict) or not isinstance(held, dict):
            return None
        differ: list[str] = []
        for path, value in _leaves(asked):
            if path in ("type", "model", "") or path.startswith(("tools", "instructions")):
                continue
            cur: Any = held
            for part in path.split("."):
                cur = cur.get(part, MISSING) if isinstance(cur, dict) else MISSING
            if cur is MISSING:
                if value is None:
                    continue
                differ.append(f"{path}: asked {value!r}, the server holds nothing")
            elif not _same(cur, value) and not (
                isinstance(cur, dict) and value is not None and not isinstance(value, dict)
            ):
                differ.append(f"{path}: asked {value!r}, the server holds {cur!r}")
        if not differ:
            return None
        return [
            Finding(
                "warning",
                "session-default-kept",
                "the session kept values the client thought it changed",
                f"session.updated answered the update at #{upos} but the effective session differs:\n- "
                + "\n- ".join(differ[:8])
                + "\nTrust session.updated, not the update you sent.",
                (upos, pos),
                fixes.update_json(fixes.corrected(asked, scope.is_ga)),
                key=str(upos),
            )
        ]


_TRANSCRIPT_EVENTS = (
    "conversation.item.input_audio_transcription.delta",
    "conversation.item.input_audio_transcription.completed",
    "conversation.item.input_audio_transcription.failed",
)


class TranscriptionOffRule(Rule):
    """User audio items with ``transcript: null`` and no transcription events: it was never enabled."""

    HANDLES = {
        "conversation.item.created": "on_item",
        "conversation.item.added": "on_item",
        "conversation.item.done": "on_item",
        **{t: "on_transcript" for t in _TRANSCRIPT_EVENTS},
    }

    def __init__(self) -> None:
        self.items: list[int] = []
        self.seen_transcript = False
        self.emitted: Finding | None = None
        self._key: tuple[object, ...] | None = None  # what the emitted finding was built from

    def on_transcript(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        """The first transcription event proves transcription is on now: the finding is resolved."""
        if self.seen_transcript:
            return None
        self.seen_transcript = True
        if self.emitted is None:
            return None
        st = scope.state.session
        by = f"session.updated #{st.effective_pos} enabled it and " if st.effective_pos is not None else ""
        return [self.emitted.resolved(pos, f"{by}transcription events arrive from #{pos}")]

    def on_item(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        item = rec.event.get("item") or {}
        if item.get("role") != "user" or self.seen_transcript:
            return None
        content = item.get("content") or []
        if not any(
            isinstance(c, dict) and c.get("type") == "input_audio" and c.get("transcript") is None
            for c in content
        ):
            return None
        if len(self.items) < 5:
            self.items.append(pos)
        if scope.setting("transcription") is None:
            # every user item of a long session lands here: build the finding again only when
            # something it says changed (it would be the same finding, which the engine drops)
            st = scope.state.session
            key = (scope.is_ga, st.effective_pos, len(self.items), len(st.requested_history))
            if key != self._key:
                self._key = key
                self.emitted = self._finding(scope)
                return [self.emitted]
        return None

    def finish(self, scope: Scope) -> list[Finding] | None:
        if self.items and not self.seen_transcript and not isinstance(scope.setting("transcription"), dict):
            return [self._finding(scope)]
        return None

    def _finding(self, scope: Scope) -> Finding:
        field = "session.audio.input.transcription" if scope.is_ga else "session.input_audio_transcription"
        model = fixes.GA_TRANSCRIBE_MODEL if scope.is_ga else fixes.BETA_TRANSCRIBE_MODEL
        events = tuple(p for p in (scope.state.session.effective_pos, *self.items) if p is not None)
        tried = [
            u.pos
            for u in scope.state.session.requested_history
            if isinstance(scope.setting("transcription", u.session), dict)
        ]
        why = (
            f" The update at #{tried[-1]} asked for it but never took effect (rejected, or overridden)."
            if tried
            else ""
        )
        return Finding(
            "warning",
            "transcription-not-enabled",
            "no transcripts: input transcription was never enabled",
            f"User audio items carry transcript null and no transcription events came, because {field} is null "
            f'(the default).{why} Set it to an object with a model, e.g. {{"model": "{model}"}}, in a '
            "session.update and wait for session.updated before streaming audio.",
            events,
            fixes.update_json(fixes.with_transcription(scope.last_update_session(), scope.is_ga)),
        )


class TranscriptionModelRule(Rule):
    """A transcription-only model (gpt-4o-mini-transcribe, whisper-1...) used as the session's model:
    it belongs in ``audio.input.transcription.model``; the session needs a realtime model (or a
    transcription session opened with ``?intent=transcription``). The ``invalid_model`` error and the close
    4000 that refuse such a ``?model=`` are this cause, so they join this finding instead of their own."""

    HANDLES = {
        META_CONNECTION_OPENED: "on_open",
        "session.created": "on_session",
        "session.update": "on_update",
        "error": "on_error",
        META_CONNECTION_CLOSED: "on_close",
    }

    def __init__(self) -> None:
        self.done = False
        self.model: object = None
        self.where = ""
        self.events: list[int] = []

    def on_open(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        model = rec.event.get("model")
        return self._check(scope, pos, model, "the URL's ?model=")

    def on_session(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        session = rec.event.get("session") or {}
        if session.get("type") == "transcription":
            return None
        return self._check(scope, pos, session.get("model"), "the session's model")

    def on_update(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        session = rec.event.get("session") or {}
        if session.get("type") == "transcription":
            return None
        return self._check(scope, pos, session.get("model"), "session.update's model")

    def on_error(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        if not self.done or (rec.event.get("error") or {}).get("code") != "invalid_model":
            return None
        scope.claimed.add(pos)
        self.events.append(pos)
        return [self._finding()]

    def on_close(self, scope: Scope, pos: int, rec: Tapped) -> list[Finding] | None:
        if not self.done or "invalid_model" not in str(rec.event.get("reason") or ""):
            return None
        scope.claimed.add(pos)
        self.events.append(pos)
        return [self._finding()]

    def _check(self, scope: Scope, pos: int, model: object, where: str) -> list[Finding] | None:
        if self.done or not fixes.is_transcription_model(model):
            return None
        self.done = True
        self.model, self.where, self.events = model, where, [pos]
        return [self._finding()]

    def _finding(self) -> Finding:
        model, where = self.model, self.where
        return Finding(
            "error",
            "transcription-model-as-session-model",
            f"{model} is a transcription model, used as the session model",
            f"{where} is {model!r}, a transcription-only model: it cannot hold a conversation or answer. "
            "For a voice agent, connect with ?model=gpt-realtime and put the transcription model in "
            "audio.input.transcription; to only transcribe, open a transcription session "
            "(?intent=transcription) with session.type 'transcription'.",
            tuple(self.events),
            pretty_events(
                [
                    "connect to wss://api.openai.com/v1/realtime?model=gpt-realtime, then:",
                    {
                        "type": "session.update",
                        "session": {
                            "type": "realtime",
                            "audio": {"input": {"transcription": {"model": model}}},
                        },
                    },
                    "or, to transcribe only: ?intent=transcription and",
                    {
                        "type": "session.update",
                        "session": {
                            "type": "transcription",
                            "audio": {"input": {"transcription": {"model": model}}},
                        },
                    },
                ]
            ),
        )


RULES: list[type[Rule]] = [
    SessionUpdateRule,
    BetaRetiredRule,
    DefaultKeptRule,
    TranscriptionOffRule,
    TranscriptionModelRule,
]
