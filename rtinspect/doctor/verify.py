"""``rtinspect doctor --verify``: prove a fix before the user touches their code.

For each open finding, the session's client events are re-sent to the embedded server (through
``rtinspect.replay``, the one sender) with that finding's fix applied, and the re-run is diagnosed
again: the finding is ``cleared`` when its code no longer comes up open, ``not-cleared`` when it
does. Findings about the user's audio itself (its rate, container bytes, level...) or about the
account and the network say ``not-verifiable`` and why, instead of pretending: re-sending the same
bytes or the same key proves nothing.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, replace
from typing import Any

from rtinspect.doctor.engine import diagnose
from rtinspect.doctor.finding import Finding
from rtinspect.doctor.fixes import without
from rtinspect.exchange.logio import SessionLog
from rtinspect.replay.plan import ReplayPlan, plan_from_log
from rtinspect.tap import Tapped

AUDIO_CODES = frozenset(
    {
        "audio-rate-mismatch",
        "audio-pitch-out-of-range",
        "container-bytes-in-pcm",
        "stereo-as-mono",
        "odd-byte-count",
        "g711-pcm16-mismatch",
        "audio-silent",
        "audio-too-quiet",
        "audio-clipped",
        "no-trailing-silence",
        "transcript-empty",
        "speech-never-stopped",
        "echo-self-interruption",
    }
)
OUTSIDE_CODES = frozenset(
    {
        "rate-limited",
        "quota-exceeded",
        "authentication-failed",
        "session-expired",
        "session-expiring",
        "invalid-model",
        "connection-closed",
        "keepalive-timeout",
        "transport-error",
        "server-error",
        "response-failed",
        "transcription-failed",
        "malformed-events",
    }
)
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


def patch(plan: ReplayPlan, records: list[Tapped], finding: Finding) -> ReplayPlan:
    """The plan with ``finding``'s fix applied to the client events (raises _NotVerifiable)."""
    code = finding.code
    if code in AUDIO_CODES:
        raise _NotVerifiable(
            "about the audio your app sends: fix the audio itself; re-sending the same bytes proves nothing"
        )
    if code in OUTSIDE_CODES:
        raise _NotVerifiable("about the account, the network or the server, not about the events sent")
    index = {}  # log position of a client event -> its index in plan.sends
    for pos, rec in enumerate(records):
        if rec.dir == "client":
            index[pos] = len(index)
    sends = list(plan.sends)
    client = [p for p in finding.events if p in index]

    def first_of(*types: str) -> int | None:
        return next((index[p] for p in client if sends[index[p]][1].get("type") in types), None)

    fix = _fix_event(finding.fix)
    if code == "commit-under-server-vad":
        at = first_of("input_audio_buffer.commit")
        if at is None:
            raise _NotVerifiable("the commit it is about is not among the client events")
        del sends[at]
    elif code == "commit-without-response":
        at = first_of("input_audio_buffer.commit")
        if at is None:
            raise _NotVerifiable("the commit it is about is not among the client events")
        sends.insert(at + 1, (sends[at][0], {"type": "response.create"}))
    elif code in ("response-already-active", "cancel-not-active"):
        at = first_of("response.create", "response.cancel")
        if at is None:
            raise _NotVerifiable("the event it is about is not among the client events")
        del sends[at]
    elif fix is not None and fix.get("type") in SESSION_UPDATES:
        at = first_of(*SESSION_UPDATES)
        if at is None:  # a finding about the session as a whole: the fix replaces the last update
            ats = [i for i, (_, e) in enumerate(sends) if e.get("type") in SESSION_UPDATES]
            at = ats[-1] if ats else None
        if at is None:
            sends.insert(0, (0.0, fix))
        else:
            sends[at] = (sends[at][0], fix)
        if code == "beta-interface-retired":  # the fix is GA: connect as GA
            return replace(plan, sends=sends, dialect="ga", headers={})
    elif code == "session-voice-locked":
        at = first_of(*SESSION_UPDATES)
        if at is None:
            raise _NotVerifiable("the refused update is not among the client events")
        rest = without(without(dict(sends[at][1].get("session") or {}), "audio", "output", "voice"), "voice")
        if any(k != "type" for k in rest):
            sends[at] = (sends[at][0], {**sends[at][1], "session": rest})
        else:
            del sends[at]  # the update only changed the voice: in a new session it goes first
    elif code == "truncate-beyond-audio":
        raise _NotVerifiable(
            "the fix names an item of the original session and the milliseconds your player played: a re-run "
            "has new item ids and no player"
        )
    else:
        raise _NotVerifiable(
            "this fix depends on your app (a tool's result, ids of the original session, what was played): "
            "no automatic re-run"
        )
    return replace(plan, sends=sends)


async def _rerun(plan: ReplayPlan) -> list[Tapped]:
    from rtinspect.replay.runner import embedded_target, run_replay
    from rtinspect.server import EmbeddedServer

    async with EmbeddedServer(port=0, legacy_beta=plan.dialect == "beta") as server:
        result = await run_replay(plan, embedded_target(server.url, plan), speed=None)
    if result.error:
        raise _NotVerifiable(f"the re-run could not connect: {result.error}")
    return result.records


def verify(log: SessionLog, findings: list[Finding]) -> dict[tuple[str, str], Verified]:
    """One re-run per open, non-info finding; the verdict for each, by ``Finding.ident``."""
    plan = plan_from_log(log)
    out: dict[tuple[str, str], Verified] = {}
    for f in findings:
        if f.severity == "info" or not f.is_open:
            continue
        try:
            patched = patch(plan, log.records, f)
            records = asyncio.run(_rerun(patched))
        except _NotVerifiable as why:
            out[f.ident] = Verified("not-verifiable", str(why))
            continue
        again = [g for g in diagnose(records, patched.dialect) if g.code == f.code and g.is_open]
        if again:
            out[f.ident] = Verified(
                "not-cleared", f"the re-run with the fix still shows {f.code}: {again[0].title}"
            )
        else:
            out[f.ident] = Verified(
                "cleared",
                f"re-ran {len(patched.sends)} client events with the fix against the embedded server",
            )
    return out
