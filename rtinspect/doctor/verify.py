"""``rtinspect doctor --verify``: prove a fix before the user touches their code.

For each open finding, the session's client events are re-sent to the embedded server (through
``rtinspect.replay``, the one sender) with that finding's fix applied, and the re-run is diagnosed
again; so is a control re-run of the same events without any fix. The finding is ``cleared`` when
the control shows it and the fixed re-run shows neither it nor anything the control did not;
``not-cleared`` when the fixed re-run still shows it (or something new); ``not-verifiable`` when the
control does not show it either (a re-run cannot reproduce it, so its absence proves nothing), and
for findings about the user's audio itself (its rate, container bytes, level...), the account, the
network or how the app reads events: each says why, instead of pretending.

The re-runs of every log go at once, as sessions of one embedded server, paced causally
(``replay.pacing``: each client event once the server has said what it had said before it).
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import hashlib
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from rtinspect.doctor.engine import diagnose
from rtinspect.doctor.finding import Finding
from rtinspect.doctor.fixes import without
from rtinspect.errors import UserError
from rtinspect.exchange.logio import SessionLog
from rtinspect.replay.pacing import CausalPacing, Timeline
from rtinspect.replay.plan import ReplayPlan, plan_from_log
from rtinspect.session.state import SessionState
from rtinspect.tap import Tapped

_SAME_AUDIO = "a re-run can only re-send the same audio, so it proves nothing either way"
# Findings about the audio itself: the fix is in the app's audio code or the room, and a re-run
# re-sends the recorded bytes. Each says why, instead of pretending.
AUDIO_CODES: dict[str, str] = {
    "audio-rate-mismatch": "about the rate of the samples your app appends: the fix (resample to 24 kHz "
    f"before appending) changes the audio itself; {_SAME_AUDIO}",
    "audio-pitch-out-of-range": "about the rate of the samples your app appends: the fix (declare or "
    f"resample to the true rate) changes the audio itself; {_SAME_AUDIO}",
    "container-bytes-in-pcm": "about the bytes your app appends (a file's header inside them): the fix "
    f"(decode the file, append raw samples) is in your app's audio code; {_SAME_AUDIO}",
    "stereo-as-mono": "about the samples your app appends (two channels interleaved): the fix (mix to "
    f"mono) is in your app's audio code; {_SAME_AUDIO}",
    "odd-byte-count": "about the chunks your app cuts (half samples): the fix is in your app's audio "
    f"code; {_SAME_AUDIO}",
    "g711-pcm16-mismatch": "about the encoding of the bytes your app appends: the fix (declare or convert "
    f"the encoding) changes how the bytes are made; {_SAME_AUDIO}",
    "audio-silent": "about the level of what your app captures (device, mute, gain): no re-run changes "
    "the microphone",
    "audio-too-quiet": "about the level of what your app captures (device, gain): no re-run changes the "
    "microphone",
    "audio-clipped": "about the level of what your app captures (gain too high): no re-run changes the "
    "microphone",
    "no-trailing-silence": "about where your app's audio ends: the fix (append silence, or commit) "
    f"depends on your capture loop; {_SAME_AUDIO}",
    "speech-never-stopped": f"about the audio your app sends (noise or speech with no pause): {_SAME_AUDIO}",
    "transcript-empty": "about what the audio holds (silence, noise, words the model could not make out): "
    f"the embedded server's recognizer is not the live model, and {_SAME_AUDIO}",
    "echo-self-interruption": "about the room and the audio path (the assistant's voice coming back "
    "through the microphone): the fix (echo cancellation, headphones) is outside the events, and a re-run "
    "has no speaker and no microphone",
}
# Findings about the account, the network or the server's side: the embedded server takes any key,
# has no quota, and a loopback connection does not drop.
# Findings about how the app reads what the server sends: the events it sends do not change.
READING_CODES: dict[str, str] = {
    "multiple-assistant-messages": "about how your app reads a response (every output item, not the first): "
    "the events it sends are the same either way, so a re-run of them proves nothing",
}
_ACCOUNT = "about your account: the embedded server takes any key and has no quota or rate limit"
_NETWORK = "about the network and the connection's life: a re-run over loopback cannot show it either way"
_SERVER = "a failure on the server's side: the embedded server does not fail the same way, so a re-run proves nothing"
OUTSIDE_CODES: dict[str, str] = {
    "rate-limited": _ACCOUNT,
    "quota-exceeded": _ACCOUNT,
    "authentication-failed": _ACCOUNT,
    "authentication-missing": "about the credential your app sends: a re-run always connects with one",
    "session-expired": "about the session's lifetime (the live limit): a re-run is minutes shorter",
    "session-expiring": "about the session's lifetime (the live limit): a re-run is minutes shorter",
    "invalid-model": "about the model your account may use: the embedded server is not the live model list",
    "connection-closed": _NETWORK,
    "keepalive-timeout": _NETWORK,
    "transport-error": _NETWORK,
    "server-error": _SERVER,
    "response-failed": _SERVER,
    "transcription-failed": _SERVER,
    "malformed-events": "about the recording itself (events the doctor could not read), not a fix to try",
}
# The embedded server does not do what a model does by itself (loop on a tool, speak a preamble):
# when the control cannot show such a finding, the verdict says how to re-run it.
_SCRIPTED = (
    ": the {what} is the model's own behaviour, which the embedded server does not have unscripted; "
    "re-run with --script FILE and a rule that does it (the syntax of rtinspect serve --script)"
)
MODEL_HINTS: dict[str, str] = {
    "tool-call-loop": _SCRIPTED.format(what="loop"),
    "response-already-active": "; if the active response was a model's preamble, "
    + _SCRIPTED.format(what="preamble").lstrip(": "),
}
MIN_COMMIT_MS = 100  # docs/protocol.md §8: a commit of less is input_audio_buffer_commit_empty
# What a cleared verdict does not prove, where a re-run stands in for part of the app.
CAVEATS: dict[str, str] = {
    "commit-empty": ". It pads the buffer with silence; your app must send at least 100 ms of the user's "
    "audio before committing (or not commit an empty buffer)",
    "commit-too-small": ". It pads the press with silence; your app must send at least 100 ms of the user's "
    "audio before committing (or drop a shorter press)",
    "function-call-unanswered": ". It answers with a stand-in result; your tool's real output goes there",
    "tool-call-loop": ". It proves that asking for the next response without tools ends the loop; it cannot "
    "prove why your model called again (check that each output carries its call's call_id)",
    "barge-in-without-truncate": ". It proves the server takes the truncate of the cut reply (the "
    "conversation then keeps only that much of it); it cannot prove your player stopped there: "
    "audio_end_ms must be what was actually played",
    "transcription-model-as-session-model": ". The embedded server takes any realtime model name; which "
    "models your account may use only the live API says",
    "truncate-beyond-audio": ". It proves the server takes a truncate within the item's audio; the right "
    "audio_end_ms is what your player actually played",
    "session-voice-locked": ". In a session that already spoke, the voice cannot change: it goes in the "
    "first session.update, or in a new session",
}
SESSION_UPDATES = ("session.update", "transcription_session.update")


@dataclass(frozen=True, slots=True)
class Verified:
    result: str  # cleared | not-cleared | not-verifiable
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"result": self.result, "detail": self.detail}


class _NotVerifiable(Exception):
    pass


def _fix_event(fix: str | None) -> dict[str, Any] | None:
    """The fix as one client event, when it is one (a pasteable ``session.update``, say)."""
    try:
        event = json.loads(fix or "")
    except ValueError:
        return None
    return event if isinstance(event, dict) and isinstance(event.get("type"), str) else None


class PatchedSends:
    """A plan's client events with a fix's edits applied as they are iterated: the log's events
    stay on disk (a long session's appends are most of its bytes), only the edits are held.

    ``replaced``: index -> the event sent instead (None: not sent); ``after`` / ``before``: index ->
    events sent right after / before it, at its time; ``first``: events sent before everything."""

    def __init__(
        self,
        base: Any,
        replaced: dict[int, dict[str, Any] | None] | None = None,
        after: dict[int, list[dict[str, Any]]] | None = None,
        first: list[dict[str, Any]] | None = None,
        before: dict[int, list[dict[str, Any]]] | None = None,
        at: list[tuple[float, dict[str, Any]]] | None = None,
    ) -> None:
        self.base = base
        self.at = sorted(at or [], key=lambda x: x[0])  # (time since base, event): sent at that time
        self.replaced = replaced or {}
        self.after = after or {}
        self.before = before or {}
        self.first = first or []

    def __len__(self) -> int:
        dropped = sum(1 for e in self.replaced.values() if e is None)
        added = (
            len(self.first)
            + len(self.at)
            + sum(len(v) for v in (*self.after.values(), *self.before.values()))
        )
        return len(self.base) - dropped + added

    def __iter__(self) -> Iterator[tuple[float, dict[str, Any]]]:
        for event in self.first:
            yield 0.0, event
        timed = list(self.at)
        for i, (t, event) in enumerate(self.base):
            while timed and timed[0][0] <= t:
                yield timed.pop(0)
            for extra in self.before.get(i, ()):
                yield t, extra
            if i in self.replaced:
                swapped = self.replaced[i]
                if swapped is None:
                    continue
                event = swapped
            yield t, event
            for extra in self.after.get(i, ()):
                yield t, extra
        yield from timed


def patch(plan: ReplayPlan, records: Any, finding: Finding) -> tuple[ReplayPlan, str]:
    """The plan with ``finding``'s fix applied to the client events, and what changed (raises
    _NotVerifiable when a re-run cannot show the fix)."""
    code = finding.code
    if code in AUDIO_CODES:
        raise _NotVerifiable(AUDIO_CODES[code])
    if code in OUTSIDE_CODES:
        raise _NotVerifiable(OUTSIDE_CODES[code])
    if code in READING_CODES:
        raise _NotVerifiable(READING_CODES[code])
    index: dict[int, int] = {}  # log position of a client event -> its index in plan.sends
    updates: list[int] = []  # log positions of the client's session updates
    for pos, rec in enumerate(records):
        if rec.dir == "client":
            index[pos] = len(index)
            if rec.type in SESSION_UPDATES:
                updates.append(pos)

    def first_of(*types: str) -> int | None:
        return next((p for p in finding.events if p in index and records[p].event.get("type") in types), None)

    def edited(**edits: Any) -> ReplayPlan:
        return replace(plan, sends=PatchedSends(plan.sends, **edits))

    fix = _fix_event(finding.fix)
    if code == "commit-under-server-vad":
        at = first_of("input_audio_buffer.commit")
        if at is None:
            raise _NotVerifiable("the commit it is about is not among the client events")
        return edited(replaced={index[at]: None}), f"without the commit at #{at}"
    if code == "commit-without-response":
        at = first_of("input_audio_buffer.commit")
        if at is None:
            raise _NotVerifiable("the commit it is about is not among the client events")
        return (
            edited(after={index[at]: [{"type": "response.create"}]}),
            f"a response.create after the commit at #{at}",
        )
    if code in ("response-already-active", "cancel-not-active"):
        at = first_of("response.create", "response.cancel")
        if at is None:
            raise _NotVerifiable("the event it is about is not among the client events")
        return edited(replaced={index[at]: None}), f"without the {records[at].type} at #{at}"
    if code == "session-voice-locked":
        return _voice_first(plan, records, finding, index, updates)
    if fix is not None and fix.get("type") in SESSION_UPDATES:
        at = first_of(*SESSION_UPDATES)
        if at is None:  # a finding about the session as a whole: the fix replaces the last update
            at = updates[-1] if updates else None
        if at is None:
            fixed, change = edited(first=[fix]), "the fix's session.update sent first"
        else:
            fixed, change = (
                edited(replaced={index[at]: fix}),
                f"the fix instead of the session.update at #{at}",
            )
        if code == "beta-interface-retired":  # the fix is GA: connect as GA
            return replace(fixed, dialect="ga", headers={}), change + ", connected without the beta header"
        return fixed, change
    if code == "tool-call-loop":
        return _stop_the_loop(plan, records, finding, index, edited)
    if code in ("commit-too-small", "commit-empty"):
        return _long_enough(plan, records, finding, index, edited)
    if code == "audio-before-format-update":
        # (moving the update first is not the fix: the appends must also wait for its session.updated)
        raise _NotVerifiable(
            "the fix is to wait for session.updated before streaming; a re-run sends the recorded appends "
            "when the original did and cannot make them wait for an answer the original never waited for"
        )
    if code == "function-output-without-response":
        out = next(
            (p for p in finding.events if p in index and records[p].type == "conversation.item.create"), None
        )
        if out is None:
            raise _NotVerifiable("the function output it is about is not among the client events")
        return edited(
            after={index[out]: [{"type": "response.create"}]}
        ), f"a response.create after the output at #{out}"
    if code == "invalid-client-event":
        bad = next((p for p in finding.events if p in index), None) or _answered(plan, records, finding)
        if bad is None or bad not in index:
            raise _NotVerifiable("the event it is about is not among the client events")
        return edited(replaced={index[bad]: None}), f"without the {records[bad].type} at #{bad}"
    if code == "function-call-unanswered":
        return _answer_the_call(plan, records, finding, edited)
    if code == "barge-in-without-truncate":
        return _truncate_after_barge_in(plan, records, finding, index, edited)
    if code == "transcription-model-as-session-model":
        model = plan.model
        session: dict[str, Any] = {
            "type": "realtime",
            "audio": {"input": {"transcription": {"model": model}}},
        }
        fixed = replace(edited(first=[{"type": "session.update", "session": session}]), model="gpt-realtime")
        return fixed, f"connected with ?model=gpt-realtime, {model} as the transcription model"
    if fix is not None and fix.get("type") == "response.create":
        # a response's parameters: on the client's last response.create before the finding
        asks = [
            p
            for p in sorted(index)
            if finding.events and p < finding.events[0] and records[p].type == "response.create"
        ]
        if not asks:
            raise _NotVerifiable(
                "the response it is about was not asked for by a response.create of the client"
            )
        ask = asks[-1]
        event = records[ask].event
        params = {**(event.get("response") or {}), **(fix.get("response") or {})}
        return edited(
            replaced={index[ask]: {**event, "response": params}}
        ), f"the fix's parameters on the response.create at #{ask}"
    if fix is not None and (at := first_of(str(fix.get("type")))) is not None:
        # the fix is the corrected form of the client event it is about (a truncate within the audio)
        return edited(replaced={index[at]: fix}), f"the fix instead of the {records[at].type} at #{at}"
    raise _NotVerifiable(
        "this fix depends on your app (a tool's result, ids of the original session, what was played): "
        "no automatic re-run"
    )


def _base(plan: ReplayPlan) -> float:
    """The time the plan's send times count from (the connection's opening in the log)."""
    return float(getattr(plan.sends, "base", 0.0))


def _answered(plan: ReplayPlan, records: Any, finding: Finding) -> int | None:
    """The client event the finding's first event (an error) answers, by the fold's one rule."""
    from rtinspect.session.errors import error_cause

    err_pos = next((p for p in finding.events if records[p].type == "error"), None)
    if err_pos is None:
        return None
    state = SessionState(dialect=plan.dialect)
    for rec in records[:err_pos]:
        state.apply(rec)
    cause = error_cause(state, records[err_pos].event.get("error") or {})
    return cause.pos if cause is not None else None


def _long_enough(
    plan: ReplayPlan, records: Any, finding: Finding, index: dict[int, int], edited: Any
) -> tuple[ReplayPlan, str]:
    """The doctor's fix for a commit under 100 ms: at least 100 ms in the buffer before committing.
    The re-run pads the press with silence up to 120 ms (pcm16: zeros), right before its commit."""
    commit = next(
        (p for p in finding.events if p in index and records[p].type == "input_audio_buffer.commit"), None
    )
    if commit is None:
        raise _NotVerifiable("the commit it is about is not among the client events")
    state = SessionState(dialect=plan.dialect)
    for rec in records[:commit]:
        state.apply(rec)
    fmt = state.buffer.format
    if fmt.encoding != "pcm16":
        raise _NotVerifiable(f"the buffer is {fmt.encoding}: a re-run pads only pcm16 with silence")
    short = max(0.0, MIN_COMMIT_MS + 20 - state.buffer.pending_ms)
    pad = {
        "type": "input_audio_buffer.append",
        "audio": base64.b64encode(bytes(fmt.bytes_for_ms(short))).decode(),
    }
    later = [p for p in sorted(index) if p > commit]
    nxt = next((p for p in later if records[p].type == "input_audio_buffer.commit"), len(records))
    asked = any(records[p].type == "response.create" for p in later if p < nxt)
    return (
        edited(
            before={index[commit]: [pad]},
            after={} if asked else {index[commit]: [{"type": "response.create"}]},
        ),
        f"{short:.0f} ms of silence appended before the commit at #{commit} (the buffer held "
        f"{state.buffer.pending_ms:.0f} ms)" + ("" if asked else ", and a response.create after it"),
    )


def _answer_the_call(plan: ReplayPlan, records: Any, finding: Finding, edited: Any) -> tuple[ReplayPlan, str]:
    """The doctor's fix for an unanswered call: its function_call_output, then response.create, sent
    once the response that made the call is done (the re-run's pacing waits for it, and names the
    re-run's call). The result is a stand-in: the tool's real one is the app's to compute."""
    fix = _fix_events(finding.fix)
    call = finding.events[0] if finding.events else None
    done = (
        next((p for p in range(call, len(records)) if records[p].type == "response.done"), None)
        if call is not None
        else None
    )
    if done is None or not fix:
        raise _NotVerifiable("the response that made the call never ended in the recording")
    when = records[done].t - _base(plan) + 1e-4
    events = []
    for ev in fix:
        item = ev.get("item")
        if isinstance(item, dict) and item.get("type") == "function_call_output":
            ev = {
                **ev,
                "item": {**item, "output": json.dumps({"result": "stand-in result from rtinspect --verify"})},
            }
        events.append(ev)
    return (
        edited(at=[(when, ev) for ev in events]),
        f"the call's function_call_output (a stand-in result) and a response.create after the response.done at #{done}",
    )


def _fix_events(fix: str | None) -> list[dict[str, Any]]:
    """A fix printed as events (``finding.pretty_events``): its JSON objects, the ``//`` notes left out."""
    text = "\n".join(line for line in (fix or "").splitlines() if not line.lstrip().startswith("//"))
    decoder = json.JSONDecoder()
    out: list[dict[str, Any]] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        try:
            obj, i = decoder.raw_decode(text, i)
        except ValueError:
            return []
        if isinstance(obj, dict):
            out.append(obj)
    return out


def _stop_the_loop(
    plan: ReplayPlan, records: Any, finding: Finding, index: dict[int, int], edited: Any
) -> tuple[ReplayPlan, str]:
    """The doctor's fix for a tool loop: the result goes back once more, and the response after it
    is asked for without tools (``tool_choice: "none"``); the client's later re-asks of the loop are
    not sent (an app with the fix does not make them)."""
    if len(finding.events) < 2:
        raise _NotVerifiable("the loop's calls are not among the events")
    second = finding.events[1]
    later = [p for p in sorted(index) if p > second]
    ask = next((p for p in later if records[p].type == "response.create"), None)
    if ask is None:
        raise _NotVerifiable("no response.create follows the repeated call")
    event = records[ask].event
    params = event.get("response") if isinstance(event.get("response"), dict) else {}
    replaced: dict[int, dict[str, Any] | None] = {
        index[ask]: {**event, "response": {**params, "tool_choice": "none"}}
    }
    dropped = 0
    for p in later:
        if p <= ask:
            continue
        ev = records[p].event
        item = ev.get("item") if isinstance(ev.get("item"), dict) else {}
        if ev.get("type") == "response.create" or item.get("type") == "function_call_output":
            replaced[index[p]] = None
            dropped += 1
    return (
        edited(replaced=replaced),
        f'tool_choice "none" on the response.create at #{ask} (after the first repeated call), '
        f"and the loop's {dropped} later re-asks not sent",
    )


def _truncate_after_barge_in(
    plan: ReplayPlan, records: Any, finding: Finding, index: dict[int, int], edited: Any
) -> tuple[ReplayPlan, str]:
    """The doctor's fix for a barge-in: a ``conversation.item.truncate`` of the cut reply, sent with
    the first client event after the interruption (the re-run's pacing holds it until the re-run's
    response is cut too, and names the re-run's item). The played milliseconds are the app's to
    know; the re-run truncates at 0, which is within any reply however much of it was sent."""
    cut = finding.events[0] if finding.events else None
    nxt = next((p for p in sorted(index) if cut is not None and p > cut), None)
    if nxt is None:
        raise _NotVerifiable(
            "no client event follows the interruption, so a re-run has no moment to truncate at"
        )
    truncate = {
        "type": "conversation.item.truncate",
        "item_id": finding.key,
        "content_index": 0,
        "audio_end_ms": 0,
    }
    return (
        edited(before={index[nxt]: [truncate]}),
        "a conversation.item.truncate of the cut reply, before the event at "
        f"#{nxt}, at 0 ms: a re-run has no player, and its reply is cut wherever its server cut it",
    )


def _voice_of(session: Any) -> Any:
    """The voice a session object (either dialect) asks for, or None."""
    if not isinstance(session, dict):
        return None
    output = (session.get("audio") or {}).get("output") if isinstance(session.get("audio"), dict) else None
    if isinstance(output, dict) and "voice" in output:
        return output["voice"]
    return session.get("voice")


def _voice_first(
    plan: ReplayPlan, records: Any, finding: Finding, index: dict[int, int], updates: list[int]
) -> tuple[ReplayPlan, str]:
    """The fix for a locked voice, as the doctor prints it: the refused update without the voice,
    and the voice in the session's FIRST update, before any response (a new session's first)."""
    refused = next((p for p in finding.events if p in index and p in updates), None)
    if refused is None:
        raise _NotVerifiable("the refused update is not among the client events")
    update = records[refused].event
    voice = _voice_of(update.get("session"))
    if voice is None:
        raise _NotVerifiable("the refused update names no voice")
    rest = without(without(dict(update.get("session") or {}), "audio", "output", "voice"), "voice")
    replaced: dict[int, dict[str, Any] | None] = {
        index[refused]: {**update, "session": rest} if any(k != "type" for k in rest) else None
    }
    if plan.dialect == "beta":
        voiced: dict[str, Any] = {"voice": voice}
    else:
        voiced = {"type": "realtime", "audio": {"output": {"voice": voice}}}
    first = updates[0]
    if first != refused:  # the first update carries the voice too
        session = dict(records[first].event.get("session") or {})
        merged = {**session, **voiced}
        if "audio" in session and "audio" in voiced:
            merged["audio"] = {
                **session["audio"],
                "output": {**(session["audio"].get("output") or {}), "voice": voice},
            }
        replaced[index[first]] = {**records[first].event, "session": merged}
        return (
            replace(plan, sends=PatchedSends(plan.sends, replaced=replaced)),
            f"the voice {voice!r} in the first session.update (#{first}), not in the one at #{refused}",
        )
    return (
        replace(
            plan,
            sends=PatchedSends(
                plan.sends, replaced=replaced, first=[{"type": "session.update", "session": voiced}]
            ),
        ),
        f"the voice {voice!r} in a session.update sent first, not in the one at #{refused}",
    )


def _legacy(plan: ReplayPlan, records: list[Tapped]) -> bool:
    """Whether a plan goes to the retired beta dialect's server: a beta session that was served in
    beta (recorded against ``serve --legacy-beta``). One the server refused with
    ``beta_api_shape_disabled`` met today's API, and so does its re-run."""
    if plan.dialect != "beta":
        return False
    return not any(
        r.dir == "server"
        and r.type == "error"
        and (r.event.get("error") or {}).get("code") == "beta_api_shape_disabled"
        for r in records
    )


def default_jobs() -> int:
    """Re-runs at once. A re-run mostly waits (the server paces its answers, the replay waits for a
    quiet spell), so several share a core well; the transcriber pool bounds the CPU they use."""
    return max(4, 4 * (os.cpu_count() or 1))


@dataclass
class _Log:
    """One log's verification: its control re-run (no fix) and one re-run per fixable finding."""

    log: SessionLog
    findings: list[Finding]
    plan: ReplayPlan
    legacy: bool
    timeline: Timeline | None  # None: re-sent as fast as possible
    verdicts: dict[tuple[str, str], Verified] = field(default_factory=dict)
    patched: dict[tuple[str, str], tuple[ReplayPlan, str]] = field(default_factory=dict)


class _SharedTranscriber:
    """The recognizer for all re-runs, each turn's audio recognized once: the control and every
    fixed re-run of a log send the same turns, and a decode is most of a re-run's CPU. Runs in the
    server's thread executor; the decode itself in the pool's worker process."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self._lock = threading.Lock()
        self._texts: dict[bytes, concurrent.futures.Future[str]] = {}

    def transcribe(self, pcm16_mono_24k: bytes) -> str:
        key = hashlib.blake2b(pcm16_mono_24k, digest_size=16).digest()
        with self._lock:
            known = self._texts.get(key)
            mine = known is None
            if mine:
                known = self._texts[key] = concurrent.futures.Future()
        assert known is not None
        if mine:
            try:
                known.set_result(self.pool.transcribe(pcm16_mono_24k))
            except Exception as exc:  # noqa: BLE001 - every re-run waiting on this turn sees the failure
                known.set_exception(exc)
        return known.result()


class _Servers:
    """The embedded servers the re-runs share (GA, and the legacy beta one on demand) with one
    recognizer, so a whole ``--verify`` starts it once, not once per re-run."""

    def __init__(self, script: Any = None) -> None:
        from rtinspect.server.transcribe import make_transcriber

        self.script = script  # what stands in for the model's behaviour (``serve --script``), if given
        self.pool = make_transcriber("pocketsphinx")
        prepare = getattr(self.pool, "prepare", None)
        if callable(prepare):  # load the model while the first re-runs stream their audio
            prepare()
        self.transcriber = _SharedTranscriber(self.pool)
        self._servers: dict[bool, Any] = {}
        self._lock = asyncio.Lock()

    async def url(self, legacy: bool) -> str:
        from rtinspect.server import EmbeddedServer

        async with self._lock:
            server = self._servers.get(legacy)
            if server is None:
                server = EmbeddedServer(
                    port=0, legacy_beta=legacy, transcriber=self.transcriber, script=self.script
                )
                await server.start()
                self._servers[legacy] = server
        return str(server.url)

    async def close(self) -> None:
        for server in self._servers.values():
            await server.stop()
        close = getattr(self.pool, "close", None)
        if callable(close):
            close()


async def _rerun(
    servers: _Servers, plan: ReplayPlan, legacy: bool, gate: asyncio.Semaphore, timeline: Timeline | None
) -> list[Tapped]:
    from rtinspect.replay.runner import embedded_target, run_replay

    pacing = CausalPacing(timeline) if timeline is not None else None
    async with gate:
        url = await servers.url(legacy)
        result = await run_replay(plan, embedded_target(url, plan), speed=None, pacing=pacing)
    if result.error:
        raise _NotVerifiable(f"the re-run could not connect: {result.error}")
    return list(result.records)


def _pacing(job: _Log) -> str:
    if job.timeline is None:
        return "as fast as the socket takes them"
    return "each once the server had said what it had said before it in the original"


async def _verify_log(job: _Log, servers: _Servers, gate: asyncio.Semaphore) -> None:
    for f in job.findings:
        if f.severity == "info" or not f.is_open:
            continue
        try:
            job.patched[f.ident] = patch(job.plan, job.log.records, f)
        except _NotVerifiable as why:
            job.verdicts[f.ident] = Verified("not-verifiable", str(why))
    if not job.patched:
        return
    idents = list(job.patched)
    runs = [_rerun(servers, job.plan, job.legacy, gate, job.timeline)]
    runs += [
        _rerun(servers, job.patched[i][0], _legacy(job.patched[i][0], job.log.records), gate, job.timeline)
        for i in idents
    ]
    results = await asyncio.gather(*runs, return_exceptions=True)
    for res in results:
        if isinstance(res, BaseException) and not isinstance(res, _NotVerifiable):
            raise res
    control = results[0]
    again = (
        set()
        if isinstance(control, _NotVerifiable)
        else {g.code for g in diagnose(control, job.plan.dialect) if g.is_open}
    )
    n = len(job.plan.sends)
    how = _pacing(job)
    by_ident = {f.ident: f for f in job.findings}
    for ident, rerun in zip(idents, results[1:], strict=True):
        code = by_ident[ident].code
        fixed, change = job.patched[ident]
        if isinstance(control, _NotVerifiable) or isinstance(rerun, _NotVerifiable):
            job.verdicts[ident] = Verified(
                "not-verifiable", str(rerun if isinstance(rerun, _NotVerifiable) else control)
            )
            continue
        after = [g for g in diagnose(rerun, fixed.dialect) if g.is_open and g.severity != "info"]
        still = [g for g in after if g.code == code]
        # (findings about what the audio holds come from the recorded audio, or a stand-in's, not from a fix)
        new = [g for g in after if g.code not in again and g.code not in AUDIO_CODES]
        if still:
            job.verdicts[ident] = Verified(
                "not-cleared", f"the re-run with the fix ({change}) still shows {code}: {still[0].title}"
            )
        elif new:  # a fix that trades one problem for another does not work either
            job.verdicts[ident] = Verified(
                "not-cleared",
                f"with the fix ({change}) {code} is gone but the re-run shows {new[0].code}, which the re-run "
                f"without it did not: {new[0].title}",
            )
        elif code not in again:
            job.verdicts[ident] = Verified(
                "not-verifiable",
                f"re-sending the same {n} client events ({how}) WITHOUT the fix does not show {code} either "
                "(it depends on the original timing, audio or server), so its absence after the fix proves nothing"
                + MODEL_HINTS.get(code, ""),
            )
        else:
            job.verdicts[ident] = Verified(
                "cleared",
                f"re-sent the {n} client events to the embedded server ({how}): without the fix {code} comes "
                f"back, with the fix ({change}) it does not, and nothing new comes up"
                + CAVEATS.get(code, ""),
            )


async def _verify_all(jobs: list[_Log], concurrency: int, script: Any) -> None:
    servers = _Servers(script)
    gate = asyncio.Semaphore(max(1, concurrency))
    try:
        await asyncio.gather(*(_verify_log(job, servers, gate) for job in jobs))
    finally:
        await servers.close()


def verify_many(
    items: list[tuple[SessionLog, list[Finding]]],
    jobs: int = 0,
    *,
    causal: bool = True,
    script: Any = None,
) -> list[dict[tuple[str, str], Verified]]:
    """The verdict for each open, non-info finding of each log, by ``Finding.ident``.

    Each log with a fixable finding is re-run as recorded (the control: does the finding come back
    at all in a re-run?) and once per fix. Each client event goes once the re-run's server has said
    what it had said before it in the original (``replay.pacing``): sent by the clock alone they
    could land before what they answered (measured on recordings/: at 2x and 4x the recorded pace,
    or all at once, a voice change or a cancel lands elsewhere and the control no longer shows its
    finding); ``causal=False`` sends them as fast as possible. ``jobs`` re-runs go at once, as
    sessions of one shared embedded server (0: ``default_jobs()``). ``script`` (a path or a
    ``server.script.Script``, as ``serve --script``) stands in for the model's behaviour in every
    re-run: a tool loop or a preamble is the model's doing, which the embedded server does not do
    unscripted."""
    if isinstance(script, str | os.PathLike):  # a bad script: one clear line before any re-run
        from rtinspect.server import script as server_script

        script = server_script.load(script)
    work = []
    out: list[dict[tuple[str, str], Verified]] = []
    for log, findings in items:
        try:
            plan = plan_from_log(log)
        except UserError:  # the client never sent an event (refused at connect): nothing to re-send
            why = Verified("not-verifiable", "the session has no client events to re-send")
            out.append({f.ident: why for f in findings if f.severity != "info" and f.is_open})
            continue
        timeline = Timeline(log.records, getattr(plan.sends, "base", 0.0)) if causal else None
        job = _Log(log, findings, plan, _legacy(plan, log.records), timeline)
        work.append(job)
        out.append(job.verdicts)
    if any(f.severity != "info" and f.is_open for job in work for f in job.findings):
        asyncio.run(_verify_all(work, jobs or default_jobs(), script))
    return out


def verify(log: SessionLog, findings: list[Finding]) -> dict[tuple[str, str], Verified]:
    """``verify_many`` for one log."""
    return verify_many([(log, findings)])[0]
